import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { pull } from '../../src/lib/server/sync/pull';
import { onPoke } from '../../src/lib/server/sync/poke';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, makeEmptyEnterprise, makeUser } from './support/factories';
import { installToken, ORIGIN, scim } from './support/scim-client';

// Request bodies in the shapes of Okta's "SCIM 2.0 protocol reference" (developer.okta.com).
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function oktaUser(email: string, given = 'Test', family = 'User') {
	return {
		schemas: [USER],
		userName: email,
		name: { givenName: given, familyName: family },
		emails: [{ primary: true, value: email, type: 'work' }],
		displayName: `${given} ${family}`,
		locale: 'en-US',
		externalId: `00u${randomUUID().slice(0, 17)}`,
		groups: [],
		password: '1mz050nq',
		active: true
	};
}

describe.each(dialects)('SCIM as Okta sends it, on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string };
	let token: string;
	let ownerID: string;
	const call = (method: string, path: string, body?: unknown) =>
		scim(method, path, { token, body });

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database, { seats: 50 });
		const owner = await makeUser(t.database, { email: `owner.${randomUUID()}@okta.test` });
		ownerID = owner.id;
		await grantRole(t.database, ent.id, owner.id, 'owner');
		token = await installToken(t.database, ent.id, { domains: ['okta.local', 'okta.test'] });
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R22: looks the user up by userName first, then creates them with a license (201, Location, meta)', async () => {
		const email = 'test.user@okta.local';
		const lookup = await call(
			'GET',
			`/scim/v2/Users?filter=userName%20eq%20%22${encodeURIComponent(email)}%22&startIndex=1&count=100`
		);
		expect(lookup.status).toBe(200);
		expect(lookup.headers.get('content-type')).toMatch(/^application\/scim\+json/);
		expect(lookup.body).toEqual({
			schemas: [LIST],
			totalResults: 0,
			startIndex: 1,
			itemsPerPage: 0,
			Resources: []
		});

		const created = await call('POST', '/scim/v2/Users', oktaUser(email));
		expect(created.status).toBe(201);
		expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
		const id = created.body.id as string;
		expect(created.headers.get('location')).toBe(`${ORIGIN}/scim/v2/Users/${id}`);
		expect(created.body).toMatchObject({
			schemas: [USER],
			id,
			userName: email,
			name: { givenName: 'Test', familyName: 'User' },
			displayName: 'Test User',
			emails: [{ value: email, type: 'work', primary: true }],
			active: true,
			meta: { resourceType: 'User', location: `${ORIGIN}/scim/v2/Users/${id}` }
		});
		expect(created.body).not.toHaveProperty('password');
		expect(Date.parse(created.body.meta.created)).toBeGreaterThan(0);

		const license = await t.database.db
			.selectFrom('licenses')
			.selectAll()
			.where('enterprise_id', '=', ent.id)
			.where('user_id', '=', id)
			.executeTakeFirst();
		expect(license?.source).toBe('scim');

		// Case-insensitive userName (R3): Okta's later lookups find the same person.
		const found = await call('GET', `/scim/v2/Users?filter=userName eq "TEST.User@OKTA.local"`);
		expect(found.body.totalResults).toBe(1);
		expect(found.body.Resources[0].id).toBe(id);

		const one = await call('GET', `/scim/v2/Users/${id}`);
		expect(one.status).toBe(200);
		expect(one.body.userName).toBe(email);
	});

	it('R22: a second POST with the same userName (any case) is 409 uniqueness', async () => {
		const dup = await call('POST', '/scim/v2/Users', oktaUser('Test.User@Okta.Local'));
		expect(dup.status).toBe(409);
		expect(dup.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
	});

	it('R22, R7: PATCH replace {active:false} removes the license and frees the seat; the account stays', async () => {
		const made = await call(
			'POST',
			'/scim/v2/Users',
			oktaUser(`leaver.${randomUUID()}@okta.local`)
		);
		const id = made.body.id as string;
		const res = await call('PATCH', `/scim/v2/Users/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', value: { active: false } }]
		});
		expect(res.status).toBe(200);
		expect(res.body.active).toBe(false);
		const license = await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('user_id', '=', id)
			.executeTakeFirst();
		expect(license).toBeUndefined();
		const person = await t.database.db
			.selectFrom('users')
			.select('id')
			.where('id', '=', id)
			.executeTakeFirst();
		expect(person?.id).toBe(id);
		// Okta reads the user back as inactive.
		expect((await call('GET', `/scim/v2/Users/${id}`)).body.active).toBe(false);
		// And reactivates later: the license comes back.
		const back = await call('PATCH', `/scim/v2/Users/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', value: { active: true } }]
		});
		expect(back.body.active).toBe(true);
		const again = await t.database.db
			.selectFrom('licenses')
			.select('source')
			.where('user_id', '=', id)
			.executeTakeFirst();
		expect(again?.source).toBe('scim');
	});

	it('PUT replaces the profile (Okta sends the whole user with its id)', async () => {
		const email = `put.${randomUUID()}@okta.local`;
		const made = await call('POST', '/scim/v2/Users', oktaUser(email));
		const id = made.body.id as string;
		const res = await call('PUT', `/scim/v2/Users/${id}`, {
			schemas: [USER],
			id,
			userName: email,
			name: { givenName: 'Another', familyName: 'Name' },
			emails: [{ primary: true, value: email, type: 'work' }],
			displayName: 'Another Name',
			active: true,
			groups: [],
			meta: { resourceType: 'User' }
		});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			id,
			displayName: 'Another Name',
			name: { givenName: 'Another', familyName: 'Name' }
		});
		expect(res.body).not.toHaveProperty('externalId');
	});

	it('R10, R22: group push: create, rename pathless with id, add and remove members, delete', async () => {
		const a = (await call('POST', '/scim/v2/Users', oktaUser(`a.${randomUUID()}@okta.local`))).body
			.id;
		const b = (await call('POST', '/scim/v2/Users', oktaUser(`b.${randomUUID()}@okta.local`))).body
			.id;
		const created = await call('POST', '/scim/v2/Groups', {
			schemas: [GROUP],
			displayName: 'Test SCIMv2',
			members: []
		});
		expect(created.status).toBe(201);
		const id = created.body.id as string;
		expect(created.headers.get('location')).toBe(`${ORIGIN}/scim/v2/Groups/${id}`);
		expect(created.body).toMatchObject({
			schemas: [GROUP],
			id,
			displayName: 'Test SCIMv2',
			members: [],
			meta: { resourceType: 'Group' }
		});
		const team = await t.database.db
			.selectFrom('teams')
			.selectAll()
			.where('id', '=', id)
			.executeTakeFirstOrThrow();
		expect(team.source).toBe('scim');

		// Okta's rename: pathless replace carrying the group's id.
		const renamed = await call('PATCH', `/scim/v2/Groups/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', value: { id, displayName: 'Test SCIMv2 renamed' } }]
		});
		expect(renamed.status).toBe(204);
		const added = await call('PATCH', `/scim/v2/Groups/${id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{
					op: 'add',
					path: 'members',
					value: [
						{ value: a, display: 'a@okta.local' },
						{ value: b, display: 'b@okta.local' }
					]
				}
			]
		});
		expect(added.status).toBe(204);
		let got = await call('GET', `/scim/v2/Groups/${id}`);
		expect(got.body.displayName).toBe('Test SCIMv2 renamed');
		expect(got.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort());
		expect(got.body.members[0].$ref).toMatch(new RegExp(`^${ORIGIN}/scim/v2/Users/`));

		const removed = await call('PATCH', `/scim/v2/Groups/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'remove', path: `members[value eq "${a}"]` }]
		});
		expect(removed.status).toBe(204);
		got = await call('GET', `/scim/v2/Groups/${id}`);
		expect(got.body.members.map((m: { value: string }) => m.value)).toEqual([b]);

		// Okta replaces the whole member list with PUT.
		const put = await call('PUT', `/scim/v2/Groups/${id}`, {
			schemas: [GROUP],
			id,
			displayName: 'Test SCIMv2 renamed',
			members: [{ value: a, display: 'a' }]
		});
		expect(put.status).toBe(200);
		expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([a]);

		expect((await call('DELETE', `/scim/v2/Groups/${id}`)).status).toBe(204);
		expect((await call('GET', `/scim/v2/Groups/${id}`)).status).toBe(404);
	});

	it('pages through users by 100 with startIndex and count (Okta import)', async () => {
		for (let i = 0; i < 5; i++)
			await call('POST', '/scim/v2/Users', oktaUser(`page${i}.${randomUUID()}@okta.local`));
		const all = await call('GET', '/scim/v2/Users?startIndex=1&count=100');
		const total = all.body.totalResults as number;
		expect(total).toBeGreaterThanOrEqual(9);
		const seen: string[] = [];
		for (let start = 1; start <= total; start += 3) {
			const page = await call('GET', `/scim/v2/Users?startIndex=${start}&count=3`);
			expect(page.body).toMatchObject({ totalResults: total, startIndex: start });
			expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
			seen.push(...page.body.Resources.map((r: { id: string }) => r.id));
		}
		expect(new Set(seen).size).toBe(total);
		expect(seen).toEqual(all.body.Resources.map((r: { id: string }) => r.id));
	});

	it('R24: SCIM changes reach open consoles through pull (version, tombstones, poke) and the audit log says SCIM', async () => {
		const clientID = randomUUID();
		const base = await pull(t.database, {
			enterpriseID: ent.id,
			clientID,
			userID: ownerID,
			cookie: 0
		});
		let poked = 0;
		const stop = onPoke(ent.id, () => poked++);
		const email = `synced.${randomUUID()}@okta.local`;
		const made = await call('POST', '/scim/v2/Users', oktaUser(email));
		stop();
		expect(poked).toBe(1);
		const after = await pull(t.database, {
			enterpriseID: ent.id,
			clientID,
			userID: ownerID,
			cookie: base.cookie
		});
		expect(after.cookie).toBeGreaterThan(base.cookie);
		expect(after.changes).toContainEqual(
			expect.objectContaining({ table: 'licenses', op: 'put', key: made.body.id })
		);
		await call('PATCH', `/scim/v2/Users/${made.body.id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', value: { active: false } }]
		});
		const gone = await pull(t.database, {
			enterpriseID: ent.id,
			clientID,
			userID: ownerID,
			cookie: after.cookie
		});
		expect(gone.changes).toContainEqual({ table: 'licenses', op: 'del', key: made.body.id });
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['actor_kind', 'action', 'target'])
			.where('enterprise_id', '=', ent.id)
			.where('target', '=', email)
			.execute();
		expect(audit.length).toBeGreaterThanOrEqual(2);
		expect(audit.every((a) => a.actor_kind === 'scim')).toBe(true);
		expect(audit.map((a) => a.action)).toEqual(
			expect.arrayContaining(['provisionUser', 'deprovisionLicense'])
		);
	});
});
