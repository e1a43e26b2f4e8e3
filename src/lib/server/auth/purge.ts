import type { Db } from '../db';
import { log } from '../log';
import { repeatEvery } from '../lifecycle';

/** How often expired sessions and rate-limit rows are deleted. */
export const AUTH_PURGE_INTERVAL_MS = 60 * 1000;

/**
 * The most rate-limit rows kept. Anyone can add rows without signing in (each attempt names an
 * account and an address), so past this the least telling rows go: single hits before repeated
 * ones (a flood is single hits; a guessed account's counter is not), the soonest to expire first.
 */
export const MAX_RATE_LIMIT_ROWS = 100_000;

/** What one purge deleted. */
export interface AuthPurgeResult {
	sessions: number;
	rateLimits: number;
	evicted: number;
}

/**
 * Deletes expired sessions and finished rate-limit windows, then, when more than `maxRateLimitRows`
 * rate-limit rows are left, the excess (see MAX_RATE_LIMIT_ROWS).
 */
export async function purgeAuthRows(
	{ db }: Db,
	now: number,
	{ maxRateLimitRows = MAX_RATE_LIMIT_ROWS }: { maxRateLimitRows?: number } = {}
): Promise<AuthPurgeResult> {
	const sessions = await db
		.deleteFrom('sessions')
		.where('expires_at', '<=', now)
		.executeTakeFirst();
	const rateLimits = await db
		.deleteFrom('rate_limits')
		.where('reset_at', '<=', now)
		.executeTakeFirst();
	const { n } = await db
		.selectFrom('rate_limits')
		.select((eb) => eb.fn.countAll<number | string>().as('n'))
		.executeTakeFirstOrThrow();
	const excess = Number(n) - maxRateLimitRows;
	let evicted = 0;
	if (excess > 0) {
		const result = await db
			.deleteFrom('rate_limits')
			.where(
				'key',
				'in',
				db
					.selectFrom('rate_limits')
					.select('key')
					.orderBy('count')
					.orderBy('reset_at')
					.limit(excess)
			)
			.executeTakeFirst();
		evicted = Number(result.numDeletedRows);
	}
	return {
		sessions: Number(sessions.numDeletedRows),
		rateLimits: Number(rateLimits.numDeletedRows),
		evicted
	};
}

/**
 * Runs purgeAuthRows now and every `intervalMs` (the timer does not keep the process alive);
 * returns the function that stops it.
 */
export function startAuthPurge(
	database: Db,
	{
		intervalMs = AUTH_PURGE_INTERVAL_MS,
		maxRateLimitRows = MAX_RATE_LIMIT_ROWS
	}: { intervalMs?: number; maxRateLimitRows?: number } = {}
): () => void {
	return repeatEvery(intervalMs, 'session and rate-limit purge failed', async () => {
		const deleted = await purgeAuthRows(database, Date.now(), { maxRateLimitRows });
		if (deleted.evicted > 0) {
			log('warn', 'rate-limit rows over the cap: the least telling were dropped', {
				...deleted,
				cap: maxRateLimitRows
			});
		} else if (deleted.sessions + deleted.rateLimits > 0) {
			log('info', 'expired sessions and rate limits purged', { ...deleted });
		}
	});
}
