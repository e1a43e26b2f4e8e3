import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../db';
import type { Database } from '../db/schema';
import type { DomainRowsAt } from '../domains/sql';
import type { Dialect } from '../db/migrations';
import type { ActivityDelta, Change, PullResponse, Rejection } from '../../domain/sync/protocol';
import type { AccountRole } from '../../domain/roles';
import {
	MIRROR_TABLES,
	isMirrorTable,
	seesTable,
	type MirrorTable
} from '../../domain/sync/tables';
import { rosterTotal } from './roster';
import { MIRROR_ROWS } from './mirror-rows';
import { tombstonesSince } from './tombstones';

const MAX_REJECTIONS = 1000;

/**
 * The rows of an enterprise changed since `since` (everything when 0), deletions first, of the
 * tables `role` sees (R2). Licenses follow `licenses`: 'all' as the other tables, 'none' (the client
 * pages them from the roster), or `{ after }`: on a full pull, only the license changes after the
 * version of the roster chunks the client already holds (a rebuild that keeps them).
 */
async function changesSince(
	trx: Transaction<Database>,
	dialect: Dialect,
	enterpriseID: string,
	cookie: number,
	role: AccountRole | undefined,
	licenses: 'all' | 'none' | { after: number },
	activityDelta: boolean,
	at: DomainRowsAt
): Promise<{ changes: Change[]; activity: ActivityDelta | null }> {
	const changes: Change[] = [];
	// Seeded and imported rows carry version 0, so a full pull takes every version.
	const since = cookie === 0 ? -1 : cookie;
	const licensesSince = licenses === 'all' ? since : licenses === 'none' ? null : licenses.after;
	if (cookie === 0 && typeof licenses === 'object') {
		const dead = await tombstonesSince(trx, enterpriseID, licenses.after, ['licenses']);
		for (const t of dead) changes.push({ table: 'licenses', op: 'del', key: t.row_key });
	}
	if (cookie > 0) {
		// Deletions go first: a row deleted and then created again arrives as del, then put.
		for (const t of await tombstonesSince(trx, enterpriseID, since)) {
			const table = t.table_name as MirrorTable;
			if (isMirrorTable(table) && !seesTable(role, table)) continue;
			changes.push({ table, op: 'del', key: t.row_key });
		}
	}
	const scope = { trx, dialect, enterpriseID, since, licensesSince, activityDelta, at };
	for (const table of MIRROR_TABLES) {
		if (!seesTable(role, table)) continue;
		for (const { key, value } of await MIRROR_ROWS[table](scope)) {
			changes.push({ table, op: 'put', key, value });
		}
	}
	// Last Active dates that moved since, for licenses the client holds already (those it does not
	// hold arrive whole above): a few bytes each, so a daily catch-up never re-sends the roster.
	const activity =
		!activityDelta || licensesSince === null || licensesSince < 0
			? null
			: await activitySince(trx, enterpriseID, licensesSince);
	return { changes, activity };
}

/**
 * The catch-up query: licenses of an enterprise that existed at `since` and whose Last Active day
 * moved after it, by license number, with the day each keeps (written with its activity_version).
 * Covered by one index (licenses_activity_catch_up): no join to the users' activity.
 */
export function activityCatchUpQuery(db: Kysely<Database>, enterpriseID: string, since: number) {
	return db
		.selectFrom('licenses')
		.select(['licenses.seq', 'licenses.last_active_day'])
		.where('licenses.enterprise_id', '=', enterpriseID)
		.where('licenses.activity_version', '>', since)
		.where('licenses.version', '<=', since)
		.orderBy('licenses.seq');
}

/**
 * The Last Active dates that changed after version `since` for licenses that existed at `since`
 * (R19, R20): license numbers ascending, delta-coded, with UTC day numbers (null: never).
 */
async function activitySince(
	trx: Transaction<Database>,
	enterpriseID: string,
	since: number
): Promise<ActivityDelta | null> {
	const rows = await activityCatchUpQuery(trx, enterpriseID, since).execute();
	if (rows.length === 0) return null;
	const seqs = new Array<number>(rows.length);
	const days = new Array<number | null>(rows.length);
	let previous = 0;
	for (let i = 0; i < rows.length; i++) {
		const seq = Number(rows[i]!.seq);
		seqs[i] = seq - previous;
		previous = seq;
		const day = rows[i]!.last_active_day;
		days[i] = day == null ? null : Number(day);
	}
	return { seqs, days };
}

