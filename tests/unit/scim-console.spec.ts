import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { hashToken } from '../../src/lib/server/auth/tokens';
import { GET, POST } from '../../src/routes/api/enterprises/[enterpriseID]/scim/+server';
import type { AccountRole } from '../../src/lib/domain/roles';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { addDomain, grantRole, makeEmptyEnterprise, makeUser } from './support/factories';
import { ORIGIN, scim } from './support/scim-client';

const DAY = 86_400_000;
type Who = AccountRole | 'stranger' | 'nobody';

describe.each(dialects)('the console SCIM API (R23) on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string };
	let bare: { id: string };
	const people: Partial<Record<Who, App.Locals>> = {};

	async function call(method: 'GET' | 'POST', enterpriseID: string, who: Who, body?: unknown) {
		const url = new URL(`${ORIGIN}/api/enterprises/${enterpriseID}/scim`);
		const request = new Request(url, {
			method,
			headers: { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const handler = method === 'GET' ? GET : POST;
		const res = await handler({
			url,
			request,
			params: { enterpriseID },
			locals: people[who]!
		} as never);
		return { status: res.status, body: await res.json() };
	}

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database);
		bare = await makeEmptyEnterprise(t.database);
		await addDomain(t.database, ent.id, `scim-${ent.id.slice(0, 8)}.test`);
		await addDomain(t.database, bare.id, `unverified-${bare.id.slice(0, 8)}.test`, {
			verified: false
		});
		for (const who of ['owner', 'co-owner', 'billing', 'member', 'stranger'] as const) {
			const user = await makeUser(t.database);
			if (who !== 'stranger') {
				await grantRole(t.database, ent.id, user.id, who);
				if (who === 'owner') await grantRole(t.database, bare.id, user.id, 'owner');
			}
			people[who] = {
				user: { id: user.id, email: user.email, name: user.name },
				sessionSecret: null,
				requestID: 't'
			};
		}
		people.nobody = { user: null, sessionSecret: null, requestID: 't' } as App.Locals;
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R2: only the owner and co-owners reach the SCIM settings', async () => {
		expect((await call('GET', ent.id, 'owner')).status).toBe(200);
		expect((await call('GET', ent.id, 'co-owner')).status).toBe(200);
		for (const who of ['billing', 'member', 'stranger'] as const) {
			expect((await call('GET', ent.id, who)).status, who).toBe(403);
			expect((await call('POST', ent.id, who, { action: 'enable' })).status, who).toBe(403);
		}
		expect((await call('GET', ent.id, 'nobody')).status).toBe(401);
	});

	it('R23: enabling needs a verified domain', async () => {
		const res = await call('POST', bare.id, 'owner', { action: 'enable' });
		expect(res.status).toBe(409);
		expect(res.body.message).toMatch(/verified domain/);
		const ok = await call('POST', ent.id, 'co-owner', { action: 'enable' });
		expect(ok.status).toBe(200);
		expect(ok.body).toMatchObject({
			enabled: true,
			hasVerifiedDomain: true,
			baseURL: `${ORIGIN}/scim/v2`
		});
	});

	it('R23: a token is shown once, stored hashed, works, and rotating keeps the URL and kills the old one', async () => {
		const made = await call('POST', ent.id, 'owner', { action: 'generate', expiry: '90d' });
		expect(made.status).toBe(201);
		const token = made.body.token as string;
		expect(token).toMatch(/^roster_scim_[A-Za-z0-9_-]{43}$/);
		expect(made.body.info.expiresAt - made.body.info.createdAt).toBe(90 * DAY);
		const stored = await t.database.db
			.selectFrom('scim_tokens')
			.selectAll()
			.where('id', '=', made.body.info.id)
			.executeTakeFirstOrThrow();
		expect(stored.token_hash).toBe(hashToken(token));
		expect(JSON.stringify(stored)).not.toContain(token);
		// Listing never shows a secret again.
		const listed = await call('GET', ent.id, 'owner');
		expect(JSON.stringify(listed.body)).not.toContain(token);
		expect(listed.body.tokens).toHaveLength(1);

		expect((await scim('GET', '/scim/v2/Users', { token })).status).toBe(200);
		const rotated = await call('POST', ent.id, 'owner', {
			action: 'rotate',
			tokenID: made.body.info.id,
			expiry: 'never'
		});
		expect(rotated.status).toBe(201);
		expect(rotated.body.baseURL).toBe(listed.body.baseURL);
		expect(rotated.body.info.expiresAt).toBeNull();
		expect((await scim('GET', '/scim/v2/Users', { token })).status).toBe(401);
		expect((await scim('GET', '/scim/v2/Users', { token: rotated.body.token })).status).toBe(200);
		// The request log shows the IdP's requests, newest first, with the token's last use.
		const after = await call('GET', ent.id, 'owner');
		expect(after.body.requests[0]).toMatchObject({
			method: 'GET',
			path: '/scim/v2/Users',
			status: 200
		});
		expect(after.body.tokens.map((x: { id: string }) => x.id)).toEqual([rotated.body.info.id]);
		expect(after.body.tokens[0].lastUsedAt).toBeGreaterThan(0);
	});

	it('R23: every expiry choice; "expires soon" from 20 days before; expired shown as such', async () => {
		for (const [expiry, days] of [
			['30d', 30],
			['180d', 180],
			['1y', 365],
			['2y', 730]
		] as const) {
			const res = await call('POST', ent.id, 'owner', { action: 'generate', expiry });
			expect(res.body.info.expiresAt - res.body.info.createdAt, expiry).toBe(days * DAY);
			expect(res.body.info.expiresSoon).toBe(false);
		}
		const now = Date.now();
		for (const [id, expiresAt] of [
			['00000000-0000-4000-8000-000000000019', now + 19 * DAY],
			['00000000-0000-4000-8000-000000000021', now + 21 * DAY],
			['00000000-0000-4000-8000-000000000000', now - DAY]
		] as const) {
			await t.database.db
				.insertInto('scim_tokens')
				.values({
					id,
					enterprise_id: ent.id,
					token_hash: id,
					created_at: now - 60 * DAY,
					expires_at: expiresAt,
					revoked_at: null
				})
				.execute();
		}
		const list = (await call('GET', ent.id, 'owner')).body.tokens as {
			id: string;
			expiresSoon: boolean;
			expired: boolean;
		}[];
		const byID = Object.fromEntries(list.map((x) => [x.id, x]));
		expect(byID['00000000-0000-4000-8000-000000000019']).toMatchObject({
			expiresSoon: true,
			expired: false
		});
		expect(byID['00000000-0000-4000-8000-000000000021']).toMatchObject({
			expiresSoon: false,
			expired: false
		});
		expect(byID['00000000-0000-4000-8000-000000000000']).toMatchObject({
			expiresSoon: false,
			expired: true
		});
		// Revoking one removes it from the list.
		const revoked = await call('POST', ent.id, 'owner', {
			action: 'revoke',
			tokenID: '00000000-0000-4000-8000-000000000000'
		});
		expect(revoked.status).toBe(200);
		expect(
			revoked.body.tokens.some(
				(x: { id: string }) => x.id === '00000000-0000-4000-8000-000000000000'
			)
		).toBe(false);
	});

	it('bad actions are 400s that name the field; unknown tokens 404; the audit log records SCIM settings', async () => {
		expect((await call('POST', ent.id, 'owner', { action: 'generate', expiry: '5y' })).status).toBe(
			400
		);
		expect((await call('POST', ent.id, 'owner', { action: 'explode' })).status).toBe(400);
		expect(
			(await call('POST', ent.id, 'owner', { action: 'rotate', tokenID: 'nope', expiry: '30d' }))
				.status
		).toBe(400);
		const missing = await call('POST', ent.id, 'owner', {
			action: 'rotate',
			tokenID: '11111111-1111-4111-8111-111111111111',
			expiry: '30d'
		});
		expect(missing.status).toBe(404);
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['action', 'actor_kind'])
			.where('enterprise_id', '=', ent.id)
			.where('target', '=', 'SCIM')
			.execute();
		expect(audit.map((a) => a.action)).toEqual(
			expect.arrayContaining([
				'enableScim',
				'generateScimToken',
				'rotateScimToken',
				'revokeScimToken'
			])
		);
		expect(audit.every((a) => a.actor_kind === 'console')).toBe(true);
	});
});
