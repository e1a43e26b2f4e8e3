import { expect, test, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { pgURL, startServer, type Server } from './support/server';
import { pushRaw, seedTenant } from './support/mutations';
import type { PushResult } from '../../src/lib/domain/sync/protocol';

// PostgreSQL refuses NUL in text, where SQLite stores it: a NUL that reached a query made every retry
// of a push answer 503, wedging the device's queue for good. Names, emails, domains and ids never
// contain NUL or other control characters (R26); they are refused with a clear message before
// anything is stored, and a mutation the database still refuses is rejected on its own.

const NUL = String.fromCharCode(0);
const INGEST_KEY = 'control-characters-ingest-key';

let server: Server;
let owner: APIRequestContext;
let acme: string;

test.skip(!pgURL, 'needs TEST_DATABASE_URL (PostgreSQL)');

test.beforeAll(async () => {
	test.setTimeout(180_000);
	server = await startServer({ database: 'postgres', env: { INGEST_KEY } });
	({ owner, id: acme } = await seedTenant(server, {
		name: 'Acme',
		users: 20,
		domains: 'acme.test',
		owner: 'owner@acme.test',
		password: 'roster-demo'
	}));
});

test.afterAll(async () => {
	await server?.stop();
});

test('a team name with a NUL is rejected on its own and the queue moves on (R26)', async () => {
	const clientID = `c-${randomUUID()}`;
	const first = await pushRaw(owner, {
		enterpriseID: acme,
		clientID,
		mutations: [
			{ name: 'createTeam', args: { teamID: randomUUID(), name: `Bad${NUL}team` } },
			{ name: 'createOrg', args: { orgID: randomUUID(), name: `Tab\there` } },
			{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Good team' } }
		]
	});
	expect(first.status(), await first.text()).toBe(200);
	const results = ((await first.json()) as { results: PushResult[] }).results;
	expect(results.map((r) => `${r.status} ${r.code ?? ''}`.trim())).toEqual([
		'rejected INVALID_ARGS',
		'rejected INVALID_ARGS',
		'applied'
	]);
	expect(results[0]!.message).toMatch(/control character/);
	// The device's next push continues after them.
	const next = await pushRaw(owner, {
		enterpriseID: acme,
		clientID,
		firstID: 4,
		mutations: [{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Next team' } }]
	});
	expect(next.status()).toBe(200);
});

test('a NUL in a client id, client group id or mutation name is a 400 that says which field (R26)', async () => {
	const bad = [
		{ clientID: `c${NUL}1`, field: 'clientID' },
		{ clientGroupID: `g${NUL}1`, field: 'clientGroupID' },
		{ name: `createTeam${NUL}`, field: 'mutations.0.name' }
	];
	for (const { field, name, ...ids } of bad) {
		const res = await pushRaw(owner, {
			enterpriseID: acme,
			...ids,
			mutations: [{ name: name ?? 'createTeam', args: { teamID: randomUUID(), name: 'x' } }]
		});
		expect(res.status(), field).toBe(400);
		expect(((await res.json()) as { message: string }).message).toContain(field);
	}
	const pull = await owner.get(
		`/api/sync/pull?enterpriseID=${acme}&clientID=${encodeURIComponent(`c${NUL}1`)}&cookie=0`
	);
	expect(pull.status()).toBe(400);
	expect(((await pull.json()) as { message: string }).message).toContain('clientID');
});

test('an API client’s sign-up with a control character in the name is refused, not stored (R26)', async () => {
	for (const name of ['Line\nbreak', `Nul${NUL}name`, 'Tab\tname']) {
		const res = await server.api.post('/api/client/signup', {
			headers: { authorization: `Bearer ${INGEST_KEY}` },
			data: { email: `signup-${randomUUID()}@elsewhere.test`, name }
		});
		expect(res.status(), JSON.stringify(name)).toBe(400);
		expect(((await res.json()) as { message: string }).message).toMatch(/name.*control character/);
	}
});

test('activity for an email with a NUL is refused as malformed, not a retry-forever 503 (R26)', async () => {
	const res = await server.api.post('/api/client/activity', {
		headers: { authorization: `Bearer ${INGEST_KEY}` },
		data: { events: [{ email: `a${NUL}b@acme.test`, at: Date.now() }] }
	});
	expect(res.status()).toBe(400);
});
