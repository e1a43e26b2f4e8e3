import type { Transaction } from 'kysely';
import type { Db } from '../db';
import type { Database } from '../db/schema';
import { SqlMutationStore, type AuditActor, type AuditRow } from './sql-store';
import type { ReadAhead } from './read-ahead';
import { poke, pokeInside, pokesInside } from './poke';
import { PhaseClock } from './phases';

const UNTIMED = new PhaseClock();

/** One change to an enterprise in progress: its transaction, the version it writes, its clock. */
export interface EnterpriseWrite {
	trx: Transaction<Database>;
	enterpriseID: string;
	/** The version every changed row carries, so pull sends it (ARCHITECTURE.md, sync). */
	readonly version: number;
	now: number;
	/** The shared store, acting as `actor` (license source, audit actor). */
	store: SqlMutationStore;
	/**
	 * Marks that something changed at `version`: the enterprise version is bumped to it (with
	 * `domains`, the enterprise's domains carry it too, so mirrors pull fresh unclaimed counts) and
	 * consoles are poked after the commit.
	 */
	changed(options?: { domains?: boolean }): void;
	/** Writes an audit row as `actor` (R24). */
	audit(action: string, target: string, before: unknown, after: unknown): Promise<void>;
	/**
	 * A store at `version` acting as another actor at another time (push: one a mutation); `via`
	 * gives it the transaction to run through (with a plugin, say), where to keep its audit rows and
	 * what the batch read ahead (SqlMutationStore).
	 */
	storeAs(
		actor: AuditActor,
		at: number,
		via?: { trx?: Transaction<Database>; auditRows?: AuditRow[]; readAhead?: ReadAhead }
	): SqlMutationStore;
	/** Ends the change at `version`: what is written next carries the version after it (push). */
	next(): void;
}

/**
 * The enterprise write protocol inside a transaction the caller opened: the enterprise row is
 * locked (PostgreSQL: FOR UPDATE, one writer per enterprise, so seat checks see every committed
 * seat; SQLite's single connection already serialises transactions), rows carry the next
 * enterprise version, deletions leave tombstones (the store), and what `fn` marked changed bumps
 * the enterprise version. Returns whether it changed: the caller pokes consoles after the commit.
 */
export async function enterpriseWriteIn<T>(
	trx: Transaction<Database>,
	dialect: Db['dialect'],
	enterpriseID: string,
	actor: AuditActor,
	fn: (w: EnterpriseWrite) => Promise<T>,
	now: number,
	clock = UNTIMED,
	{ poke: pokeAtCommit = false }: { poke?: boolean } = {}
): Promise<{ result: T; changed: boolean }> {
	const q = trx.selectFrom('enterprises').select('version').where('id', '=', enterpriseID);
	const row = await (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow();
	clock.lap('lock');
	let version = Number(row.version) + 1;
	let bumpTo: number | null = null;
	let domains = false;
	const store = new SqlMutationStore(trx, enterpriseID, version, actor, now);
	const w: EnterpriseWrite = {
		trx,
		enterpriseID,
		get version() {
			return version;
		},
		now,
		store,
		changed: (options) => {
			bumpTo = version;
			if (options?.domains) domains = true;
		},
		audit: (action, target, before, after) => store.audit(action, target, before, after),
		storeAs: (as, at, via) =>
			new SqlMutationStore(via?.trx ?? trx, enterpriseID, version, as, at, via),
		next: () => {
			version++;
		}
	};
	const result = await fn(w);
	if (bumpTo !== null) {
		const bump = trx
			.updateTable('enterprises')
			.set({ version: bumpTo })
			.where('id', '=', enterpriseID);
		await (pokeAtCommit ? bump.returning(pokeInside(enterpriseID)) : bump).execute();
		if (domains) {
			await trx
				.updateTable('domains')
				.set({ version: bumpTo })
				.where('enterprise_id', '=', enterpriseID)
				.execute();
		}
	}
	clock.lap('version');
	return { result, changed: bumpTo !== null };
}

/**
 * Runs a change to one enterprise (a pushed batch, SCIM, accepting an invite, domain capture) in
 * one transaction with the enterprise write protocol (enterpriseWriteIn); open consoles are poked
 * when something changed: by the version bump's own statement, delivered at the commit, where the
 * database can (pokesInside), else after the commit.
 */
export async function enterpriseWrite<T>(
	database: Db,
	enterpriseID: string,
	actor: AuditActor,
	fn: (w: EnterpriseWrite) => Promise<T>,
	now = Date.now(),
	clock = UNTIMED
): Promise<T> {
	const inside = pokesInside(database);
	const { result, changed } = await database.db.transaction().execute((trx) => {
		clock.lap('begin');
		return enterpriseWriteIn(trx, database.dialect, enterpriseID, actor, fn, now, clock, {
			poke: inside
		});
	});
	clock.lap('commit');
	if (changed && !inside) {
		const poked = poke(enterpriseID);
		// A measured write waits for the poke to reach the database, so its phase shows what it costs.
		if (clock.on) await poked;
		clock.lap('poke');
	}
	return result;
}
