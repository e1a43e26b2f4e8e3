import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { seedDemoIfEmpty, seedEnterprise } from '../../src/lib/server/seed';
import { hashToken } from '../../src/lib/server/auth/tokens';
import { seatUsageOf, listLicensedUsers } from '../../src/lib/server/licenses.service';
import { domainMirrorRows } from '../../src/lib/server/domains/sql';
import { enterprisesOf } from '../../src/lib/server/enterprises.service';
import { login } from '../../src/lib/server/auth/login';
import { lastActiveAt, RETENTION_DAYS } from '../../src/lib/domain/activity';
import { DAY_MS } from '../../src/lib/domain/seats';
import type { Db } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { NOW, tag } from './support/factories';

/** The enterprise's teams by name, with their member counts and organization links (R10). */
async function teamsWithLinks({ db }: Db, enterpriseID: string) {
	const [teams, members, links] = await Promise.all([
		db
			.selectFrom('teams')
			.select(['id', 'name'])
			.where('enterprise_id', '=', enterpriseID)
			.orderBy('name')
			.execute(),
		db
			.selectFrom('team_members')
			.select('team_id')
			.where('enterprise_id', '=', enterpriseID)
			.execute(),
		db
			.selectFrom('team_org_links')
			.innerJoin('organizations', 'organizations.id', 'team_org_links.org_id')
			.select(['team_org_links.team_id', 'organizations.name as org', 'team_org_links.role'])
			.where('team_org_links.enterprise_id', '=', enterpriseID)
			.orderBy('organizations.name')
			.execute()
	]);
	return teams.map((team) => ({
		name: team.name,
		members: members.filter((m) => m.team_id === team.id).length,
		links: links.filter((l) => l.team_id === team.id).map((l) => ({ org: l.org, role: l.role }))
	}));
}

