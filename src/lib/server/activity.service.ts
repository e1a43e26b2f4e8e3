import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from './db/schema';
import { z } from 'zod';
import type { Db } from './db';
import { ApiError, describeIssues, readBodyText } from './http';
import { log } from './log';
import { repeatEvery } from './lifecycle';
import { ACTIVITY_TRACKING_START, lastActiveAt, RETENTION_DAYS, utcDay } from '../domain/activity';
import { DAY_MS } from '../domain/seats';
import { lockEnterprisesOf, markLastActiveMoved, pokeActivity } from './sync/last-active';

/** Most events one request may carry; a client with more splits them. */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 400_000;

/**
 * How far ahead of the server's clock an event may be (client clock skew); such events count as
 * "now". Further ahead, an event is ignored and counted.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** How long an `Idempotency-Key` is remembered: a retry within this time stores nothing twice. */
export const IDEMPOTENCY_KEY_MS = DAY_MS;

/**
 * Earlier instants are ignored and counted apart (`before2000`): they are almost always epoch
 * seconds sent as milliseconds, which the client may want to know.
 */
const EARLIEST_AT = Date.UTC(2000, 0, 1);

/** The shortest and longest `Idempotency-Key` accepted (a UUID is 36 characters). */
export const IDEMPOTENCY_KEY_MIN = 16;
export const IDEMPOTENCY_KEY_MAX = 200;

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

const eventSchema = z.object(
	{
		email: z
			.string({ error: 'must be a string' })
			.trim()
			.toLowerCase()
			.max(254, 'must be at most 254 characters')
			// R26: no control characters (a NUL cannot even be compared on PostgreSQL).
			.regex(/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u, 'must be an email address'),
		at: z.union([z.number(), z.string()], {
			error: 'must be epoch milliseconds or an ISO 8601 date-time'
		})
	},
	{ error: 'each event must be an object {email, at}' }
);

/** The body of `POST /api/client/activity` (R19). */
export const activityBodySchema = z.object(
	{
		events: z
			.array(eventSchema, { error: 'must be an array of {email, at}' })
			.max(
				MAX_EVENTS_PER_REQUEST,
				`at most ${MAX_EVENTS_PER_REQUEST} events per request; split the batch`
			)
	},
	{ error: 'the body must be a JSON object {events: [{email, at}]}' }
);

/** One "app opened" event, validated: a normalised email and an epoch-ms instant. */
export interface ActivityEvent {
	email: string;
	at: number;
}

/** Why events were ignored (R19, bad input): each one counted, none stored, no date moved. */
export interface IgnoredCounts {
	/** The email names no user. */
	unknownEmail: number;
	/** More than `FUTURE_TOLERANCE_MS` ahead of the server's clock. */
	future: number;
	/** Before activity tracking began (2025-05-20), from 2000-01-01 on. */
	beforeTracking: number;
	/** Before 2000-01-01: almost always epoch seconds sent as milliseconds. */
	before2000: number;
	/** The same email and instant again in one request. */
	duplicate: number;
}

/** What one request's events came to. */
export interface IngestResult {
	/** Events of known users, recorded. */
	accepted: number;
	/** Events dropped, all reasons together (the sum of `ignoredBy`). */
	ignored: number;
	/** Why the ignored events were dropped. */
	ignoredBy: IgnoredCounts;
	/** Set when the request's `Idempotency-Key` was stored before: this is that request's answer. */
	replayed?: true;
}

/** A validated request: the events to record and those already ignored while reading it. */
export interface ActivityBatch {
	events: ActivityEvent[];
	ignoredBy: IgnoredCounts;
	/**
	 * SHA-256 of the request body as sent: an `Idempotency-Key` is bound to it, so the same key with
	 * another body is refused instead of answered with the first request's counts.
	 */
	bodyHash?: string;
}

