import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from './db';
import { ApiError, describeIssues, readBodyText } from './http';
import { log } from './log';
import { RETENTION_DAYS } from '../domain/activity';
import { DAY_MS } from '../domain/seats';

/** Most events one request may carry; a client with more splits them. */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 400_000;

/** How far ahead of the server's clock an event may be; such events count as "now". */
export const FUTURE_TOLERANCE_MS = DAY_MS;

/** Earlier instants are refused: they are almost always epoch seconds sent as milliseconds. */
const EARLIEST_AT = Date.UTC(2000, 0, 1);

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

/** What one request's events came to. */
export interface IngestResult {
	/** Events of known users, recorded. */
	accepted: number;
	/** Events whose email names no user; dropped. */
	ignored: number;
}

function badRequest(path: string, message: string): ApiError {
	return new ApiError(400, 'badRequest', `${path}: ${message}`, {
		fields: [{ path, message }]
	});
}

/**
 * Reads and validates an activity body (R19): 413 when too large, 400 naming the field otherwise.
 * Instants become epoch ms; those up to a day ahead of `now` (client clock skew) become `now`.
 */
export async function readActivityBody(request: Request, now: number): Promise<ActivityEvent[]> {
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
	return parsed.data.events.map(({ email, at }, i) => {
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
		if (ms < EARLIEST_AT) {
			throw badRequest(
				`events.${i}.at`,
				'is before 2000-01-01; send epoch milliseconds, not seconds'
			);
		}
		if (ms > latest) {
			throw badRequest(
				`events.${i}.at`,
				'is more than a day in the future; check the client\u2019s clock'
			);
		}
		return { email, at: Math.min(ms, now) };
	});
}

interface Pending {
	events: ActivityEvent[];
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

	/** Queues one request's events; resolves with its counts once they are durable. */
	submit(events: ActivityEvent[]): Promise<IngestResult> {
		if (events.length === 0) return Promise.resolve({ accepted: 0, ignored: 0 });
		return new Promise((resolve, reject) => {
			this.#queue.push({ events, resolve, reject });
			this.#queued += events.length;
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
					count += next.events.length;
				}
				this.#queued -= count;
				try {
					const results = await withTransientRetry(() =>
						writeActivity(this.database, batch, this.#options.now())
					);
					batch.forEach((p, i) => p.resolve(results[i]!));
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

/**
 * Writes several requests' events in one transaction (R19): the raw events of known users (those
 * still inside the retention window) and each user's summary moved forward to their latest event,
 * never back. Returns each request's counts, in order.
 */
async function writeActivity(
	database: Db,
	batch: readonly { events: ActivityEvent[] }[],
	now: number
): Promise<IngestResult[]> {
	const emails = new Set<string>();
	for (const p of batch) for (const e of p.events) emails.add(e.email);
	const keepAfter = now - RETENTION_DAYS * DAY_MS;

	return database.db.transaction().execute(async (trx) => {
		const ids = new Map<string, string>();
		const list = [...emails];
		for (let i = 0; i < list.length; i += CHUNK) {
			const rows = await trx
				.selectFrom('users')
				.select(['id', 'email'])
				.where(sql`lower(email)`, 'in', list.slice(i, i + CHUNK))
				.execute();
			for (const row of rows) ids.set(row.email.toLowerCase(), row.id);
		}

		const results: IngestResult[] = [];
		const raw: { user_id: string; at: number }[] = [];
		const latest = new Map<string, number>();
		for (const p of batch) {
			let accepted = 0;
			for (const e of p.events) {
				const userID = ids.get(e.email);
				if (userID === undefined) continue;
				accepted++;
				if (e.at >= keepAfter) raw.push({ user_id: userID, at: e.at });
				const known = latest.get(userID);
				if (known === undefined || e.at > known) latest.set(userID, e.at);
			}
			results.push({ accepted, ignored: p.events.length - accepted });
		}

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
		return results;
	});
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
export function recordActivity(database: Db, events: ActivityEvent[]): Promise<IngestResult> {
	return activityWriter(database).submit(events);
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
		if (deleted < batchSize) return total;
		// Let requests waiting on the database run between batches.
		await new Promise((r) => setImmediate(r));
	}
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
	let running = false;
	const run = async () => {
		if (running) return;
		running = true;
		const started = performance.now();
		try {
			const deleted = await purgeOldActivity(database, Date.now());
			if (deleted > 0) {
				log('info', 'old activity purged', {
					deleted,
					retentionDays: RETENTION_DAYS,
					ms: Math.round(performance.now() - started)
				});
			}
		} catch (err) {
			log('warn', 'activity purge failed', {
				err: err instanceof Error ? err.message : String(err)
			});
		} finally {
			running = false;
		}
	};
	void run();
	const timer = setInterval(() => void run(), intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}
