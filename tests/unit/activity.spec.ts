import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { POST } from '../../src/routes/api/client/activity/+server';
import {
	ActivityWriter,
	MAX_BODY_BYTES,
	MAX_EVENTS_PER_REQUEST,
	purgeOldActivity,
	startActivityPurge
} from '../../src/lib/server/activity.service';
import { DEV_INGEST_KEY, ingestKeyFromEnv } from '../../src/lib/server/ingest-key';
import { RETENTION_DAYS } from '../../src/lib/domain/activity';
import { DAY_MS } from '../../src/lib/domain/seats';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { makeUser, recordActivity } from './support/factories';

type Body = Record<string, unknown>;

/** Calls the route as SvelteKit would, with the given key and body (an object, or raw text). */
async function post(
	body: unknown,
	{
		key = DEV_INGEST_KEY,
		headers = {}
	}: { key?: string | null; headers?: Record<string, string> } = {}
): Promise<{ status: number; body: Body; headers: Headers }> {
	const request = new Request('http://localhost/api/client/activity', {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			...(key === null ? {} : { authorization: `Bearer ${key}` }),
			...headers
		},
		body: typeof body === 'string' ? body : JSON.stringify(body)
	});
	const res = await POST({ request, locals: { requestID: 'test' } } as never);
	return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
}

const minutesAgo = (n: number) => Date.now() - n * 60_000;

describe('the ingest key (ARCHITECTURE.md: INGEST_KEY)', () => {
	it('is the development default when unset outside production', () => {
		expect(ingestKeyFromEnv({})).toEqual({ key: DEV_INGEST_KEY, development: true });
		expect(ingestKeyFromEnv({ NODE_ENV: 'test', INGEST_KEY: ' ' }).key).toBe(DEV_INGEST_KEY);
	});

	it('is INGEST_KEY when set', () => {
		const key = 'a-secret-of-some-length';
		expect(ingestKeyFromEnv({ NODE_ENV: 'production', INGEST_KEY: key })).toEqual({
			key,
			development: false
		});
	});

	it('makes production refuse to start without a real key', () => {
		expect(() => ingestKeyFromEnv({ NODE_ENV: 'production' })).toThrow(/INGEST_KEY is not set/);
		expect(() => ingestKeyFromEnv({ NODE_ENV: 'production', INGEST_KEY: 'short' })).toThrow(
			/at least 16 characters/
		);
		expect(() => ingestKeyFromEnv({ NODE_ENV: 'production', INGEST_KEY: DEV_INGEST_KEY })).toThrow(
			/development default/
		);
	});
});