async function count(
	{ db }: Db,
	table:
		| 'licenses'
		| 'organizations'
		| 'teams'
		| 'team_org_links'
		| 'team_members'
		| 'org_members'
		| 'account_roles'
		| 'invites'
		| 'domains'
		| 'storage_policies'
		| 'audit_log'
		| 'scim_tokens',
	enterpriseID: string
): Promise<number> {
	const row = await db
		.selectFrom(table)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('enterprise_id', '=', enterpriseID)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

describe.each(dialects)('seeding on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	describe('a small generated enterprise', () => {
		const t1 = tag();
		const root = `seedco-${t1}.test`;
		const sub = `labs.${root}`;
		const domains = [root, sub];
		const scimToken = `scim-${t1}-secret-token-value`;
		let enterpriseID: string;
		let owner: string;
		beforeAll(async () => {
			const result = await seedEnterprise(t.database, {
				name: `Seedco ${t1}`,
				users: 300,
				unmanaged: 20,
				domains,
				invites: 10,
				scimToken,
				now: NOW,
				seed: 7
			});
			enterpriseID = result.enterpriseID;
			owner = result.owner;
			expect(result).toMatchObject({ slug: `seedco-${t1}`, users: 300 });
		});

		it('R4: every generated user and the owner hold a license; unmanaged users do not', async () => {
			expect(owner).toBe(`owner@${root}`);
			expect(await count(t.database, 'licenses', enterpriseID)).toBe(301);
			const onDomains = await t.database.db
				.selectFrom('users')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where((eb) => eb.or(domains.map((d) => eb('email', 'like', `%@${d}`))))
				.executeTakeFirstOrThrow();
			expect(Number(onDomains.n)).toBe(321);
			expect((await listLicensedUsers(t.database, enterpriseID, { limit: 1 })).total).toBe(301);
		});

		it('R5: pending invites hold seats and the expired ones (every fifth) do not', async () => {
			expect(await count(t.database, 'invites', enterpriseID)).toBe(10);
			const usage = await seatUsageOf(t.database, enterpriseID, NOW);
			expect(usage).toMatchObject({ licensed: 301, pendingInvites: 8, used: 309 });
			expect(usage.purchased).toBeGreaterThan(usage.used);
		});

		it('R13, R15: the first domain is verified, the rest wait; unmanaged users are unclaimed', async () => {
			const listed = await domainMirrorRows(t.database.db, t.database.dialect, enterpriseID);
			// Listed by name: the subdomain sorts first; it is covered by its verified root (R13).
			expect(listed.map((d) => [d.domain, d.effectiveVerified, d.captureEnabled])).toEqual([
				[sub, true, false],
				[root, true, false]
			]);
			// The 20 unmanaged users alternate between the two domains; the root also counts the subdomain.
			expect(Object.fromEntries(listed.map((d) => [d.domain, d.unclaimedCount]))).toEqual({
				[root]: 20,
				[sub]: 10
			});
		});

		it('R9, R10: four organizations and six teams, linked with roles', async () => {
			expect(await count(t.database, 'organizations', enterpriseID)).toBe(4);
			expect(await count(t.database, 'org_members', enterpriseID)).toBe(4); // the owner in each
			expect(await count(t.database, 'team_org_links', enterpriseID)).toBe(9);
			const teams = await teamsWithLinks(t.database, enterpriseID);
			expect(teams.map((team) => team.name)).toEqual([
				'Analytics',
				'Customer Success',
				'Design',
				'Mobile',
				'Platform',
				'Security'
			]);
			for (const team of teams) expect(team.members).toBe(30);
			expect(teams.find((team) => team.name === 'Platform')?.links).toEqual([
				{ org: 'Data', role: 'member' },
				{ org: 'Engineering', role: 'admin' }
			]);
			const engineering = teams.filter((team) => team.links.some((l) => l.org === 'Engineering'));
			expect(engineering.map((team) => team.name)).toEqual(['Mobile', 'Platform', 'Security']);
		});

		it('R17: a global storage policy allowing everything', async () => {
			expect(await count(t.database, 'storage_policies', enterpriseID)).toBe(1);
			// The one rule is the global one (no organization overrides it) and allows every type.
			const policies = await t.database.db
				.selectFrom('storage_policies')
				.select(['org_id', 'local', 'cloud', 'git'])
				.where('enterprise_id', '=', enterpriseID)
				.execute();
			expect(
				policies.map((p) => ({ ...p, local: +p.local, cloud: +p.cloud, git: +p.git }))
			).toEqual([{ org_id: null, local: 1, cloud: 1, git: 1 }]);
		});

		it('R24: the seeding is in the audit log', async () => {
			const rows = await t.database.db
				.selectFrom('audit_log')
				.select(['action', 'actor_kind', 'target', 'after'])
				.where('enterprise_id', '=', enterpriseID)
				.execute();
			expect(rows).toHaveLength(1);
			expect(rows[0]).toMatchObject({
				action: 'seedEnterprise',
				actor_kind: 'system',
				target: `Seedco ${t1}`
			});
			expect(JSON.parse(rows[0]?.after ?? '{}')).toMatchObject({
				users: 300,
				unmanaged: 20,
				domains
			});
		});

		it('R23: the SCIM token is stored hashed, never in plain text, and SCIM is on', async () => {
			const tokens = await t.database.db
				.selectFrom('scim_tokens')
				.selectAll()
				.where('enterprise_id', '=', enterpriseID)
				.execute();
			expect(tokens).toHaveLength(1);
			expect(tokens[0]?.token_hash).toBe(hashToken(scimToken));
			expect(tokens[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
			expect(JSON.stringify(tokens)).not.toContain(scimToken);
			const ent = await t.database.db
				.selectFrom('enterprises')
				.select('scim_enabled')
				.where('id', '=', enterpriseID)
				.executeTakeFirstOrThrow();
			expect(Number(ent.scim_enabled)).toBe(1);
		});

		it('R19: activity is spread out, raw events are kept 90 days, legacy users show their last login', async () => {
			const rows = await t.database.db
				.selectFrom('licenses')
				.innerJoin('users', 'users.id', 'licenses.user_id')
				.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
				.select(['users.id', 'users.last_login_at', 'activity_summary.last_active_at'])
				.where('licenses.enterprise_id', '=', enterpriseID)
				.execute();
			const expected = Object.fromEntries(
				rows.map((r) => [r.id, lastActiveAt(r.last_active_at, r.last_login_at)])
			);
			const { users } = await listLicensedUsers(t.database, enterpriseID, { limit: 1000 });
			expect(Object.fromEntries(users.map((u) => [u.id, u.lastActiveAt]))).toEqual(expected);

			const values = Object.values(expected);
			const legacy = rows.filter((r) => r.last_active_at == null && r.last_login_at != null);
			expect(values.filter((v) => v == null).length).toBeGreaterThan(0); // never active
			expect(legacy.length).toBeGreaterThan(0);
			expect(values.filter((v) => v != null && NOW - v < 30 * DAY_MS).length).toBeGreaterThan(10);
			expect(values.filter((v) => v != null && NOW - v > 100 * DAY_MS).length).toBeGreaterThan(10);

			const oldest = await t.database.db
				.selectFrom('activity_events')
				.innerJoin('licenses', 'licenses.user_id', 'activity_events.user_id')
				.select(sql<number>`min(activity_events.at)`.as('at'))
				.where('licenses.enterprise_id', '=', enterpriseID)
				.executeTakeFirstOrThrow();
			expect(Number(oldest.at)).toBeGreaterThan(NOW - RETENTION_DAYS * DAY_MS);
		});
	});

	it('R1: a second enterprise with the same owner reuses that person, who owns both', async () => {
		const t1 = tag();
		const ownerEmail = `founder.${t1}@holding.test`;
		const first = await seedEnterprise(t.database, {
			name: `First ${t1}`,
			users: 5,
			owner: ownerEmail,
			password: 'first-password',
			now: NOW
		});
		const second = await seedEnterprise(t.database, {
			name: `Second ${t1}`,
			users: 5,
			owner: ownerEmail.toUpperCase(),
			password: 'second-password',
			now: NOW
		});
		expect(second.owner).toBe(ownerEmail);
		const people = await t.database.db
			.selectFrom('users')
			.select('id')
			.where(sql`lower(email)`, '=', ownerEmail)
			.execute();
		expect(people).toHaveLength(1);
		const memberships = await enterprisesOf(t.database, people[0]!.id);
		expect(memberships.map((m) => [m.id, m.role])).toEqual([
			[first.enterpriseID, 'owner'],
			[second.enterpriseID, 'owner']
		]);
		// The existing password is kept: seeding again does not reset an admin's password.
		const signedIn = await login(
			t.database,
			{ email: ownerEmail, password: 'first-password' },
			{ ip: `seed-${t1}`, userAgent: null },
			NOW
		);
		expect(signedIn.ok).toBe(true);
	});

	it('R1: enterprises with the same name get unique slugs (acme, acme-2)', async () => {
		const slugs = [];
		for (const name of ['Acme', 'Acme']) {
			slugs.push((await seedEnterprise(t.database, { name, users: 0, now: NOW })).slug);
		}
		expect(slugs).toEqual(['acme', 'acme-2']);
		const names = await t.database.db
			.selectFrom('enterprises')
			.select(['slug', 'name'])
			.where('slug', 'in', slugs)
			.orderBy('slug')
			.execute();
		expect(names).toEqual([
			{ slug: 'acme', name: 'Acme' },
			{ slug: 'acme-2', name: 'Acme' }
		]);
	});

	describe('the demo enterprise', () => {
		let empty: TestDb;
		beforeAll(async () => {
			empty = await createTestDb(dialect);
		});
		afterAll(async () => {
			await empty?.drop();
		});

		it('loads "Acme" into an empty database once, and not again', async () => {
			expect(await seedDemoIfEmpty(empty.database)).toBe(true);
			expect(await seedDemoIfEmpty(empty.database)).toBe(false);

			const enterprises = await empty.database.db
				.selectFrom('enterprises')
				.select(['id', 'name', 'slug'])
				.execute();
			expect(enterprises.map((e) => [e.name, e.slug])).toEqual([['Acme', 'acme']]);
			const id = enterprises[0]!.id;

			expect(await count(empty.database, 'licenses', id)).toBe(5001);
			const domains = await domainMirrorRows(empty.database.db, empty.database.dialect, id);
			expect(domains.map((d) => [d.domain, d.effectiveVerified])).toEqual([
				['acme-corp.test', false],
				['acme.test', true],
				['labs.acme.test', true]
			]);
			const roles = await empty.database.db
				.selectFrom('account_roles')
				.innerJoin('users', 'users.id', 'account_roles.user_id')
				.select(['users.email', 'account_roles.role'])
				.where('account_roles.enterprise_id', '=', id)
				.orderBy('users.email')
				.execute();
			expect(roles).toEqual([
				{ email: 'billing@acme.test', role: 'billing' },
				{ email: 'coowner@acme.test', role: 'co-owner' },
				{ email: 'owner@acme.test', role: 'owner' }
			]);
			const signedIn = await login(
				empty.database,
				{ email: 'owner@acme.test', password: 'roster-demo' },
				{ ip: null, userAgent: null }
			);
			expect(signedIn.ok).toBe(true);
		});
	});
});