function noneIgnored(): IgnoredCounts {
	return { unknownEmail: 0, future: 0, beforeTracking: 0, before2000: 0, duplicate: 0 };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The `Idempotency-Key` header of an activity request (null when absent): 16–200 visible ASCII
 * characters, else a 400 that says so.
 */
export function readIdempotencyKey(request: Request): string | null {
	const key = request.headers.get('idempotency-key');
	if (key === null) return null;
	const pattern = new RegExp(`^[\\x21-\\x7e]{${IDEMPOTENCY_KEY_MIN},${IDEMPOTENCY_KEY_MAX}}$`);
	if (!pattern.test(key)) {
		throw new ApiError(
			400,
			'badRequest',
			`Idempotency-Key must be ${IDEMPOTENCY_KEY_MIN} to ${IDEMPOTENCY_KEY_MAX} visible ASCII characters (letters, digits, punctuation; no spaces), like a UUID`
		);
	}
	return key;
}

/** The answer to an `Idempotency-Key` used before for a request with another body. */
function keyReused(): ApiError {
	return new ApiError(
		422,
		'idempotencyKeyReused',
		'this Idempotency-Key was already used for a request with a different body; send a new key with each new request, and the same key only to retry the same request'
	);
}

function badRequest(path: string, message: string): ApiError {
	return new ApiError(400, 'badRequest', `${path}: ${message}`, {
		fields: [{ path, message }]
	});
}

/**
 * Reads and validates an activity body (R19): 413 when too large, 400 naming the field otherwise.
 * Instants become epoch ms; those up to `FUTURE_TOLERANCE_MS` ahead of `now` (client clock skew)
 * become `now`. Events further ahead, from before tracking began, or repeated (same email and
 * instant) are ignored and counted, so they never move a date.
 */
export async function readActivityBody(request: Request, now: number): Promise<ActivityBatch> {
	const text = await readBodyText(
		request,
		MAX_BODY_BYTES,
		`send at most ${MAX_EVENTS_PER_REQUEST} events per request`
	);
	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new ApiError(400, 'badRequest', 'the request body must be valid JSON');
	}
	const parsed = activityBodySchema.safeParse(body);
	if (!parsed.success) {
		const { message, fields } = describeIssues(parsed.error);
		throw new ApiError(400, 'badRequest', message, { fields });
	}
	const latest = now + FUTURE_TOLERANCE_MS;
	const ignoredBy = noneIgnored();
	const seen = new Set<string>();
	const events: ActivityEvent[] = [];
	parsed.data.events.forEach(({ email, at }, i) => {
		let ms: number;
		if (typeof at === 'number') {
			if (!Number.isFinite(at)) throw badRequest(`events.${i}.at`, 'must be a finite number');
			ms = Math.floor(at);
		} else {
			ms = isoDateTime.test(at) ? Date.parse(at) : NaN;
			if (Number.isNaN(ms)) {
				throw badRequest(
					`events.${i}.at`,
					'must be epoch milliseconds or an ISO 8601 date-time with a time zone, like 2025-06-01T09:30:00Z'
				);
			}
		}
		if (ms < EARLIEST_AT) ignoredBy.before2000++;
		else if (ms > latest) ignoredBy.future++;
		else if (ms < ACTIVITY_TRACKING_START) ignoredBy.beforeTracking++;
		else {
			const clamped = Math.min(ms, now);
			const key = `${clamped}\u0000${email}`;
			if (seen.has(key)) ignoredBy.duplicate++;
			else {
				seen.add(key);
				events.push({ email, at: clamped });
			}
		}
	});
	return { events, ignoredBy, bodyHash: sha256(text) };
}

interface Pending {
	events: ActivityEvent[];
	ignoredBy: IgnoredCounts;
	key: string | null;
	bodyHash: string;
	resolve(result: IngestResult): void;
	reject(err: unknown): void;
}

/** How a writer batches. */
export interface WriterOptions {
	/** The longest an event waits for others to share its transaction when the writer is idle. */
	lingerMs: number;
	/** The most events written in one transaction. */
	maxEvents: number;
	/** The clock that decides which events are too old to keep raw (tests). */
	now: () => number;
}

/** Rows per multi-row statement: under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

/**
 * Buffers activity from many requests and writes it in few transactions (group commit): while one
 * transaction runs, new events queue and go together in the next, so throughput grows with load and
 * an idle server adds at most `lingerMs` to a request. Each caller's promise settles once the
 * transaction holding its events has committed (or failed).
 */
export class ActivityWriter {
	#queue: Pending[] = [];
	#queued = 0;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#running = false;
	readonly #options: WriterOptions;

	constructor(
		readonly database: Db,
		options: Partial<WriterOptions> = {}
	) {
		this.#options = { lingerMs: 5, maxEvents: 5000, now: Date.now, ...options };
	}

