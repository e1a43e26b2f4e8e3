import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { pull } from '../../src/lib/server/sync/pull';
import { GET } from '../../src/routes/api/enterprises/[enterpriseID]/unmanaged/+server';
import { distinctUnmanagedCount } from '../../src/lib/domain/domains';
import type { MirrorDomain } from '../../src/lib/client/db';
import type { AccountRole } from '../../src/lib/domain/roles';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	NOW,
	addDomain,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	recordActivity,
	tag
} from './support/factories';

interface Body {
	total: number;
	users: { id: string; email: string; name: string; domain: string; lastActiveAt: number | null }[];
	next: string | null;
	error?: string;
	message?: string;
}

// The Licenses page's "Unmanaged" filter lists every unmanaged user once (R3, R15).
describe.each(dialects)('GET /api/enterprises/:id/unmanaged on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string; slug: string };
	let root = '';
	let sub = '';
	const people: Partial<Record<AccountRole | 'stranger', App.Locals>> = {};
	const onRoot: string[] = [];
	const onSub: string[] = [];

	async function get(query: string, who: AccountRole | 'stranger' = 'owner', id = ent.id) {
		const res = await GET({
			url: new URL(`http://localhost/api/enterprises/${id}/unmanaged?${query}`),
			params: { enterpriseID: id },
			locals: people[who]!
		} as never);
		return { status: res.status, body: (await res.json()) as Body };
	}

	/** Every page of the list for `query`, following `next`. */
	async function all(query: string, limit: number) {
		const emails: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const params = new URLSearchParams(query);
			params.set('limit', String(limit));
			if (cursor) params.set('cursor', cursor);
			const { status, body } = await get(params.toString());
			expect(status).toBe(200);
			expect(body.users.length).toBeLessThanOrEqual(limit);
			emails.push(...body.users.map((u) => u.email));
			cursor = body.next;
			pages++;
		} while (cursor && pages < 50);
		return { emails, pages };
	}

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database, { seats: 50 });
		const x = tag();
		root = `acme-${x}.test`;
		sub = `labs.acme-${x}.test`;
		await addDomain(t.database, ent.id, root);
		// Verified through its root (R13); listed itself, so its people match two domains.
		await addDomain(t.database, ent.id, sub, { verified: false });
		await addDomain(t.database, ent.id, `unverified-${x}.test`, { verified: false });
		for (const who of ['owner', 'co-owner', 'billing', 'member', 'stranger'] as const) {
			const user = await makeUser(t.database);
			if (who !== 'stranger') await grantRole(t.database, ent.id, user.id, who);
			people[who] = {
				user: { id: user.id, email: user.email, name: user.name },
				sessionSecret: null,
				requestID: 'test'
			};
		}
		for (let i = 0; i < 4; i++) {
			const u = await makeUser(t.database, {
				email: `root.${i}.${x}@${root}`,
				name: `Rita Root ${i}`,
				lastLoginAt: NOW - 5_000
			});
			onRoot.push(u.email);
			if (i === 0) await recordActivity(t.database, u.id, NOW - 1_000);
		}
		for (let i = 0; i < 3; i++) {
			const u = await makeUser(t.database, { email: `sub.${i}.${x}@${sub}`, name: `Sam Sub ${i}` });
			onSub.push(u.email);
		}
		// Licensed (managed) and unverified-domain users are not unmanaged users here.
		const managed = await makeUser(t.database, { email: `managed.${x}@${root}` });
		await license(t.database, ent.id, managed.id);
		await makeUser(t.database, { email: `elsewhere.${x}@unverified-${x}.test` });
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R15: someone on a subdomain of a verified root is listed and counted once, with the most specific domain', async () => {
		const { status, body } = await get('');
		expect(status).toBe(200);
		expect(body.total).toBe(7);
		expect(body.users.map((u) => u.email)).toEqual([...onRoot, ...onSub].sort());
		expect(new Set(body.users.map((u) => u.id)).size).toBe(7);
		expect(body.next).toBeNull();
		const bySub = body.users.filter((u) => u.domain === sub).map((u) => u.email);
		expect(bySub.sort()).toEqual(onSub);
		expect(body.users.filter((u) => u.domain === root)).toHaveLength(4);
		// R19: last activity where recorded, else the last sign-in, else nothing.
		const rita = body.users.find((u) => u.email === onRoot[0]);
		expect(rita?.lastActiveAt).toBe(NOW - 1_000);
		expect(body.users.find((u) => u.email === onRoot[1])?.lastActiveAt).toBe(NOW - 5_000);
		expect(body.users.find((u) => u.email === onSub[0])?.lastActiveAt).toBeNull();
	});

	it("R15: the mirror's per-domain counts give the same distinct total offline, while the domains page's sum counts the subdomain twice", async () => {
		const owner = people.owner!.user!;
		const res = await pull(t.database, {
			enterpriseID: ent.id,
			clientID: crypto.randomUUID(),
			userID: owner.id,
			cookie: 0
		});
		const rows = res.changes
			.filter((c) => c.table === 'domains' && c.op === 'put')
			.map((c) => c.value as MirrorDomain);
		const sum = rows.reduce((n, d) => n + (d.unclaimedCount ?? 0), 0);
		expect(sum).toBe(7 + 3);
		expect(distinctUnmanagedCount(rows)).toBe(7);
	});

	it('pages by cursor in email order: every user exactly once, none skipped', async () => {
		const { emails, pages } = await all('', 2);
		expect(pages).toBe(4);
		expect(emails).toEqual([...onRoot, ...onSub].sort());
	});

	it('searches email and name, case-insensitively, across the pages, with the total of matches', async () => {
		const byName = await get('q=SAM%20sub');
		expect(byName.body.total).toBe(3);
		expect(byName.body.users.map((u) => u.email)).toEqual(onSub);
		const byEmail = await get(`q=${encodeURIComponent('root.2.')}`);
		expect(byEmail.body.users.map((u) => u.email)).toEqual([onRoot[2]]);
		// LIKE wildcards are text, not patterns.
		expect((await get('q=%25')).body.total).toBe(0);
		expect((await get('q=_')).body.total).toBe(0);
		const paged = await all('q=root', 3);
		expect(paged.emails).toEqual(onRoot);
	});

	it('R2: owner and co-owner may list; billing, members, strangers and anonymous callers may not', async () => {
		expect((await get('', 'co-owner')).status).toBe(200);
		const billing = await get('', 'billing');
		expect(billing.status).toBe(403);
		expect(billing.body.error).toBe('forbidden');
		expect((await get('', 'member')).status).toBe(403);
		expect((await get('', 'stranger')).status).toBe(403);
		const anonymous = await GET({
			url: new URL(`http://localhost/api/enterprises/${ent.id}/unmanaged`),
			params: { enterpriseID: ent.id },
			locals: { user: null, sessionSecret: null, requestID: 'test' }
		} as never);
		expect(anonymous.status).toBe(401);
		// Who asks is checked before what is asked: a bad query from a stranger is still 403.
		expect((await get('limit=0&cursor=not-a-cursor', 'stranger')).status).toBe(403);
	});

	it("R1: another enterprise's owner sees only their own unmanaged users, and not this one's at all", async () => {
		const other = await makeEmptyEnterprise(t.database);
		const x = tag();
		const otherOwner = await makeUser(t.database);
		await grantRole(t.database, other.id, otherOwner.id, 'owner');
		await addDomain(t.database, other.id, `other-${x}.test`);
		const theirs = await makeUser(t.database, { email: `them.${x}@other-${x}.test` });
		people.stranger = {
			user: { id: otherOwner.id, email: otherOwner.email, name: otherOwner.name },
			sessionSecret: null,
			requestID: 'test'
		};
		const own = await get('', 'stranger', other.id);
		expect(own.body.users.map((u) => u.email)).toEqual([theirs.email]);
		expect((await get('', 'stranger', ent.id)).status).toBe(403);
		expect((await get('')).body.users.map((u) => u.email)).not.toContain(theirs.email);
		// An enterprise without a verified domain has nobody to list.
		const bare = await makeEmptyEnterprise(t.database);
		await grantRole(t.database, bare.id, otherOwner.id, 'owner');
		expect((await get('', 'stranger', bare.id)).body).toEqual({ total: 0, users: [], next: null });
	});

	it('bad parameters are a 400 that names the problem, never a 500', async () => {
		for (const query of [
			'limit=0',
			'limit=1001',
			'limit=abc',
			'limit=1.5',
			`q=${'x'.repeat(201)}`,
			'cursor=not-a-cursor',
			`cursor=${Buffer.from('["a@b.test","not-an-id"]').toString('base64url')}`,
			`cursor=${Buffer.from('{"email":1}').toString('base64url')}`,
			`cursor=${'A'.repeat(2001)}`
		]) {
			const { status, body } = await get(query);
			expect(status, query).toBe(400);
			expect(body.error, query).toBe('badRequest');
			expect(body.message, query).toMatch(/^(limit|q|cursor)/);
		}
		// A NUL in the search is dropped rather than sent to the database.
		expect((await get('q=sam%00')).status).toBe(200);
	});
});
