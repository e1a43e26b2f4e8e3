import { sql } from 'kysely';
import { POKE_CHANNEL, type Db } from './index';

/**
 * How far past its restored version (and past the clock) each enterprise's version jumps. Cookies
 * issued after the backup count the commits the restore lost, so the jump must exceed them all:
 * 2^40 commits is far more than any enterprise makes, and 2^40 plus today's epoch ms (~2^41) stays
 * well inside Number.MAX_SAFE_INTEGER (2^53) for many restores to come.
 */
export const RESTORE_JUMP = 2 ** 40;

/** One enterprise's version before and after the jump; the new version is its cookie floor. */
export interface EnterpriseJump {
	id: string;
	slug: string;
	from: number;
	to: number;
}

/**
 * Run on a database just restored from a backup: in one transaction, moves every enterprise's
 * version to `max(version, now) + RESTORE_JUMP` and sets its cookie floor there, so every console
 * cookie issued before the restore is below the floor and its next pull resets it (pending changes
 * kept), while cookies issued afterwards are at or above it. The clock term keeps the new floor
 * above versions a lost timeline reached after an earlier after-restore (a backup restored twice).
 * Running it again only jumps again. Consoles connected to running instances are poked (PostgreSQL).
 */
export async function afterRestore(database: Db, now = Date.now()): Promise<EnterpriseJump[]> {
	return database.db.transaction().execute(async (trx) => {
		// A write first: it takes SQLite's write lock and PostgreSQL's row locks (waiting for pushes in
		// flight), so no push commits between reading a version and jumping past it.
		await trx
			.updateTable('enterprises')
			.set({ cookie_floor: sql<number>`version` })
			.execute();
		const rows = await trx
			.selectFrom('enterprises')
			.select(['id', 'slug', 'cookie_floor'])
			.orderBy('slug')
			.execute();
		const jumps: EnterpriseJump[] = [];
		for (const r of rows) {
			const from = Number(r.cookie_floor);
			const to = Math.max(from, now) + RESTORE_JUMP;
			await trx
				.updateTable('enterprises')
				.set({ version: to, cookie_floor: to })
				.where('id', '=', r.id)
				.execute();
			// Delivered on commit: consoles open on any instance pull now and are reset.
			if (database.dialect === 'postgres')
				await sql`select pg_notify(${POKE_CHANNEL}, ${r.id})`.execute(trx);
			jumps.push({ id: r.id, slug: r.slug, from, to });
		}
		return jumps;
	});
}
