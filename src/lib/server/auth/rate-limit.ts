import { isIP } from 'node:net';
import { sql, type Kysely, type OnConflictBuilder, type OnConflictUpdateBuilder } from 'kysely';
import type { Database } from '../db/schema';
import type { Db } from '../db';

/** Outcome of counting one attempt against a limit. */
export interface LimitResult {
	allowed: boolean;
	retryAfterSeconds: number;
}

/** Outcome of counting a hit: the limit's verdict and the hits counted so far in the window. */
export interface HitResult extends LimitResult {
	count: number;
}

function secondsUntil(at: number, now: number): number {
	return Math.max(1, Math.ceil((at - now) / 1000));
}

/**
 * Starts `key` as one hit until `resetAt`; when `key` is already there, `onKey` says what happens to
 * it instead.
 */
function start(
	db: Kysely<Database>,
	key: string,
	resetAt: number,
	onKey: (
		oc: OnConflictBuilder<Database, 'rate_limits'>
	) => OnConflictUpdateBuilder<Database, 'rate_limits'>
) {
	return db
		.insertInto('rate_limits')
		.values({ key, count: 1, reset_at: resetAt })
		.onConflict((oc) => onKey(oc.column('key')));
}

/** The hits counted on `key` and when its window ends, if it has one. */
function windowOf(db: Kysely<Database>, key: string) {
	return db
		.selectFrom('rate_limits')
		.select(['count', 'reset_at'])
		.where('key', '=', key)
		.executeTakeFirst();
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
): Promise<HitResult> {
	const row = await start(db, key, now + windowMs, (oc) =>
		oc.doUpdateSet({
			count: sql<number>`case when rate_limits.reset_at <= ${now} then 1 else rate_limits.count + 1 end`,
			reset_at: sql<number>`case when rate_limits.reset_at <= ${now} then ${now + windowMs} else rate_limits.reset_at end`
		})
	)
		.returning(['count', 'reset_at'])
		.executeTakeFirstOrThrow();
	return {
		allowed: row.count <= limit,
		retryAfterSeconds: secondsUntil(row.reset_at, now),
		count: row.count
	};
}

/** How a service answers an attempt over its limit. */
export interface RateLimited {
	ok: false;
	code: 'RATE_LIMITED';
	retryAfterSeconds: number;
}

/** Counts one hit on `key` (see `hit`): the refusal when that is over `limit`, else null. */
export async function overLimit(
	database: Db,
	key: string,
	limit: number,
	windowMs: number,
	now = Date.now()
): Promise<RateLimited | null> {
	const counted = await hit(database, key, limit, windowMs, now);
	if (counted.allowed) return null;
	return { ok: false, code: 'RATE_LIMITED', retryAfterSeconds: counted.retryAfterSeconds };
}

/**
 * A gate that lets one attempt through and then stays shut for `delayMs`: the attempt that finds it
 * open shuts it again (atomically, so of attempts sent together only one gets through); the others
 * are told how long until it opens.
 */
export async function passGate(
	{ db }: Db,
	key: string,
	delayMs: number,
	now = Date.now()
): Promise<LimitResult> {
	const passed = await start(db, key, now + delayMs, (oc) =>
		oc
			.doUpdateSet({ count: sql<number>`rate_limits.count + 1`, reset_at: now + delayMs })
			.where('rate_limits.reset_at', '<=', now)
	)
		.returning('reset_at')
		.executeTakeFirst();
	if (passed) return { allowed: true, retryAfterSeconds: 0 };
	const shut = await windowOf(db, key);
	return { allowed: false, retryAfterSeconds: secondsUntil(shut?.reset_at ?? now, now) };
}

/** Sets `key` to hold until `until` (a mark that expires), whatever it held before. */
export async function mark({ db }: Db, key: string, until: number): Promise<void> {
	await start(db, key, until, (oc) => oc.doUpdateSet({ count: 1, reset_at: until })).execute();
}

/** Whether `key` holds a mark that has not expired yet. */
export async function isMarked({ db }: Db, key: string, now = Date.now()): Promise<boolean> {
	const row = await windowOf(db, key);
	return row !== undefined && row.reset_at > now;
}

/** Whether `key` is currently over `limit`, without counting a hit. */
export async function isLimited(
	{ db }: Db,
	key: string,
	limit: number,
	now = Date.now()
): Promise<LimitResult> {
	const row = await windowOf(db, key);
	if (!row || row.reset_at <= now || row.count < limit)
		return { allowed: true, retryAfterSeconds: 0 };
	return { allowed: false, retryAfterSeconds: secondsUntil(row.reset_at, now) };
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

/**
 * The part of a client address that limits count against: an IPv4 address whole, an IPv6 address
 * by its /64 (one subscriber's network hands out the rest of it freely, so counting whole IPv6
 * addresses would let one client rotate through millions of fresh limits).
 */
export function addressKey(ip: string | null | undefined): string {
	if (!ip) return 'unknown';
	const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
	if (isIP(address) !== 6) return address;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
	if (mapped) return mapped[1]!;
	const [head, tail] = address.split('::') as [string, string | undefined];
	const front = head ? head.split(':') : [];
	const back = tail ? tail.split(':') : [];
	const groups =
		tail === undefined
			? front
			: [
					...front,
					...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'),
					...back
				];
	const prefix = groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16));
	return `${prefix.join(':')}::/64`;
}
