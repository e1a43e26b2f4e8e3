import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { GET as rosterGET } from '../../src/routes/api/sync/roster/+server';
import { GET as pullGET } from '../../src/routes/api/sync/pull/+server';
import type { PullResponse, RosterPage } from '../../src/lib/domain/sync/protocol';
import { decodeRosterPage, ROSTER_BINARY_TYPE } from '../../src/lib/domain/sync/roster-wire';
import type { AccountRole } from '../../src/lib/domain/roles';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	NOW,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	recordActivity
} from './support/factories';

type Who = AccountRole | 'stranger' | 'nobody';

describe.each(dialects)('GET /api/sync/roster, the chunked initial sync, on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string };
	let other: { id: string };
	const people: Partial<Record<Who, App.Locals>> = {};
	/** Every licensed user of `ent`, id → email. */
	const licensed = new Map<string, string>();
	let active: string;

	async function call(
		handler: typeof rosterGET | typeof pullGET,
		path: string,
		who: Who = 'owner'
	): Promise<{ status: number; body: unknown }> {
		const url = new URL(`http://localhost${path}`);
		const res = await handler({ url, locals: people[who]! } as never);
		if (res.headers.get('content-type') === ROSTER_BINARY_TYPE)
			return { status: res.status, body: decodeRosterPage(await res.arrayBuffer()) };
		return { status: res.status, body: await res.json() };
	}
	const roster = (query: string, who?: Who) => call(rosterGET, `/api/sync/roster?${query}`, who);

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database);
		other = await makeEmptyEnterprise(t.database);
		for (const who of ['owner', 'co-owner', 'billing', 'member', 'stranger'] as const) {
			const user = await makeUser(t.database);
			if (who !== 'stranger') await grantRole(t.database, ent.id, user.id, who);
			people[who] = {
				user: { id: user.id, email: user.email, name: user.name },
				sessionSecret: null,
				requestID: 'test'
			};
		}
		people.nobody = { user: null, sessionSecret: null, requestID: 'test' } as App.Locals;
		// Ids whose order differs between byte order and a language collation (PostgreSQL's default
		// could put "alpha" before "Zed"); the client binary-searches the ids in byte order.
		for (const id of ['Zed-1', 'alpha-2', 'Alpha-3', 'beta', '0-x', '0x']) {
			await t.database.db
				.insertInto('users')
				.values({ id, email: `${id.toLowerCase()}@roster.test`, name: id, created_at: NOW })
				.execute();
			await license(t.database, ent.id, id);
			licensed.set(id, `${id.toLowerCase()}@roster.test`);
		}
		for (let i = 0; i < 14; i++) {
			const user = await makeUser(t.database);
			await license(t.database, ent.id, user.id);
			licensed.set(user.id, user.email);
		}
		active = [...licensed.keys()][7]!;
		await recordActivity(t.database, active, NOW);
		// Another enterprise's licensed user never shows up.
		const outsider = await makeUser(t.database);
		await license(t.database, other.id, outsider.id);
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	async function pageThrough(query: string, enterpriseID = ent.id): Promise<RosterPage[]> {
		const pages: RosterPage[] = [];
		let after = '';
		for (;;) {
			const res = await roster(`enterpriseID=${enterpriseID}&limit=4&after=${after}${query}`);
			expect(res.status).toBe(200);
			const page = res.body as RosterPage;
			pages.push(page);
			if (page.next === null) return pages;
			after = page.next;
		}
	}

	it.each(['', '&format=json', '&format=binary'])(
		'pages every licensed user exactly once, in byte order of ids, as columns (%s)',
		async (format) => {
			const pages = await pageThrough(format);
			const ids = pages.flatMap((p) => p.ids);
			expect(ids).toHaveLength(licensed.size);
			expect(new Set(ids)).toEqual(new Set(licensed.keys()));
			// JavaScript's < is the order the client searches in.
			expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
			expect(pages.slice(0, -1).every((p) => p.ids.length === 4)).toBe(true);
			for (const p of pages) {
				expect([p.emails.length, p.names.length, p.lastActive.length]).toEqual([
					p.ids.length,
					p.ids.length,
					p.ids.length
				]);
				p.ids.forEach((id, i) => expect(p.emails[i]).toBe(licensed.get(id)));
			}
			// R20: Last Active is a time when tracked, null (N/A) when never.
			const lastActive = new Map(pages.flatMap((p) => p.ids.map((id, i) => [id, p.lastActive[i]])));
			expect(lastActive.get(active)).toBe(NOW);
			expect(lastActive.get('beta')).toBeNull();
		}
	);

	it('the binary form holds exactly the JSON form: nulls, names in any script, emails on many domains', async () => {
		const mixed = await makeEmptyEnterprise(t.database);
		await grantRole(t.database, mixed.id, people.owner!.user!.id, 'owner');
		const names = ['Zoë Ångström', '李小龍', 'محمد علي', 'O’Brien 🚀', '', 'plain'];
		const domains = ['a.test', 'b.example', 'sub.c.test', 'xn--bcher-kva.test', 'd.test'];
		for (let i = 0; i < 23; i++) {
			const user = await makeUser(t.database, {
				email: `person.${i}.${dialect}@${domains[i % domains.length]}`,
				name: names[i % names.length],
				lastLoginAt: i % 3 === 0 ? null : NOW - i * 86_400_000 - 7
			});
			await license(t.database, mixed.id, user.id);
			if (i % 4 === 1) await recordActivity(t.database, user.id, NOW + i);
		}
		const raw = await rosterGET({
			url: new URL(`http://localhost/api/sync/roster?enterpriseID=${mixed.id}&format=binary`),
			locals: people.owner!
		} as never);
		expect(raw.headers.get('content-type')).toBe(ROSTER_BINARY_TYPE);
		const json = await pageThrough('&format=json', mixed.id);
		const binary = await pageThrough('&format=binary', mixed.id);
		expect(binary).toEqual(json);
		const all = json.flatMap((p) => p.lastActive);
		expect(all).toContain(null);
		expect(all.filter((t) => t !== null).length).toBeGreaterThan(0);
		expect(json.flatMap((p) => p.names)).toContain('李小龍');
	});

	it('`through` bounds a range, so ranges paged at once cover everyone once', async () => {
		const all = (await pageThrough('')).flatMap((p) => p.ids);
		const low = (await pageThrough('&through=7')).flatMap((p) => p.ids);
		const high: string[] = [];
		let after = '7';
		for (;;) {
			const page = (await roster(`enterpriseID=${ent.id}&limit=4&after=${after}`))
				.body as RosterPage;
			high.push(...page.ids);
			if (page.next === null) break;
			after = page.next;
		}
		expect(low.every((id) => id <= '7')).toBe(true);
		expect([...low, ...high]).toEqual(all);
	});

	it('R2: every console role may read it; members, strangers and no session may not', async () => {
		for (const who of ['owner', 'co-owner', 'billing'] as const) {
			expect((await roster(`enterpriseID=${ent.id}`, who)).status).toBe(200);
			expect((await roster(`enterpriseID=${ent.id}&format=binary`, who)).status).toBe(200);
		}
		for (const who of ['member', 'stranger'] as const)
			expect((await roster(`enterpriseID=${ent.id}&format=binary`, who)).status).toBe(403);
		expect((await roster(`enterpriseID=${ent.id}&format=binary`, 'nobody')).status).toBe(401);
		expect((await roster(`enterpriseID=${other.id}&format=binary`)).status).toBe(403);
		expect((await roster(`enterpriseID=${ent.id}`, 'member')).status).toBe(403);
		expect((await roster(`enterpriseID=${ent.id}`, 'stranger')).status).toBe(403);
		expect((await roster(`enterpriseID=${ent.id}`, 'nobody')).status).toBe(401);
		// Another enterprise's id gets a 403, never its users.
		const res = await roster(`enterpriseID=${other.id}`);
		expect(res.status).toBe(403);
		expect(JSON.stringify(res.body)).not.toContain('@example.test');
	});

	it('bad queries get a 400 that says what is wrong', async () => {
		const cases: [string, RegExp][] = [
			['', /enterpriseID/],
			[`enterpriseID=${ent.id}&limit=0`, /limit must be ≥ 1/],
			[`enterpriseID=${ent.id}&limit=many`, /limit/],
			[`enterpriseID=${ent.id}&limit=50001`, /limit must be ≤ 50000/],
			[`enterpriseID=${ent.id}&after=x'--`, /after is a user id/],
			[`enterpriseID=${ent.id}&through=`, /through is a user id/],
			[`enterpriseID=${ent.id}&after=%00`, /after is a user id/],
			[`enterpriseID=${ent.id}&format=csv`, /format must be json or binary/],
			[`enterpriseID=${ent.id}&format=`, /format must be json or binary/]
		];
		for (const [query, message] of cases) {
			const res = await roster(query);
			expect(res.status, query).toBe(400);
			expect((res.body as { message: string }).message, query).toMatch(message);
		}
	});

	it('a full pull asked with licenses=chunked leaves the licenses out and says how many to page', async () => {
		const chunked = await call(
			pullGET,
			`/api/sync/pull?enterpriseID=${ent.id}&clientID=c-${dialect}&cookie=0&licenses=chunked`
		);
		expect(chunked.status).toBe(200);
		const body = chunked.body as PullResponse;
		expect(body.rosterChunked).toBe(true);
		expect(body.rosterTotal).toBe(licensed.size);
		expect(body.changes.filter((c) => c.table === 'licenses')).toEqual([]);
		expect(body.changes.some((c) => c.table === 'enterprise')).toBe(true);
		// Without the flag, the licenses come in the patch as before.
		const plain = (
			await call(pullGET, `/api/sync/pull?enterpriseID=${ent.id}&clientID=c-${dialect}&cookie=0`)
		).body as PullResponse;
		expect(plain.rosterChunked).toBeUndefined();
		expect(plain.changes.filter((c) => c.table === 'licenses')).toHaveLength(licensed.size);
		// A client keeping chunks taken at a version the server never reached (a restored backup)
		// pages the roster again.
		const future = (
			await call(
				pullGET,
				`/api/sync/pull?enterpriseID=${ent.id}&clientID=c-${dialect}&cookie=0&licensesSince=999999`
			)
		).body as PullResponse;
		expect(future.rosterChunked).toBe(true);
		expect(future.rosterKept).toBeUndefined();
		expect(future.changes.filter((c) => c.table === 'licenses')).toEqual([]);
		const bad = await call(
			pullGET,
			`/api/sync/pull?enterpriseID=${ent.id}&clientID=c&cookie=0&licenses=all`
		);
		expect(bad.status).toBe(400);
		expect((bad.body as { message: string }).message).toMatch(/licenses must be "chunked"/);
	});
});
