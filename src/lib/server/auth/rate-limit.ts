import { sql } from 'kysely';
import type { Db } from '../db';

/** Outcome of counting one attempt against a limit. */
export interface LimitResult {
	allowed: boolean;
	retryAfterSeconds: number;
}

/**
 * Counts one hit on `key` in a fixed window kept in the database, so every app instance shares it.
 * Allowed while the window holds at most `limit` hits.
 */
export async function hit(
	{ db }: Db,
	key: string,
	limit: number,
	windowMs: number,
	now = Date.now()
): Promise<LimitResult> {
	const row = await db
		.insertInto('rate_limits')
		.values({ key, count: 1, reset_at: now + windowMs })
		.onConflict((oc) =>
			oc.column('key').doUpdateSet({
				count: sql<number>`case when rate_limits.reset_at <= ${now} then 1 else rate_limits.count + 1 end`,
				reset_at: sql<number>`case when rate_limits.reset_at <= ${now} then ${now + windowMs} else rate_limits.reset_at end`
			})
		)
		.returning(['count', 'reset_at'])
		.executeTakeFirstOrThrow();
	return {
		allowed: row.count <= limit,
		retryAfterSeconds: Math.max(1, Math.ceil((row.reset_at - now) / 1000))
	};
}

/** Whether `key` is currently over `limit`, without counting a hit. */
export async function isLimited(
	{ db }: Db,
	key: string,
	limit: number,
	now = Date.now()
): Promise<LimitResult> {
	const row = await db
		.selectFrom('rate_limits')
		.select(['count', 'reset_at'])
		.where('key', '=', key)
		.executeTakeFirst();
	if (!row || row.reset_at <= now || row.count < limit)
		return { allowed: true, retryAfterSeconds: 0 };
	return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((row.reset_at - now) / 1000)) };
}

/** Takes back one hit on `key` (an attempt that turned out fine). */
export async function release({ db }: Db, key: string): Promise<void> {
	await db
		.updateTable('rate_limits')
		.set({ count: sql<number>`count - 1` })
		.where('key', '=', key)
		.where('count', '>', 0)
		.execute();
}

/** Forgets the hits on `key` (after a successful sign-in). */
export async function clear({ db }: Db, key: string): Promise<void> {
	await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