	/**
	 * Queues one request's events; resolves with its counts once they are durable. With a `key`
	 * (the request's `Idempotency-Key`) a request stored before stores nothing and gets its answer.
	 */
	submit(batch: ActivityBatch | ActivityEvent[], key: string | null = null): Promise<IngestResult> {
		const { events, ignoredBy, bodyHash } = Array.isArray(batch)
			? { events: batch, ignoredBy: noneIgnored(), bodyHash: undefined }
			: batch;
		if (events.length === 0 && key === null) {
			const ignored = sumIgnored(ignoredBy);
			return Promise.resolve({ accepted: 0, ignored, ignoredBy: { ...ignoredBy } });
		}
		return new Promise((resolve, reject) => {
			this.#queue.push({
				events,
				ignoredBy: { ...ignoredBy },
				key,
				bodyHash: bodyHash ?? sha256(JSON.stringify(events)),
				resolve,
				reject
			});
			this.#queued += Math.max(1, events.length);
			if (this.#running) return;
			if (this.#queued >= this.#options.maxEvents) this.#start();
			else this.#timer ??= setTimeout(() => this.#start(), this.#options.lingerMs);
		});
	}

	#start(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		if (this.#running) return;
		this.#running = true;
		void this.#loop();
	}

	async #loop(): Promise<void> {
		try {
			while (this.#queue.length > 0) {
				const batch: Pending[] = [];
				let count = 0;
				while (this.#queue.length > 0 && (count === 0 || count < this.#options.maxEvents)) {
					const next = this.#queue.shift()!;
					batch.push(next);
					count += Math.max(1, next.events.length);
				}
				this.#queued -= count;
				try {
					const { results, moved } = await withTransientRetry(() =>
						writeActivity(this.database, batch, this.#options.now())
					);
					pokeActivity(moved);
					batch.forEach((p, i) => {
						const result = results[i]!;
						if (result instanceof ApiError) p.reject(result);
						else p.resolve(result);
					});
				} catch (err) {
					for (const p of batch) p.reject(err);
				}
			}
		} finally {
			this.#running = false;
		}
	}
}

/** PostgreSQL's deadlock and serialization failures: the transaction rolled back and may run again. */
const TRANSIENT = new Set(['40P01', '40001']);

/** Runs a transaction again (up to 3 tries, short random pause) when the database says it may. */
async function withTransientRetry<T>(run: () => Promise<T>): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await run();
		} catch (err) {
			const code = (err as { code?: unknown } | null)?.code;
			if (attempt >= 3 || typeof code !== 'string' || !TRANSIENT.has(code)) throw err;
			await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
		}
	}
}

function sumIgnored(c: IgnoredCounts): number {
	return c.unknownEmail + c.future + c.beforeTracking + c.before2000 + c.duplicate;
}

/**
 * Claims the requests' idempotency keys in the transaction: a key stored before (by any instance;
 * PostgreSQL makes a concurrent claim wait for the first to commit) with the same body hash means
 * that request was stored already, and its recorded answer is returned instead; with another body
 * it is a misuse of the key, answered 422 and storing nothing. Returns, by index, the answers of
 * replays (a number: the index of the same request earlier in this batch) and the refusals.
 */
async function claimKeys(
	trx: Transaction<Database>,
	batch: readonly Pending[],
	now: number
): Promise<Map<number, IngestResult | number | ApiError>> {
	const replays = new Map<number, IngestResult | number | ApiError>();
	const first = new Map<string, number>();
	for (let i = 0; i < batch.length; i++) {
		const { key, bodyHash } = batch[i]!;
		if (key === null) continue;
		const earlier = first.get(key);
		// The same key twice in one batch: a retry of the first (answered alike), or a misuse.
		if (earlier !== undefined) {
			replays.set(i, batch[earlier]!.bodyHash === bodyHash ? earlier : keyReused());
			continue;
		}
		first.set(key, i);
		const claimed = await trx
			.insertInto('ingest_requests')
			.values({ key, result: '', created_at: now, body_hash: bodyHash })
			.onConflict((oc) => oc.column('key').doNothing())
			.returning('key')
			.executeTakeFirst();
		if (claimed) continue;
		const stored = await trx
			.selectFrom('ingest_requests')
			.select(['result', 'body_hash'])
			.where('key', '=', key)
			.executeTakeFirstOrThrow();
		replays.set(
			i,
			stored.body_hash !== null && stored.body_hash !== bodyHash
				? keyReused()
				: { ...(JSON.parse(stored.result) as IngestResult), replayed: true }
		);
	}
	return replays;
}

