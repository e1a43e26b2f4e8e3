import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	addDomain,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	tag
} from './support/factories';
import { startDnsServer, type TestDnsServer } from './support/dns-server';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { prefetchTxt } from '../../src/lib/server/domains/sql';
import { LookupBudget } from '../../src/lib/server/domains/dns';
import type { PushBody, PushResult } from '../../src/lib/domain/sync/protocol';

// Pushed mutations name rows by ids that are global, so every store query is scoped to the pushing
// enterprise (R1); a database error a mutation always runs into is that mutation's rejection, not a
// batch-wide failure that repeats forever (R26); DNS is asked only for the enterprise's own domains,
// within its budget (R13). On SQLite and, with TEST_DATABASE_URL, PostgreSQL.

describe.each(dialects)('mutations stay in their enterprise on %s', (dialect) => {
	let t: TestDb;
	let a: { id: string; domain: string; owner: Pusher };
	let b: { id: string; domain: string; owner: Pusher; ownerEmail: string };
	let licensedA: { id: string; email: string };
	let licensedB: { id: string; email: string };
	let unclaimedA: { id: string; email: string };
	let outsider: { id: string; email: string };
	let dns: TestDnsServer;

	async function enterprise() {
		const e = await makeEmptyEnterprise(t.database, { seats: 20 });
		const domain = `${e.slug}.test`;
		const owner = await makeUser(t.database, { email: `owner@${domain}` });
		await grantRole(t.database, e.id, owner.id, 'owner');
		await license(t.database, e.id, owner.id);
		await addDomain(t.database, e.id, domain);
		return {
			id: e.id,
			domain,
			owner: { userID: owner.id, role: 'owner' as const },
			ownerEmail: owner.email
		};
	}

	beforeAll(async () => {
		t = await createTestDb(dialect);
		a = await enterprise();
		b = await enterprise();
		licensedA = await makeUser(t.database, { email: `member@${a.domain}` });
		await license(t.database, a.id, licensedA.id);
		licensedB = await makeUser(t.database, { email: `member@${b.domain}` });
		await license(t.database, b.id, licensedB.id);
		unclaimedA = await makeUser(t.database, { email: `unclaimed@${a.domain}` });
		outsider = await makeUser(t.database, { email: `someone.${tag()}@elsewhere.test` });
		dns = await startDnsServer();
	});

	afterAll(async () => {
		await dns?.close();
		await t?.drop();
	});

	let seq = 0;
	async function run(
		who: Pusher,
		enterpriseID: string,
		mutations: { name: string; args: unknown }[]
	): Promise<PushResult[]> {
		const body: PushBody = {
			enterpriseID,
			clientGroupID: 'g',
			clientID: `c-${dialect}-${++seq}`,
			mutations: mutations.map((m, i) => ({ id: i + 1, ...m, createdAt: Date.now() }))
		};
		const out = await push(t.database, body, who);
		if (!out.ok) throw new Error(`push refused: ${JSON.stringify(out.body)}`);
		return out.results;
	}
	const codes = (results: PushResult[]) => results.map((r) => r.code ?? r.status);

	async function memberOf(teamID: string, userID: string) {
		return !!(await t.database.db
			.selectFrom('team_members')
			.select('user_id')
			.where('team_id', '=', teamID)
			.where('user_id', '=', userID)
			.executeTakeFirst());
	}
	async function licensedIn(enterpriseID: string, userID: string) {
		return !!(await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', enterpriseID)
			.where('user_id', '=', userID)
			.executeTakeFirst());
	}

	it('R1: another enterprise’s team members cannot be removed, added to or linked', async () => {
		const teamB = randomUUID();
		expect(
			codes(
				await run(b.owner, b.id, [
					{ name: 'createTeam', args: { teamID: teamB, name: 'B team' } },
					{ name: 'addTeamMember', args: { teamID: teamB, userID: licensedB.id } }
				])
			)
		).toEqual(['applied', 'applied']);
		const orgA = randomUUID();
		const results = await run(a.owner, a.id, [
			{ name: 'removeTeamMember', args: { teamID: teamB, userID: licensedB.id } },
			{ name: 'addTeamMember', args: { teamID: teamB, userID: licensedA.id } },
			{ name: 'createOrg', args: { orgID: orgA, name: 'A org' } },
			{ name: 'linkTeamToOrg', args: { teamID: teamB, orgID: orgA, role: 'admin' } },
			{ name: 'deleteTeam', args: { teamID: teamB } }
		]);
		expect(codes(results)).toEqual(['applied', 'NOT_FOUND', 'applied', 'NOT_FOUND', 'applied']);
		expect(await memberOf(teamB, licensedB.id)).toBe(true);
		expect(await memberOf(teamB, licensedA.id)).toBe(false);
		// Nothing of B's reached A's change feed either.
		const dead = await t.database.db
			.selectFrom('tombstones')
			.select('row_key')
			.where('enterprise_id', '=', a.id)
			.where('row_key', 'like', `${teamB}%`)
			.execute();
		expect(dead).toEqual([]);
	});

	it('R3/R6: a team takes only people licensed here, or unclaimed on a verified domain (who take a seat)', async () => {
		const teamA = randomUUID();
		const results = await run(a.owner, a.id, [
			{ name: 'createTeam', args: { teamID: teamA, name: 'A team' } },
			{ name: 'addTeamMember', args: { teamID: teamA, userID: licensedB.id } },
			{ name: 'addTeamMember', args: { teamID: teamA, userID: outsider.id } },
			{ name: 'addTeamMember', args: { teamID: teamA, userID: licensedA.id } },
			{ name: 'addTeamMember', args: { teamID: teamA, userID: unclaimedA.id } }
		]);
		expect(codes(results)).toEqual(['applied', 'NOT_FOUND', 'NOT_FOUND', 'applied', 'applied']);
		expect(await licensedIn(a.id, licensedB.id)).toBe(false);
		expect(await licensedIn(a.id, outsider.id)).toBe(false);
		expect(await licensedIn(a.id, unclaimedA.id)).toBe(true);
		expect(await memberOf(teamA, unclaimedA.id)).toBe(true);
	});

	it('R2: console roles go to licensed users only, with one answer whether an account exists or not', async () => {
		const results = await run(a.owner, a.id, [
			{ name: 'addCoOwner', args: { email: b.ownerEmail, role: 'co-owner' } },
			{ name: 'addCoOwner', args: { email: `nobody.${tag()}@elsewhere.test`, role: 'co-owner' } },
			{ name: 'addCoOwner', args: { email: licensedA.email, role: 'billing' } },
			// A role holder changes role.
			{ name: 'addCoOwner', args: { email: licensedA.email, role: 'co-owner' } }
		]);
		expect(codes(results)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'applied', 'applied']);
		const [existing, missing] = results.map((r) =>
			r.message?.replace(/^\S+ has no license/, 'EMAIL has no license')
		);
		expect(existing).toBe(missing);
		const roles = await t.database.db
			.selectFrom('account_roles')
			.select(['user_id', 'role'])
			.where('enterprise_id', '=', a.id)
			.execute();
		expect(roles.map((r) => r.user_id)).not.toContain(b.owner.userID);
		expect(roles).toContainEqual({ user_id: licensedA.id, role: 'co-owner' });
	});

	it('R1/R24: an id another enterprise uses is ALREADY_EXISTS, their row untouched and nothing audited', async () => {
		const [teamID, orgID, inviteID, domainID] = [
			randomUUID(),
			randomUUID(),
			randomUUID(),
			randomUUID()
		];
		expect(
			codes(
				await run(b.owner, b.id, [
					{ name: 'createTeam', args: { teamID, name: 'Theirs' } },
					{ name: 'createOrg', args: { orgID, name: 'Theirs' } },
					{ name: 'inviteUser', args: { inviteID, email: `invitee@${b.domain}` } },
					{ name: 'addDomain', args: { domainID, domain: `sub.${b.domain}` } }
				])
			)
		).toEqual(['applied', 'applied', 'applied', 'applied']);
		const auditsBefore = await t.database.db
			.selectFrom('audit_log')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', a.id)
			.executeTakeFirstOrThrow();
		const results = await run(a.owner, a.id, [
			{ name: 'createTeam', args: { teamID, name: 'Mine' } },
			{ name: 'createOrg', args: { orgID, name: 'Mine' } },
			{ name: 'inviteUser', args: { inviteID, email: `invitee@${a.domain}` } },
			{ name: 'addDomain', args: { domainID, domain: `sub.${a.domain}` } }
		]);
		expect(codes(results)).toEqual([
			'ALREADY_EXISTS',
			'ALREADY_EXISTS',
			'ALREADY_EXISTS',
			'ALREADY_EXISTS'
		]);
		const auditsAfter = await t.database.db
			.selectFrom('audit_log')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', a.id)
			.executeTakeFirstOrThrow();
		expect(Number(auditsAfter.n)).toBe(Number(auditsBefore.n));
		const team = await t.database.db
			.selectFrom('teams')
			.select(['name', 'enterprise_id'])
			.where('id', '=', teamID)
			.executeTakeFirstOrThrow();
		expect(team).toEqual({ name: 'Theirs', enterprise_id: b.id });
		const invite = await t.database.db
			.selectFrom('invites')
			.select(['email', 'enterprise_id'])
			.where('id', '=', inviteID)
			.executeTakeFirstOrThrow();
		expect(invite).toEqual({ email: `invitee@${b.domain}`, enterprise_id: b.id });
	});

	it('R26: control characters in a name are refused before anything is stored; the rest of the batch applies', async () => {
		const results = await run(a.owner, a.id, [
			{ name: 'createTeam', args: { teamID: randomUUID(), name: `Nul${String.fromCharCode(0)}` } },
			{ name: 'createOrg', args: { orgID: randomUUID(), name: 'Line\nbreak' } },
			{
				name: 'inviteUser',
				args: { inviteID: randomUUID(), email: `a${String.fromCharCode(7)}@${a.domain}` }
			},
			{
				name: 'addDomain',
				args: { domainID: randomUUID(), domain: `x${String.fromCharCode(0)}.test` }
			},
			{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Fine' } }
		]);
		expect(codes(results)).toEqual([
			'INVALID_ARGS',
			'INVALID_ARGS',
			'INVALID_ARGS',
			'INVALID_ARGS',
			'applied'
		]);
		for (const r of results.slice(0, 4)) expect(r.message).toMatch(/control characters/);
	});

	it('a database error a mutation always runs into is its rejection; the queue moves on', async () => {
		if (dialect === 'postgres') {
			await sql`create function refuse_test_names() returns trigger language plpgsql as $$
				begin
					if new.name = 'data-error' then
						raise exception 'refused by the test' using errcode = '22021';
					end if;
					if new.name = 'transient-error' then
						raise exception 'serialization failure' using errcode = '40001';
					end if;
					return new;
				end $$`.execute(t.database.db);
			await sql`create trigger refuse_test_names before insert on teams for each row execute function refuse_test_names()`.execute(
				t.database.db
			);
		} else {
			await sql`create trigger refuse_test_names before insert on teams when new.name = 'data-error'
				begin select raise(abort, 'refused by the test'); end`.execute(t.database.db);
		}
		const clientID = `c-${dialect}-errors`;
		const mutation = (id: number, name: string) => ({
			id,
			name: 'createTeam',
			args: { teamID: randomUUID(), name },
			createdAt: Date.now()
		});
		const out = await push(
			t.database,
			{
				enterpriseID: a.id,
				clientGroupID: 'g',
				clientID,
				mutations: [mutation(1, 'data-error'), mutation(2, 'after it')]
			},
			a.owner
		);
		expect(out.ok && codes(out.results)).toEqual(['INVALID_ARGS', 'applied']);
		if (dialect === 'postgres') {
			// A serialization failure is the moment's: the batch fails (503) and nothing advances.
			await expect(
				push(
					t.database,
					{
						enterpriseID: a.id,
						clientGroupID: 'g',
						clientID,
						mutations: [mutation(3, 'transient-error')]
					},
					a.owner
				)
			).rejects.toThrow(/serialization/);
			const client = await t.database.db
				.selectFrom('sync_clients')
				.select('last_mutation_id')
				.where('client_id', '=', clientID)
				.executeTakeFirstOrThrow();
			expect(Number(client.last_mutation_id)).toBe(2);
		}
	});

	it('R13: DNS is asked only about the enterprise’s own domains, within its budget', async () => {
		const previous = process.env.DNS_SERVERS;
		process.env.DNS_SERVERS = dns.address;
		try {
			const theirs = await addDomain(t.database, b.id, `hidden.${b.domain}`, { verified: false });
			const ours = await addDomain(t.database, a.id, `pending.${a.domain}`, { verified: false });
			const budget = new LookupBudget(3, 10);
			const now = Date.UTC(2026, 0, 1);
			const adds = Array.from({ length: 6 }, (_, i) => ({
				id: randomUUID(),
				domain: `n${i}.${a.domain}`
			}));
			const mutations = [
				{ name: 'verifyDomain', args: { domainID: theirs } },
				{ name: 'verifyDomain', args: { domainID: ours } },
				// Adding a domain the enterprise holds already does not make a lookup.
				{ name: 'addDomain', args: { domainID: randomUUID(), domain: a.domain } },
				...adds.flatMap((d) => [
					{ name: 'addDomain', args: { domainID: d.id, domain: d.domain } },
					{ name: 'verifyDomain', args: { domainID: d.id } }
				])
			];
			const found = await prefetchTxt(t.database, a.id, mutations, { budget, now });
			// Asked at once, so in any order.
			expect([...dns.queries].sort()).toEqual(
				[`pending.${a.domain}`, `n0.${a.domain}`, `n1.${a.domain}`].sort()
			);
			expect([...found].filter(([, v]) => v.limited).map(([k]) => k)).toEqual(
				adds.slice(2).map((d) => d.domain)
			);
			// A minute later the budget has refilled.
			dns.queries.length = 0;
			const later = await prefetchTxt(t.database, a.id, mutations.slice(0, 2), {
				budget,
				now: now + 60_000
			});
			expect(later.get(`pending.${a.domain}`)?.limited).toBeUndefined();
			expect(dns.queries).toEqual([`pending.${a.domain}`]);
		} finally {
			if (previous === undefined) delete process.env.DNS_SERVERS;
			else process.env.DNS_SERVERS = previous;
		}
	});
});