describe.each(dialects)('POST /api/client/activity (R19) on %s', (dialect) => {
	let t: TestDb;

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
	});
	afterAll(async () => {
		setDb(undefined);
		await t.drop();
	});
	afterEach(() => {
		delete process.env.INGEST_KEY;
	});

	const events = (userID: string) =>
		t.database.db
			.selectFrom('activity_events')
			.select('at')
			.where('user_id', '=', userID)
			.orderBy('at')
			.execute()
			.then((rows) => rows.map((r) => Number(r.at)));
	const lastActive = (userID: string) =>
		t.database.db
			.selectFrom('activity_summary')
			.select('last_active_at')
			.where('user_id', '=', userID)
			.executeTakeFirst()
			.then((r) => (r ? Number(r.last_active_at) : null));

	describe('authentication', () => {
		it('refuses a request without a key with a JSON 401 that says how to send it', async () => {
			const res = await post({ events: [] }, { key: null });
			expect(res.status).toBe(401);
			expect(res.body).toEqual({
				error: 'unauthorized',
				message: 'send the ingest key as `Authorization: Bearer <key>`'
			});
			expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
		});

		it('refuses a wrong key, and another scheme', async () => {
			expect((await post({ events: [] }, { key: 'guess' })).body).toMatchObject({
				error: 'unauthorized',
				message: 'the ingest key is not valid'
			});
			const basic = await post(
				{ events: [] },
				{ key: null, headers: { authorization: `Basic ${btoa('x:y')}` } }
			);
			expect(basic.status).toBe(401);
		});

		it('takes the key INGEST_KEY names, and then no longer the development default', async () => {
			process.env.INGEST_KEY = 'deployment-key-0123456789';
			expect((await post({ events: [] }, { key: 'deployment-key-0123456789' })).status).toBe(200);
			expect((await post({ events: [] })).status).toBe(401);
		});

		it('checks the key before it reads the body', async () => {
			expect((await post('not json', { key: 'wrong' })).status).toBe(401);
		});
	});

	describe('validation', () => {
		const message = async (body: unknown) => {
			const res = await post(body);
			expect(res.status).toBe(400);
			expect(res.body.error).toBe('badRequest');
			return res.body.message;
		};

		it('names what is wrong with the body', async () => {
			expect(await message('{"events": [')).toBe('the request body must be valid JSON');
			expect(await message([])).toBe(
				'(body): the body must be a JSON object {events: [{email, at}]}'
			);
			expect(await message({})).toBe('events: must be an array of {email, at}');
			expect(await message({ events: [1] })).toBe(
				'events.0: each event must be an object {email, at}'
			);
			expect(await message({ events: [{ email: 'no-at-sign', at: Date.now() }] })).toBe(
				'events.0.email: must be an email address'
			);
			expect(await message({ events: [{ email: 'a@b.test' }] })).toBe(
				'events.0.at: must be epoch milliseconds or an ISO 8601 date-time'
			);
			expect(await message({ events: [{ email: 'a@b.test', at: 'yesterday' }] })).toMatch(
				/^events\.0\.at: must be epoch milliseconds or an ISO 8601 date-time with a time zone/
			);
		});

		it('refuses a batch over the limit, saying to split it', async () => {
			const many = Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, (_, i) => ({
				email: `u${i}@b.test`,
				at: Date.now()
			}));
			expect(await message({ events: many })).toBe(
				`events: at most ${MAX_EVENTS_PER_REQUEST} events per request; split the batch`
			);
		});

		it('ignores and counts events before 2000-01-01 (epoch seconds) and stores the rest of the batch (R19)', async () => {
			const user = await makeUser(t.database);
			const at = minutesAgo(4);
			const res = await post({
				events: [
					{ email: user.email, at },
					{ email: user.email, at: Math.floor(at / 1000) },
					{ email: user.email, at: '1999-12-31T23:59:59Z' }
				]
			});
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({
				accepted: 1,
				ignored: 2,
				ignoredBy: { before2000: 2, beforeTracking: 0 }
			});
			expect(await events(user.id)).toEqual([at]);
			expect(await lastActive(user.id)).toBe(at);
		});

		it('ignores and counts events from the future, from before tracking began and repeated, moving no date (R19)', async () => {
			const user = await makeUser(t.database);
			const at = minutesAgo(30);
			const res = await post({
				events: [
					{ email: user.email, at },
					{ email: user.email, at },
					{ email: user.email, at: Date.now() + 10 * 60_000 },
					{ email: user.email, at: Date.now() + 2 * DAY_MS },
					{ email: user.email, at: Date.UTC(2025, 4, 19, 23, 59) },
					{ email: 'nobody@unknown.test', at }
				]
			});
			expect(res).toMatchObject({
				status: 200,
				body: {
					accepted: 1,
					ignored: 5,
					ignoredBy: { duplicate: 1, future: 2, beforeTracking: 1, unknownEmail: 1 }
				}
			});
			expect(await events(user.id)).toEqual([at]);
			expect(await lastActive(user.id)).toBe(at);
		});

		it('refuses an Idempotency-Key that is not 16 to 200 visible characters with a 400 saying so (R19)', async () => {
			for (const key of ['a'.repeat(15), 'b'.repeat(201), 'with a space in it']) {
				const res = await post({ events: [] }, { headers: { 'idempotency-key': key } });
				expect(res.status, key).toBe(400);
				expect(res.body.message).toBe(
					'Idempotency-Key must be 16 to 200 visible ASCII characters (letters, digits, punctuation; no spaces), like a UUID'
				);
			}
			for (const key of [`${'c'.repeat(15)}${dialect[0]}`, `${'d'.repeat(199)}${dialect[0]}`]) {
				expect((await post({ events: [] }, { headers: { 'idempotency-key': key } })).status).toBe(
					200
				);
			}
		});

		it('answers 413 to a body over the size limit, declared or streamed', async () => {
			const big = JSON.stringify({
				events: [{ email: 'a@b.test', at: 1, pad: 'x'.repeat(MAX_BODY_BYTES) }]
			});
			const declared = await post(big);
			expect(declared.status).toBe(413);
			expect(declared.body.error).toBe('payloadTooLarge');
			// No content-length: the body is counted as it streams in.
			const stream = new ReadableStream({
				start(c) {
					for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(50_000)));
					c.close();
				}
			});
			const request = new Request('http://localhost/api/client/activity', {
				method: 'POST',
				headers: { authorization: `Bearer ${DEV_INGEST_KEY}` },
				body: stream,
				duplex: 'half'
			} as RequestInit);
			const res = await POST({ request, locals: { requestID: 'test' } } as never);
			expect(res.status).toBe(413);
		});

		it('records nothing from a batch with one bad event', async () => {
			const user = await makeUser(t.database);
			await post({
				events: [
					{ email: user.email, at: minutesAgo(5) },
					{ email: user.email, at: 'soon' }
				]
			});
			expect(await events(user.id)).toEqual([]);
			expect(await lastActive(user.id)).toBeNull();
		});
	});

	describe('recording', () => {
		it('records events by email, whatever its case, and counts unknown emails as ignored', async () => {
			const user = await makeUser(t.database);
			const at = minutesAgo(10);
			const res = await post({
				events: [
					{ email: `  ${user.email.toUpperCase()} `, at },
					{ email: 'nobody@unknown.test', at },
					{ email: user.email, at: new Date(at + 1000).toISOString() }
				]
			});
			expect(res).toMatchObject({ status: 200, body: { accepted: 2, ignored: 1 } });
			expect(await events(user.id)).toEqual([at, at + 1000]);
			expect(await lastActive(user.id)).toBe(at + 1000);
		});

		it('takes ISO date-times with an offset', async () => {
			const user = await makeUser(t.database);
			const at = Math.floor(minutesAgo(60) / 1000) * 1000;
			const local = new Date(at + 2 * 3600_000).toISOString().replace('Z', '+02:00');
			expect((await post({ events: [{ email: user.email, at: local }] })).body.accepted).toBe(1);
			expect(await lastActive(user.id)).toBe(at);
		});

		it('counts an event from a clock slightly ahead as now', async () => {
			const user = await makeUser(t.database);
			const before = Date.now();
			await post({ events: [{ email: user.email, at: Date.now() + 2 * 60_000 }] });
			const stored = (await lastActive(user.id))!;
			expect(stored).toBeGreaterThanOrEqual(before);
			expect(stored).toBeLessThanOrEqual(Date.now());
		});

		it('never moves last-active back for an older event', async () => {
			const user = await makeUser(t.database);
			await post({ events: [{ email: user.email, at: minutesAgo(1) }] });
			const latest = await lastActive(user.id);
			await post({ events: [{ email: user.email, at: minutesAgo(120) }] });
			expect(await lastActive(user.id)).toBe(latest);
			expect(await events(user.id)).toHaveLength(2);
		});

		it('keeps last-active but no raw row for an event older than the retention window', async () => {
			const user = await makeUser(t.database);
			const old = Date.now() - (RETENTION_DAYS + 5) * DAY_MS;
			expect((await post({ events: [{ email: user.email, at: old }] })).body.accepted).toBe(1);
			expect(await events(user.id)).toEqual([]);
			expect(await lastActive(user.id)).toBe(old);
		});

		it('stores every event of 50 concurrent requests once, with each user at their latest', async () => {
			const users = await Promise.all(Array.from({ length: 10 }, () => makeUser(t.database)));
			const base = minutesAgo(600);
			const sent = new Map<string, number[]>(users.map((u) => [u.id, []]));
			const bodies = Array.from({ length: 50 }, (_, r) => ({
				events: Array.from({ length: 20 }, (_, i) => {
					const user = users[(r * 7 + i) % users.length]!;
					const at = base + ((r * 31 + i * 17) % 500) * 1000 + r;
					sent.get(user.id)!.push(at);
					return { email: user.email, at };
				}).concat([{ email: `ghost.${r}@unknown.test`, at: base }])
			}));
			const results = await Promise.all(bodies.map((b) => post(b)));
			for (const r of results)
				expect(r).toMatchObject({ status: 200, body: { accepted: 20, ignored: 1 } });
			for (const user of users) {
				const mine = sent.get(user.id)!.sort((a, b) => a - b);
				expect(await events(user.id)).toEqual(mine);
				expect(await lastActive(user.id)).toBe(mine.at(-1));
			}
		});

		it('writes concurrent requests together, in fewer transactions than requests', async () => {
			const user = await makeUser(t.database);
			let transactions = 0;
			const db = new Proxy(t.database.db, {
				get(target, prop) {
					if (prop === 'transaction') transactions++;
					const value = Reflect.get(target, prop, target);
					return typeof value === 'function' ? value.bind(target) : value;
				}
			});
			const writer = new ActivityWriter({ ...t.database, db }, { lingerMs: 5, maxEvents: 25 });
			const at = minutesAgo(3);
			const results = await Promise.all(
				Array.from({ length: 40 }, (_, i) => writer.submit([{ email: user.email, at: at + i }]))
			);
			expect(results.every((r) => r.accepted === 1)).toBe(true);
			expect(await events(user.id)).toHaveLength(40);
			expect(await lastActive(user.id)).toBe(at + 39);
			// At most 25 events per transaction: 40 queued at once take exactly two.
			expect(transactions).toBe(2);
		});

		it('two instances writing the same users at once, in opposite orders, both commit (no deadlock)', async () => {
			// Each instance has its own writer; on PostgreSQL their transactions overlap.
			const users = Array.from({ length: 2000 }, (_, i) => ({
				id: randomUUID(),
				email: `pair.${i}.${randomUUID().slice(0, 8)}@example.test`
			}));
			for (let i = 0; i < users.length; i += 500) {
				await t.database.db
					.insertInto('users')
					.values(
						users
							.slice(i, i + 500)
							.map((u) => ({ ...u, name: u.email, password_hash: null, created_at: Date.now() }))
					)
					.execute();
			}
			// One round per transaction, so the two writers' transactions interleave many times.
			const options = { maxEvents: users.length };
			const [one, two] = [
				new ActivityWriter(t.database, options),
				new ActivityWriter(t.database, options)
			];
			const base = minutesAgo(60);
			const rounds = 6;
			const submitted: Promise<{ accepted: number }>[] = [];
			for (let r = 0; r < rounds; r++) {
				const forward = users.map((u, i) => ({ email: u.email, at: base + r * 10_000 + i }));
				const backward = [...users]
					.reverse()
					.map((u, i) => ({ email: u.email, at: base + r * 10_000 + 5000 + i }));
				submitted.push(one.submit(forward), two.submit(backward));
			}
			const results = await Promise.all(submitted);
			expect(results.every((x) => x.accepted === users.length)).toBe(true);
			const last = base + (rounds - 1) * 10_000 + 5000;
			const stored = new Map<string, { events: number; lastActive: number }>();
			for (let i = 0; i < users.length; i += 500) {
				const ids = users.slice(i, i + 500).map((u) => u.id);
				const counts = await t.database.db
					.selectFrom('activity_events')
					.select(['user_id', (eb) => eb.fn.countAll<string | number>().as('n')])
					.where('user_id', 'in', ids)
					.groupBy('user_id')
					.execute();
				const summaries = await t.database.db
					.selectFrom('activity_summary')
					.select(['user_id', 'last_active_at'])
					.where('user_id', 'in', ids)
					.execute();
				const at = new Map(summaries.map((r) => [r.user_id, Number(r.last_active_at)]));
				for (const c of counts)
					stored.set(c.user_id, { events: Number(c.n), lastActive: at.get(c.user_id)! });
			}
			expect(stored.size).toBe(users.length);
			for (const [i, user] of users.entries()) {
				expect(stored.get(user.id)).toEqual({
					events: rounds * 2,
					lastActive: last + (users.length - 1 - i)
				});
			}
		});

		it('answers an empty batch without writing', async () => {
			expect((await post({ events: [] })).body).toMatchObject({ accepted: 0, ignored: 0 });
		});

		it('stores a retried request once when it carries the same Idempotency-Key', async () => {
			const user = await makeUser(t.database);
			const body = {
				events: [
					{ email: user.email, at: minutesAgo(3) },
					{ email: 'nobody@unknown.test', at: minutesAgo(3) }
				]
			};
			const headers = { 'idempotency-key': `retry-${user.id}` };
			const first = await post(body, { headers });
			// The answer was lost; the client sends the same request again, twice at once.
			const [second, third] = await Promise.all([post(body, { headers }), post(body, { headers })]);
			expect(first.body).toMatchObject({ accepted: 1, ignored: 1 });
			expect(first.body.replayed).toBeUndefined();
			for (const again of [second, third]) {
				expect(again.status).toBe(200);
				expect(again.body).toMatchObject({ accepted: 1, ignored: 1, replayed: true });
			}
			expect(await events(user.id)).toHaveLength(1);
			// Another key is another request.
			await post(body, { headers: { 'idempotency-key': `other-${user.id}` } });
			expect(await events(user.id)).toHaveLength(2);
		});

		it('refuses the same Idempotency-Key with a different body with a 422 in plain words, storing nothing (R19)', async () => {
			const user = await makeUser(t.database);
			const headers = { 'idempotency-key': `bound-${user.id}` };
			const at = minutesAgo(9);
			const first = await post({ events: [{ email: user.email, at }] }, { headers });
			expect(first.status).toBe(200);
			const other = await post({ events: [{ email: user.email, at: minutesAgo(1) }] }, { headers });
			expect(other.status).toBe(422);
			expect(other.body.message).toBe(
				'this Idempotency-Key was already used for a request with a different body; send a new key with each new request, and the same key only to retry the same request'
			);
			expect(await events(user.id)).toHaveLength(1);
			// The first request's date stands: the refused one moved nothing.
			expect(await lastActive(user.id)).toBe(at);
		});

		it('refuses a different body under the same key even within one write batch (R19)', async () => {
			const user = await makeUser(t.database);
			const writer = new ActivityWriter(t.database, { lingerMs: 20 });
			const key = `batch-bound-${user.id}`;
			const [a, b] = await Promise.allSettled([
				writer.submit([{ email: user.email, at: minutesAgo(2) }], key),
				writer.submit([{ email: user.email, at: minutesAgo(1) }], key)
			]);
			expect(a).toMatchObject({ status: 'fulfilled', value: { accepted: 1 } });
			expect(b).toMatchObject({ status: 'rejected', reason: { status: 422 } });
			expect(await events(user.id)).toHaveLength(1);
		});

		it('stores a request once even when its retry lands in the same write batch', async () => {
			const user = await makeUser(t.database);
			const writer = new ActivityWriter(t.database, { lingerMs: 20 });
			const batch = [{ email: user.email, at: minutesAgo(2) }];
			const [a, b] = await Promise.all([
				writer.submit(batch, `same-${user.id}`),
				writer.submit(batch, `same-${user.id}`)
			]);
			expect(a.replayed).toBeUndefined();
			expect(b).toMatchObject({ accepted: 1, replayed: true });
			expect(await events(user.id)).toHaveLength(1);
		});
	});

	describe('the purge of raw events older than 90 days (R19)', () => {
		it('deletes old raw events in batches and keeps recent ones and every summary', async () => {
			const now = Date.now();
			const cutoff = now - RETENTION_DAYS * DAY_MS;
			const a = await makeUser(t.database);
			const b = await makeUser(t.database);
			const old = Array.from({ length: 23 }, (_, i) => cutoff - 1 - i * 3600_000);
			const recent = [cutoff + 60_000, now - DAY_MS];
			await t.database.db
				.insertInto('activity_events')
				.values([
					...old.map((at) => ({ user_id: a.id, at })),
					...recent.map((at) => ({ user_id: b.id, at })),
					{ user_id: a.id, at: recent[1]! }
				])
				.execute();
			await recordActivity(t.database, a.id, recent[1]!);
			await recordActivity(t.database, b.id, old[0]!);

			// Other specs' events are recent, so only these 23 go; a batch of 5 takes five rounds.
			expect(await purgeOldActivity(t.database, now, { batchSize: 5 })).toBe(old.length);
			expect(await events(a.id)).toEqual([recent[1]]);
			expect(await events(b.id)).toEqual(recent);
			expect(await lastActive(a.id)).toBe(recent[1]);
			expect(await lastActive(b.id)).toBe(old[0]);
			expect(await purgeOldActivity(t.database, now)).toBe(0);
		});

		it('runs once as soon as it is started', async () => {
			const user = await makeUser(t.database);
			const at = Date.now() - (RETENTION_DAYS + 1) * DAY_MS;
			await t.database.db.insertInto('activity_events').values({ user_id: user.id, at }).execute();
			const stop = startActivityPurge(t.database, { intervalMs: 60_000 });
			try {
				await expect.poll(() => events(user.id)).toEqual([]);
			} finally {
				stop();
			}
		});
	});
});
