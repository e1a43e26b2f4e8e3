import { sql, type Transaction } from 'kysely';
import { lastActiveSql } from '../db/last-active';
import { DAY_MS } from '../../domain/seats';
import type { Database } from '../db/schema';
import type { Dialect } from '../db/migrations';
import { poke } from './poke';

/** Ids per statement: under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

/**
 * The enterprises licensing any of these users, in id order, locked (PostgreSQL: FOR UPDATE, in
 * that order; SQLite's write transaction is exclusive already). A writer that will move their
 * versions takes this first, so it waits for other writers in the order they all keep.
 */
export async function lockEnterprisesOf(
	trx: Transaction<Database>,
	dialect: Dialect,
	userIDs: readonly string[]
): Promise<string[]> {
	const enterprises = new Set<string>();
	for (let i = 0; i < userIDs.length; i += CHUNK) {
		const rows = await trx
			.selectFrom('licenses')
			.select('enterprise_id')
			.distinct()
			.where('user_id', 'in', userIDs.slice(i, i + CHUNK))
			.execute();
		for (const r of rows) enterprises.add(r.enterprise_id);
	}
	const ids = [...enterprises].sort();
	if (dialect === 'postgres') {
		for (let i = 0; i < ids.length; i += CHUNK) {
			await trx
				.selectFrom('enterprises')
				.select('id')
				.where('id', 'in', ids.slice(i, i + CHUNK))
				.orderBy('id')
				.forUpdate()
				.execute();
		}
	}
	return ids;
}

/**
 * Records that these users' Last Active dates changed (R19), inside the transaction that changed
 * them: every enterprise that licenses one of them moves its version by one, and their licenses
 * there carry that version in `activity_version` and the new day in `last_active_day`, so each console's next incremental pull sends
 * the new dates (in the pull's compact `activity` field). Enterprises are locked in id order, after
 * the activity rows and before the license rows, the order every other writer keeps too. Set-based:
 * one statement per 500 enterprises and one per 500 users, however many enterprises license them.
 * Returns the enterprises whose version moved, for `pokeActivity` after the commit.
 */
export async function markLastActiveMoved(
	trx: Transaction<Database>,
	dialect: Dialect,
	userIDs: Iterable<string>
): Promise<string[]> {
	const users = [...new Set(userIDs)].sort();
	if (users.length === 0) return [];
	const moved = await lockEnterprisesOf(trx, dialect, users);
	if (moved.length === 0) return [];
	for (let i = 0; i < moved.length; i += CHUNK) {
		await trx
			.updateTable('enterprises')
			.set((eb) => ({ version: eb('version', '+', 1) }))
			.where('id', 'in', moved.slice(i, i + CHUNK))
			.execute();
	}
	for (let i = 0; i < users.length; i += CHUNK) {
		await trx
			.updateTable('licenses')
			.set((eb) => ({
				activity_version: eb
					.selectFrom('enterprises')
					.select('enterprises.version')
					.whereRef('enterprises.id', '=', 'licenses.enterprise_id'),
				// The new day itself, so the catch-up pull reads the license row alone (R19: tracked
				// activity since tracking began, else the last login).
				last_active_day: sql<
					number | null
				>`(select ${lastActiveSql('s', 'u')} from users u left join activity_summary s on s.user_id = u.id where u.id = licenses.user_id) / ${sql.lit(DAY_MS)}`
			}))
			.where('user_id', 'in', users.slice(i, i + CHUNK))
			.execute();
	}
	return moved;
}

/** The shortest time between two activity pokes of one enterprise from this process. */
export const ACTIVITY_POKE_INTERVAL_MS = 3000;

const windows = new Map<string, { pending: boolean }>();

/**
 * Pokes the consoles of enterprises whose Last Active dates moved, at most once per enterprise per
 * `ACTIVITY_POKE_INTERVAL_MS` from this process: the first poke goes at once, later ones in the
 * window become one poke at its end. A burst of ingested events is then one pull per console, not
 * one per event.
 */
export function pokeActivity(enterpriseIDs: Iterable<string>): void {
	for (const enterpriseID of enterpriseIDs) {
		const open = windows.get(enterpriseID);
		if (open) {
			open.pending = true;
			continue;
		}
		void poke(enterpriseID);
		const window = { pending: false };
		windows.set(enterpriseID, window);
		const close = () => {
			if (window.pending) {
				window.pending = false;
				void poke(enterpriseID);
				setTimeout(close, ACTIVITY_POKE_INTERVAL_MS).unref();
			} else windows.delete(enterpriseID);
		};
		setTimeout(close, ACTIVITY_POKE_INTERVAL_MS).unref();
	}
}
