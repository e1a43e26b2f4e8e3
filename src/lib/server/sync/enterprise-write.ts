import type { Transaction } from 'kysely';
import type { Db } from '../db';
import type { Database } from '../db/schema';
import { SqlMutationStore, type AuditActor } from './sql-store';
import { poke } from './poke';

/** One change to an enterprise in progress: its transaction, the version it writes, its clock. */
export interface EnterpriseWrite {
	trx: Transaction<Database>;
	enterpriseID: string;
	/** The version every changed row carries, so pull sends it (ARCHITECTURE.md, sync). */
	version: number;
	now: number;
	/** The shared store, acting as `actor` (license source, audit actor). */
	store: SqlMutationStore;
	/** Marks that something changed: the enterprise version is bumped and consoles are poked. */
	changed(): void;
	/** Writes an audit row as `actor` (R24). */
	audit(action: string, target: string, before: unknown, after: unknown): Promise<void>;
}

/**
 * Runs a change outside push (SCIM, accepting an invite) in one transaction with the same
 * conventions as a pushed mutation: the enterprise row is locked (PostgreSQL) so seat checks see
 * every committed seat, rows carry the next enterprise version, deletions leave tombstones, and
 * after the commit open consoles are poked.
 */
export async function enterpriseWrite<T>(
	database: Db,
	enterpriseID: string,
	actor: AuditActor,
	fn: (w: EnterpriseWrite) => Promise<T>,
	now = Date.now()
): Promise<T> {
	let changed = false;
	const result = await database.db.transaction().execute(async (trx) => {
		const q = trx.selectFrom('enterprises').select('version').where('id', '=', enterpriseID);
		const row = await (
			database.dialect === 'postgres' ? q.forUpdate() : q
		).executeTakeFirstOrThrow();
		const version = Number(row.version) + 1;
		const store = new SqlMutationStore(trx, enterpriseID, version, actor, now);
		const w: EnterpriseWrite = {
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