/**
 * Whether a version a client holds (its cookie, its roster chunks') belongs to the server's current
 * timeline: not from the future, and not from before the last restore (below the cookie floor that
 * `npm run after-restore` sets). 0 means "nothing yet" and is always fine.
 */
export function trusted(clientVersion: number, version: number, floor: number): boolean {
	return clientVersion === 0 || (clientVersion <= version && clientVersion >= floor);
}

/**
 * The patch a client needs: changes since its cookie, its lastMutationID and its recorded rejections.
 * A cookie the server cannot trust (from the future, or from before a restore) resets the client to
 * a full resync.
 */
export async function pull(
	database: Db,
	input: {
		enterpriseID: string;
		clientID: string;
		userID: string;
		cookie: number;
		after?: number;
		/** On a full pull, leave licensed users out: the client pages them from the roster. */
		licensesChunked?: boolean;
		/**
		 * On a full pull by a client that keeps its roster chunks (taken at this version): only the
		 * license changes since. A version the server has not reached or that predates a restore is
		 * ignored and the roster is paged again.
		 */
		licensesSince?: number;
		/**
		 * `'delta'`: the client reads Last Active changes in the compact `activity` field (consoles
		 * from this version on ask for it). Otherwise, as older consoles expect, licenses whose date
		 * moved come as whole license rows.
		 */
		activity?: 'delta';
	}
): Promise<PullResponse> {
	const run = async (trx: Transaction<Database>): Promise<PullResponse> => {
		const enterprise = await trx
			.selectFrom('enterprises')
			.select(['version', 'cookie_floor'])
			.where('id', '=', input.enterpriseID)
			.executeTakeFirstOrThrow();
		const version = Number(enterprise.version);
		const reset = !trusted(input.cookie, version, Number(enterprise.cookie_floor));
		const since = reset ? 0 : input.cookie;
		const client = await trx
			.selectFrom('sync_clients')
			.select(['last_mutation_id', 'enterprise_id', 'user_id'])
			.where('client_id', '=', input.clientID)
			.executeTakeFirst();
		const mine =
			client && client.enterprise_id === input.enterpriseID && client.user_id === input.userID;
		const role = await trx
			.selectFrom('account_roles')
			.select('role')
			.where('enterprise_id', '=', input.enterpriseID)
			.where('user_id', '=', input.userID)
			.executeTakeFirst();
		const rejections: Rejection[] = mine
			? (
					await trx
						.selectFrom('sync_results')
						.select(['mutation_id', 'code', 'message', 'details'])
						.where('client_id', '=', input.clientID)
						.where('status', '=', 'rejected')
						// The client asks from its oldest queued change on, so no rejection is missed.
						.where('mutation_id', '>', input.after ?? 0)
						.orderBy('mutation_id')
						.limit(MAX_REJECTIONS)
						.execute()
				).map((r) => ({
					id: Number(r.mutation_id),
					code: r.code ?? 'REJECTED',
					message: r.message ?? 'rejected',
					...(r.details ? { details: JSON.parse(r.details) as Record<string, unknown> } : {})
				}))
			: [];
		const keepsRoster =
			since === 0 &&
			input.licensesSince !== undefined &&
			trusted(input.licensesSince, version, Number(enterprise.cookie_floor));
		const chunked =
			since === 0 &&
			!keepsRoster &&
			(input.licensesChunked === true || input.licensesSince !== undefined);
		const licenses = keepsRoster
			? { after: input.licensesSince! }
			: chunked
				? ('none' as const)
				: ('all' as const);
		const { changes, activity } =
			since > 0 && since === version
				? { changes: [], activity: null }
				: await changesSince(
						trx,
						database.dialect,
						input.enterpriseID,
						since,
						role?.role,
						licenses,
						input.activity === 'delta',
						{ database, version, floor: Number(enterprise.cookie_floor) }
					);
		return {
			cookie: version,
			lastMutationID: mine ? Number(client.last_mutation_id) : 0,
			reset: reset || since === 0,
			changes,
			...(activity ? { activity } : {}),
			rejections,
			...(keepsRoster ? { rosterKept: true } : {}),
			...(chunked
				? {
						rosterChunked: true,
						rosterTotal: await rosterTotal(trx, input.enterpriseID)
					}
				: {})
		};
	};
	// One consistent snapshot: the cookie must describe exactly the rows sent.
	if (database.dialect === 'postgres') {
		return database.db.transaction().setIsolationLevel('repeatable read').execute(run);
	}
	return database.db.transaction().execute(run);
}