/**
 * Writes several requests' events in one transaction (R19): the raw events of known users (those
 * still inside the retention window) and each user's summary moved forward to their latest event,
 * never back. A user whose Last Active date (UTC day) changes moves the version of every
 * enterprise licensing them (markLastActiveMoved), so consoles pull the new date. Returns each
 * request's counts, in order, and the enterprises to poke.
 */
async function writeActivity(
	database: Db,
	batch: readonly Pending[],
	now: number
): Promise<{ results: (IngestResult | ApiError)[]; moved: string[] }> {
	const keepAfter = now - RETENTION_DAYS * DAY_MS;

	return database.db.transaction().execute(async (trx) => {
		const replays = await claimKeys(trx, batch, now);
		const emails = new Set<string>();
		batch.forEach((p, i) => {
			if (!replays.has(i)) for (const e of p.events) emails.add(e.email);
		});
		const users = new Map<
			string,
			{ id: string; before: number | null; login: number | null; summary: number | null }
		>();
		const list = [...emails];
		for (let i = 0; i < list.length; i += CHUNK) {
			const rows = await trx
				.selectFrom('users')
				.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
				.select([
					'users.id',
					'users.email',
					'users.last_login_at',
					'activity_summary.last_active_at'
				])
				.where(sql`lower(email)`, 'in', list.slice(i, i + CHUNK))
				.execute();
			for (const row of rows) {
				const summary = row.last_active_at == null ? null : Number(row.last_active_at);
				const login = row.last_login_at == null ? null : Number(row.last_login_at);
				users.set(row.email.toLowerCase(), {
					id: row.id,
					summary,
					login,
					before: lastActiveAt(summary, login)
				});
			}
		}

		const results: (IngestResult | null)[] = [];
		const raw: { user_id: string; at: number }[] = [];
		const latest = new Map<string, number>();
		batch.forEach((p, i) => {
			if (replays.has(i)) {
				results.push(null);
				return;
			}
			let accepted = 0;
			for (const e of p.events) {
				const user = users.get(e.email);
				if (user === undefined) continue;
				accepted++;
				if (e.at >= keepAfter) raw.push({ user_id: user.id, at: e.at });
				const known = latest.get(user.id);
				if (known === undefined || e.at > known) latest.set(user.id, e.at);
			}
			const ignoredBy = {
				...p.ignoredBy,
				unknownEmail: p.ignoredBy.unknownEmail + p.events.length - accepted
			};
			results.push({ accepted, ignored: sumIgnored(ignoredBy), ignoredBy });
		});

		for (let i = 0; i < raw.length; i += CHUNK) {
			await trx
				.insertInto('activity_events')
				.values(raw.slice(i, i + CHUNK))
				.execute();
		}
		// In user order: instances writing at once then lock shared summary rows in the same order, so
		// their transactions wait for each other instead of deadlocking (PostgreSQL, several instances).
		const summaries = [...latest]
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([user_id, last_active_at]) => ({ user_id, last_active_at }));
		for (let i = 0; i < summaries.length; i += CHUNK) {
			await trx
				.insertInto('activity_summary')
				.values(summaries.slice(i, i + CHUNK))
				.onConflict((oc) =>
					oc
						.column('user_id')
						.doUpdateSet({ last_active_at: (eb) => eb.ref('excluded.last_active_at') })
						// An event older than the one on record never moves last-active back.
						.where('excluded.last_active_at', '>', (eb) =>
							eb.ref('activity_summary.last_active_at')
						)
				)
				.execute();
		}
		// Dates, not instants, reach consoles (R20 shows UTC dates): only a new day moves a version.
		const movedUsers: string[] = [];
		for (const user of users.values()) {
			const at = latest.get(user.id);
			if (at === undefined) continue;
			const after = lastActiveAt(Math.max(at, user.summary ?? at), user.login);
			if (after !== null && (user.before === null || utcDay(after) !== utcDay(user.before)))
				movedUsers.push(user.id);
		}
		const moved = await markLastActiveMoved(trx, database.dialect, movedUsers);

		const answers = results.map((r, i) => {
			if (r) return r;
			const replay = replays.get(i)!;
			return typeof replay === 'number' ? null : replay;
		});
		// Replays of a key first seen in this batch get that request's answer.
		for (let i = 0; i < answers.length; i++) {
			const replay = replays.get(i);
			if (typeof replay !== 'number') continue;
			const earlier = answers[replay]!;
			answers[i] = earlier instanceof ApiError ? earlier : { ...earlier, replayed: true };
		}
		for (let i = 0; i < batch.length; i++) {
			const key = batch[i]!.key;
			if (key === null || replays.has(i)) continue;
			await trx
				.updateTable('ingest_requests')
				.set({ result: JSON.stringify(answers[i]) })
				.where('key', '=', key)
				.execute();
		}
		return { results: answers as (IngestResult | ApiError)[], moved };
	});
}

