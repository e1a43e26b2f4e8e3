import type { Transaction } from 'kysely';
import type { Db } from '../db';
import type { Database } from '../db/schema';
import { SqlMutationStore } from '../sync/sql-store';
import { poke } from '../sync/poke';

/** One SCIM change in progress: its transaction, the enterprise version it writes, its clock. */
export interface ScimWrite {
	trx: Transaction<Database>;
	enterpriseID: string;
	/** The version every changed row carries, so pull sends it (ARCHITECTURE.md, sync). */
	version: number;
	now: number;
	/** The shared store, acting as SCIM: licenses get source 'scim', audit rows actor_kind 'scim'. */
	store: SqlMutationStore;
	/** Marks that something changed: the enterprise version is bumped and consoles are poked. */
	changed(): void;
	/** Writes an audit row marked as from SCIM (R24). */
	audit(action: string, target: string, before: unknown, after: unknown): Promise<void>;
}

/**
 * Runs a SCIM change in one transaction with the same conventions as a pushed mutation: the
 * enterprise row is locked (PostgreSQL) so seat checks see every committed seat, rows carry the
 * next enterprise version, deletions leave tombstones, and after the commit open consoles are poked.
 */
export async function scimWrite<T>(
	database: Db,
	enterpriseID: string,
	fn: (w: ScimWrite) => Promise<T>,
	now = Date.now()
): Promise<T> {
	let changed = false;
	const result = await database.db.transaction().execute(async (trx) => {
		const q = trx.selectFrom('enterprises').select('version').where('id', '=', enterpriseID);
		const row = await (
			database.dialect === 'postgres' ? q.forUpdate() : q
		).executeTakeFirstOrThrow();
		const version = Number(row.version) + 1;
		const store = new SqlMutationStore(
			trx,
			enterpriseID,
			version,
			{ userID: null, kind: 'scim', queued: false },
			now
		);
		const w: ScimWrite = {
			trx,
			enterpriseID,
			version,
			now,
			store,
			changed: () => {
				changed = true;
			},
			audit: (action, target, before, after) => store.audit(action, target, before, after)
		};
		const out = await fn(w);
		if (changed) {
			await trx
				.updateTable('enterprises')
				.set({ version })
				.where('id', '=', enterpriseID)
				.execute();
		}
		return out;
	});
	if (changed) poke(enterpriseID);
	return result;
}
