import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { GET } from '../../src/routes/api/client/storage-policy/+server';
import { DEV_INGEST_KEY } from '../../src/lib/server/ingest-key';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	license,
	makeEmptyEnterprise,
	makeOrg,
	makeUser,
	setStoragePolicy
} from './support/factories';

describe.each(dialects)('GET /api/client/storage-policy on %s (R16, R17)', (dialect) => {
	let t: TestDb;
	let orgA: string;
	let orgB: string;
	let managed: { email: string };
	let unmanaged: { email: string };

	async function get(query: string, key: string | null = DEV_INGEST_KEY) {
		const url = new URL(`http://localhost/api/client/storage-policy?${query}`);
		const request = new Request(url, {
			headers: key ? { authorization: `Bearer ${key}` } : {}
		});
		const res = await GET({ url, request, locals: { requestID: 'test' } } as never);
		return { status: res.status, body: (await res.json()) as Record<string, unknown> };
	}

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		const ent = await makeEmptyEnterprise(t.database);
		orgA = await makeOrg(t.database, ent.id, 'A');
		orgB = await makeOrg(t.database, ent.id, 'B');
		const user = await makeUser(t.database, { email: 'Mixed.Case@policy.test' });
		await license(t.database, ent.id, user.id);
		managed = user;
		unmanaged = await makeUser(t.database);
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R17: with no rule everything is allowed; the global rule applies; an override wins', async () => {
		const q = (org: string) => `email=${encodeURIComponent(managed.email)}&orgID=${org}`;
		expect((await get(q(orgA))).body).toMatchObject({
			managed: true,
			source: 'default',
			policy: { local: true, cloud: true, git: true }
		});
		const ent = await t.database.db
			.selectFrom('organizations')
			.select('enterprise_id')
			.where('id', '=', orgA)
			.executeTakeFirstOrThrow();
		await setStoragePolicy(t.database, ent.enterprise_id, null, {
			local: true,
			cloud: false,
			git: true
		});
		await setStoragePolicy(t.database, ent.enterprise_id, orgB, {
			local: false,
			cloud: false,
			git: true
		});
		expect((await get(q(orgA))).body).toMatchObject({
			source: 'global',
			policy: { local: true, cloud: false, git: true }
		});
		expect((await get(q(orgB))).body).toMatchObject({
			source: 'override',
			policy: { local: false, cloud: false, git: true }
		});
		// Emails match in any case.
		expect(
			(await get(`email=${encodeURIComponent('mixed.case@POLICY.test')}&orgID=${orgB}`)).body
		).toMatchObject({ managed: true, source: 'override' });
	});

	it('R16: unmanaged users are not subject to organization policies', async () => {
		const res = await get(`email=${encodeURIComponent(unmanaged.email)}&orgID=${orgB}`);
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			managed: false,
			source: 'unmanaged',
			policy: { local: true, cloud: true, git: true }
		});
	});

	it('asks for the key, names bad fields and unknown organizations', async () => {
		expect((await get(`email=a@b.test&orgID=${orgA}`, null)).status).toBe(401);
		expect((await get(`email=a@b.test&orgID=${orgA}`, 'wrong-key-wrong-key')).status).toBe(401);
		const bad = await get(`email=nope&orgID=${orgA}`);
		expect([bad.status, bad.body.message]).toEqual([400, 'email: email must be an email address']);
		const missing = await get(`email=a@b.test`);
		expect(missing.status).toBe(400);
		expect(String(missing.body.message)).toContain('orgID');
		const unknown = await get(`email=a@b.test&orgID=00000000-0000-4000-8000-000000000000`);
		expect(unknown.status).toBe(404);
		expect((await get(`email=a@b.test&orgID=x'%00`)).status).toBe(400);
	});
});