/**
 * Records an admin's or user's sign-in as their last login (R19): for a user without tracked
 * activity that is their Last Active date, so when its day changes every console licensing them
 * receives it on its next pull, like an ingested event. One transaction: the login and the moved
 * versions are stored together or not at all (a login stored alone would leave consoles without
 * the new date, and a retry the same day would not move it). The enterprises are locked before the
 * users row, the order SCIM keeps, so the two wait for each other instead of deadlocking.
 */
export async function recordSignIn(database: Db, userID: string, now: number): Promise<void> {
	const moved = await withTransientRetry(() =>
		database.db.transaction().execute(async (trx) => {
			const before = await trx
				.selectFrom('users')
				.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
				.select(['users.last_login_at', 'activity_summary.last_active_at'])
				.where('users.id', '=', userID)
				.executeTakeFirst();
			if (!before) return [];
			const summary = before.last_active_at == null ? null : Number(before.last_active_at);
			const login = before.last_login_at == null ? null : Number(before.last_login_at);
			const was = lastActiveAt(summary, login);
			const is = lastActiveAt(summary, now);
			const moves = is !== null && (was === null || utcDay(was) !== utcDay(is));
			if (moves) await lockEnterprisesOf(trx, database.dialect, [userID]);
			await trx.updateTable('users').set({ last_login_at: now }).where('id', '=', userID).execute();
			return moves ? markLastActiveMoved(trx, database.dialect, [userID]) : [];
		})
	);
	pokeActivity(moved);
}

const writers = new WeakMap<Db, ActivityWriter>();

/** The process's writer for a database (one buffer per database, shared by every request). */
export function activityWriter(database: Db): ActivityWriter {
	let writer = writers.get(database);
	if (!writer) {
		writer = new ActivityWriter(database);
		writers.set(database, writer);
	}
	return writer;
}

/** Records validated events through the database's shared writer (R19). */
export function recordActivity(
	database: Db,
	batch: ActivityBatch | ActivityEvent[],
	key: string | null = null
): Promise<IngestResult> {
	return activityWriter(database).submit(batch, key);
}

/**
 * Deletes raw events older than the retention window (R19) in batches of `batchSize`, each its own
 * short statement, so writers are never held up for long. Summaries stay. Returns the rows deleted.
 */
export async function purgeOldActivity(
	database: Db,
	now: number,
	{ batchSize = 5000 }: { batchSize?: number } = {}
): Promise<number> {
	const cutoff = now - RETENTION_DAYS * DAY_MS;
	let total = 0;
	for (;;) {
		const result = await database.db
			.deleteFrom('activity_events')
			.where(
				'id',
				'in',
				database.db
					.selectFrom('activity_events')
					.select('id')
					.where('at', '<', cutoff)
					.orderBy('at')
					.limit(batchSize)
			)
			.executeTakeFirst();
		const deleted = Number(result.numDeletedRows);
		total += deleted;
		if (deleted < batchSize) break;
		// Let requests waiting on the database run between batches.
		await new Promise((r) => setImmediate(r));
	}
	// Idempotency keys are remembered for a day: later retries are new requests.
	await database.db
		.deleteFrom('ingest_requests')
		.where('created_at', '<', now - IDEMPOTENCY_KEY_MS)
		.execute();
	return total;
}

/** How often the purge runs: raw events are kept by the day, so a few times a day is plenty. */
export const PURGE_INTERVAL_MS = 6 * 60 * 60 * 1000;

/**
 * Purges old raw events now and then every `intervalMs` (R19), on a timer that does not keep the
 * process alive. Returns the function that stops it.
 */
export function startActivityPurge(
	database: Db,
	{ intervalMs = PURGE_INTERVAL_MS }: { intervalMs?: number } = {}
): () => void {
	return repeatEvery(intervalMs, 'activity purge failed', async () => {
		const started = performance.now();
		const deleted = await purgeOldActivity(database, Date.now());
		if (deleted > 0) {
			log('info', 'old activity purged', {
				deleted,
				retentionDays: RETENTION_DAYS,
				ms: Math.round(performance.now() - started)
			});
		}
	});
}
