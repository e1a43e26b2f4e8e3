import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RequestEvent } from '@sveltejs/kit';
import { setDb } from '../../src/lib/server/db';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../src/lib/server/db/unavailable';
import { seedEnterprise } from '../../src/lib/server/seed';
import { POST as loginRoute } from '../../src/routes/api/auth/login/+server';
import { POST as pushRoute } from '../../src/routes/api/sync/push/+server';
import { createTestDb, type TestDb } from './support/databases';
import { scim } from './support/scim-client';

// A full disk (SQLite's real SQLITE_FULL: the database may not grow past max_page_count) answers
// 503 with a clear message on every way in, and the log names the cause, not the failed ROLLBACK
// that followed it.

let t: TestDb;
let enterpriseID: string;
let ownerID: string;
const SCIM_TOKEN = `disk-full-${randomUUID()}`;
const logged: string[] = [];

beforeAll(async () => {
	t = await createTestDb('sqlite');
	setDb(t.database);
	const seeded = await seedEnterprise(t.database, {
		name: 'Full Disk Co',
		users: 5,
		seats: 100_000,
		domains: ['full.test'],
		owner: 'owner@full.test',
		password: 'disk-full-pass',
		scimToken: SCIM_TOKEN
	});
	enterpriseID = seeded.enterpriseID;
	await t.database.db.updateTable('enterprises').set({ scim_enabled: 1 }).execute();
	ownerID = (
		await t.database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'owner@full.test')
			.executeTakeFirstOrThrow()
	).id;
	for (const stream of ['log', 'error'] as const) {
		vi.spyOn(console, stream).mockImplementation((line: unknown) => {
			logged.push(String(line));
		});
	}
});

afterEach(async () => {
	// Room again for the next way in.
	await sql`pragma max_page_count = 4294967294`.execute(t.database.db);
	logged.length = 0;
});

afterAll(async () => {
	vi.restoreAllMocks();
	setDb(undefined);
	await t.drop();
});

/** The disk is full from now on: the database file may not grow by a single page. */
async function fillDisk(): Promise<void> {
	// No free pages left inside the file either: the next write that needs a page fails.
	await sql`vacuum`.execute(t.database.db);
	const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(t.database.db);
	await sql.raw(`pragma max_page_count = ${rows[0]!.page_count}`).execute(t.database.db);
}

/** Sends requests until one is refused (the pages' free space runs out), returning that answer. */
async function untilRefused(send: (i: number) => Promise<{ status: number; body: unknown }>) {
	for (let i = 0; i < 2_000; i++) {
		const reply = await send(i);
		if (reply.status >= 300) return { ...reply, accepted: i };
	}
	throw new Error('the database never filled up');
}

function expectCauseLogged() {
	const lines = logged.join('\n');
	expect(lines).toContain('"msg":"database unavailable"');
	expect(lines).toContain('SQLITE_FULL');
	expect(lines).not.toContain('cannot rollback');
	expect(lines).not.toContain('unhandled error');
}

const event = (request: Request, extra: Record<string, unknown> = {}) =>
	({
		request,
		url: new URL(request.url),
		locals: { requestID: randomUUID(), user: null, sessionSecret: null },
		cookies: { set() {}, get() {}, delete() {}, getAll: () => [], serialize: () => '' },
		getClientAddress: () => '192.0.2.7',
		...extra
	}) as unknown as RequestEvent;

describe('a full disk answers 503 with a clear message and logs the cause (durability)', () => {
	it('sign-in', async () => {
		await fillDisk();
		const reply = await untilRefused(async () => {
			const request = new Request('http://localhost/api/auth/login', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ email: 'owner@full.test', password: 'disk-full-pass' })
			});
			const res = await loginRoute(event(request) as never);
			return { status: res.status, body: await res.json() };
		});
		expect({ status: reply.status, body: reply.body }).toEqual({
			status: 503,
			body: { error: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE }
		});
		expectCauseLogged();
	}, 120_000);

	it('SCIM user creation', async () => {
		await fillDisk();
		const reply = await untilRefused(async (i) => {
			const res = await scim('POST', '/scim/v2/Users', {
				token: SCIM_TOKEN,
				body: {
					schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
					userName: `new.${i}.${randomUUID().slice(0, 8)}@full.test`,
					name: { givenName: 'New', familyName: `Person ${i}` },
					active: true
				}
			});
			return { status: res.status, body: res.body };
		});
		expect(reply.status).toBe(503);
		expect(reply.body).toMatchObject({ status: '503', detail: DATABASE_UNAVAILABLE_MESSAGE });
		expectCauseLogged();
	});

	it('a push, which recovers once there is room again', async () => {
		await fillDisk();
		const clientID = `c-${randomUUID()}`;
		let id = 0;
		const send = async () => {
			const request = new Request('http://localhost/api/sync/push', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({
					enterpriseID,
					clientGroupID: 'g',
					clientID,
					mutations: [
						{
							id: id + 1,
							name: 'createTeam',
							args: { teamID: randomUUID(), name: `Team ${id + 1}` },
							createdAt: Date.now()
						}
					]
				})
			});
			const e = event(request);
			e.locals.user = { id: ownerID, email: 'owner@full.test', name: 'Owner' } as never;
			const res = await pushRoute(e as never);
			if (res.status === 200) id++;
			return { status: res.status, body: await res.json() };
		};
		const reply = await untilRefused(send);
		expect(reply.status).toBe(503);
		expect(reply.body).toMatchObject({ error: 'unavailable' });
		expect(logged.join('\n')).toContain('SQLITE_FULL');
		expect(logged.join('\n')).not.toContain('cannot rollback');
		await sql`pragma max_page_count = 4294967294`.execute(t.database.db);
		expect(await send()).toMatchObject({ status: 200 });
	});
});
