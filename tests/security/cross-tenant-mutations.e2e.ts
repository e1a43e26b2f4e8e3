import { expect, test, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { startServer, type Server } from './support/server';
import { fullPull, push, rows, seedTenant } from './support/mutations';

// Pushed mutations name rows by id, and ids are global: an admin of one enterprise must not reach
// another enterprise's teams, users or ids through them (R1, R2). Two small tenants on a server of
// the tests' own, since a successful attack would change the other tenant.

let server: Server;
let acmeOwner: APIRequestContext;
let initechOwner: APIRequestContext;
let acme: string;
let initech: string;

test.beforeAll(async () => {
	test.setTimeout(180_000);
	server = await startServer();
	({ owner: acmeOwner, id: acme } = await seedTenant(server, {
		name: 'Acme',
		users: 30,
		domains: 'acme.test',
		owner: 'owner@acme.test',
		password: 'roster-demo'
	}));
	({ owner: initechOwner, id: initech } = await seedTenant(server, {
		name: 'Initech',
		users: 30,
		domains: 'initech.test',
		owner: 'owner@initech.test',
		password: 'initech-pass'
	}));
});

test.afterAll(async () => {
	await server?.stop();
});

type Member = { teamID: string; userID: string };

test('an admin cannot remove a member of another enterprise’s team (R1)', async () => {
	const before = rows<Member>(await fullPull(initechOwner, initech), 'teamMembers');
	const victim = before[0]!;
	expect(victim).toBeTruthy();
	await push(acmeOwner, acme, [{ name: 'removeTeamMember', args: victim }]);
	const after = rows<Member>(await fullPull(initechOwner, initech), 'teamMembers');
	expect(after).toContainEqual(victim);
});

test('adding a team member licenses only people licensed here or unclaimed on a verified domain (R3, R6)', async () => {
	const stranger = rows<{ id: string; email: string }>(
		await fullPull(initechOwner, initech),
		'licenses'
	).find((u) => u.email !== 'owner@initech.test')!;
	const team = rows<{ id: string }>(await fullPull(acmeOwner, acme), 'teams')[0]!;
	const [result] = await push(acmeOwner, acme, [
		{ name: 'addTeamMember', args: { teamID: team.id, userID: stranger.id } }
	]);
	expect(result).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });
	const licensed = rows<{ id: string }>(await fullPull(acmeOwner, acme), 'licenses');
	expect(licensed.map((u) => u.id)).not.toContain(stranger.id);
});

test('a console role goes only to licensed users, and the refusal does not tell whether an account exists (R2)', async () => {
	const results = await push(acmeOwner, acme, [
		{ name: 'addCoOwner', args: { email: 'owner@initech.test', role: 'co-owner' } },
		{ name: 'addCoOwner', args: { email: 'nobody-anywhere@initech.test', role: 'co-owner' } }
	]);
	expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
	const [existing, missing] = results.map((r) =>
		`${r.code} ${r.message}`.replace(/owner@initech\.test|nobody-anywhere@initech\.test/g, 'EMAIL')
	);
	expect(existing).toBe(missing);
	// The other enterprise's owner gained no role here.
	const me = (await (await initechOwner.get('/api/me')).json()) as {
		enterprises: { id: string }[];
	};
	expect(me.enterprises.map((e) => e.id)).toEqual([initech]);
});

test('an id another enterprise already uses is refused as ALREADY_EXISTS, with no audit row (R1, R24)', async () => {
	const theirs = await fullPull(initechOwner, initech);
	const team = rows<{ id: string; name: string }>(theirs, 'teams')[0]!;
	const org = rows<{ id: string; name: string }>(theirs, 'organizations')[0]!;
	const invite = rows<{ id: string; email: string }>(theirs, 'invites')[0]!;
	expect(team && org && invite).toBeTruthy();
	const results = await push(acmeOwner, acme, [
		{ name: 'createTeam', args: { teamID: team.id, name: 'Taken team id' } },
		{ name: 'createOrg', args: { orgID: org.id, name: 'Taken org id' } },
		{
			name: 'inviteUser',
			args: { inviteID: invite.id, email: `taken-${randomUUID()}@acme.test` }
		}
	]);
	expect(results.map((r) => `${r.status} ${r.code}`)).toEqual([
		'rejected ALREADY_EXISTS',
		'rejected ALREADY_EXISTS',
		'rejected ALREADY_EXISTS'
	]);
	const audit = (await (
		await acmeOwner.get(`/api/enterprises/${acme}/audit?limit=1000`)
	).json()) as {
		entries: { action: string; target: string | null }[];
	};
	expect(
		audit.entries.filter((e) => ['createTeam', 'createOrg', 'inviteUser'].includes(e.action))
	).toEqual([]);
	// Theirs are untouched.
	const after = await fullPull(initechOwner, initech);
	expect(rows(after, 'teams')).toContainEqual(expect.objectContaining(team));
	expect(rows(after, 'organizations')).toContainEqual(expect.objectContaining(org));
	expect(rows(after, 'invites')).toContainEqual(expect.objectContaining(invite));
});
