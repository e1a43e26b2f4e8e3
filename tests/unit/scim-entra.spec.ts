import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { makeEmptyEnterprise } from './support/factories';
import { installToken, scim } from './support/scim-client';

// Request bodies in the shapes of Microsoft's "Tutorial: Develop and plan provisioning for a SCIM
// endpoint in Microsoft Entra ID" (user and group operations) and its SCIM compliance known issues.
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function entraUser(upn: string) {
	return {
		schemas: [USER, ENTERPRISE],
		externalId: randomUUID(),
		userName: upn,
		active: true,
		emails: [{ primary: true, type: 'work', value: upn }],
		meta: { resourceType: 'User' },
		name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
		roles: []
	};
}

describe.each(dialects)('SCIM as Microsoft Entra ID sends it, on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string };
	let token: string;
	const call = (method: string, path: string, body?: unknown) =>
		scim(method, path, { token, body });
	const upn = () => `Test_User_${randomUUID()}@testuser.com`;

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database, { seats: 50 });
		token = await installToken(t.database, ent.id, { domains: ['testuser.com', 'microsoft.com'] });
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R22: creates a user with the enterprise extension, finds it by userName and by externalId', async () => {
		const body = entraUser(upn());
		const created = await call('POST', '/scim/v2/Users', body);
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({
			userName: body.userName,
			externalId: body.externalId,
			active: true,
			name: { givenName: 'givenName', familyName: 'familyName' }
		});
		const byName = await call('GET', `/scim/v2/Users?filter=userName eq "${body.userName}"`);
		expect(byName.body.totalResults).toBe(1);
		const byExternal = await call(
			'GET',
			`/scim/v2/Users?filter=externalId eq "${body.externalId}"`
		);
		expect(byExternal.body.Resources.map((r: { id: string }) => r.id)).toEqual([created.body.id]);
		// Entra's "get user by query with zero results".
		const none = await call(
			'GET',
			`/scim/v2/Users?filter=userName eq "non-existent${randomUUID()}@testuser.com"`
		);
		expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
	});

	it('PATCH with capitalised ops, filtered email path, name.familyName and a userName change', async () => {
		const made = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body;
		const newEmail = `updated.${randomUUID()}@microsoft.com`;
		const res = await call('PATCH', `/scim/v2/Users/${made.id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{ op: 'Replace', path: 'emails[type eq "work"].value', value: newEmail },
				{ op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' }
			]
		});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			userName: newEmail,
			emails: [{ value: newEmail, primary: true }],
			name: { familyName: 'updatedFamilyName', givenName: 'givenName' }
		});
		const renamed = `${randomUUID()}@testuser.com`;
		const single = await call('PATCH', `/scim/v2/Users/${made.id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'Replace', path: 'userName', value: renamed }]
		});
		expect(single.body.userName).toBe(renamed);
	});

	it('R22: disables with "False" as a string (Entra quirk) and with a JSON boolean; DELETE keeps the account', async () => {
		const a = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body;
		const off = await call('PATCH', `/scim/v2/Users/${a.id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'Replace', path: 'active', value: 'False' }]
		});
		expect(off.status).toBe(200);
		expect(off.body.active).toBe(false);
		const b = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body;
		const off2 = await call('PATCH', `/scim/v2/Users/${b.id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'replace', path: 'active', value: false }]
		});
		expect(off2.body.active).toBe(false);
		const licenses = await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('user_id', 'in', [a.id, b.id])
			.execute();
		expect(licenses).toEqual([]);

		const c = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body;
		expect((await call('DELETE', `/scim/v2/Users/${c.id}`)).status).toBe(204);
		expect((await call('GET', `/scim/v2/Users/${c.id}`)).status).toBe(404);
		const person = await t.database.db
			.selectFrom('users')
			.select('id')
			.where('id', '=', c.id)
			.executeTakeFirst();
		expect(person).toBeDefined();
	});

	it('pathless replace with dotted keys, "True" strings and the enterprise-extension URN', async () => {
		const made = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body;
		const res = await call('PATCH', `/scim/v2/Users/${made.id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{
					op: 'Replace',
					value: {
						'name.givenName': 'Mary',
						'name.familyName': 'Major',
						displayName: 'Mary Major',
						active: 'True',
						[`${ENTERPRISE}:department`]: 'Sales',
						[ENTERPRISE]: { employeeNumber: '701984' }
					}
				}
			]
		});
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({
			displayName: 'Mary Major',
			name: { givenName: 'Mary', familyName: 'Major' },
			active: true
		});
	});

	it('R10: groups: create, read without members, find by displayName, add and remove members with value arrays, rename, delete', async () => {
		const u1 = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body.id;
		const u2 = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body.id;
		const name = `Group ${randomUUID()}`;
		const created = await call('POST', '/scim/v2/Groups', {
			externalId: randomUUID(),
			schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'],
			displayName: name,
			meta: { resourceType: 'Group' }
		});
		expect(created.status).toBe(201);
		expect(created.body.members).toEqual([]);
		const id = created.body.id as string;

		const noMembers = await call('GET', `/scim/v2/Groups/${id}?excludedAttributes=members`);
		expect(noMembers.status).toBe(200);
		expect(noMembers.body).not.toHaveProperty('members');
		expect(noMembers.body).toMatchObject({ id, displayName: name, schemas: [GROUP] });

		const byName = await call(
			'GET',
			`/scim/v2/Groups?excludedAttributes=members&filter=displayName eq "${name}"`
		);
		expect(byName.body.totalResults).toBe(1);
		expect(byName.body.Resources[0]).not.toHaveProperty('members');

		const add = await call('PATCH', `/scim/v2/Groups/${id}`, {
			schemas: [PATCH_OP],
			Operations: [
				{ op: 'Add', path: 'members', value: [{ $ref: null, value: u1 }] },
				{ op: 'Add', path: 'members', value: [{ $ref: null, value: u2 }] }
			]
		});
		expect(add.status).toBe(204);
		const withMember = await call(
			'GET',
			`/scim/v2/Groups?filter=members.value eq "${u1}"&excludedAttributes=members`
		);
		expect(withMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);

		const remove = await call('PATCH', `/scim/v2/Groups/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: u1 }] }]
		});
		expect(remove.status).toBe(204);
		const after = await call('GET', `/scim/v2/Groups/${id}`);
		expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([u2]);

		const rename = await call('PATCH', `/scim/v2/Groups/${id}`, {
			schemas: [PATCH_OP],
			Operations: [{ op: 'Replace', path: 'displayName', value: `${name} updatedDisplayName` }]
		});
		expect(rename.status).toBe(204);
		expect((await call('GET', `/scim/v2/Groups/${id}?attributes=displayName`)).body).toEqual({
			schemas: [GROUP],
			id,
			displayName: `${name} updatedDisplayName`
		});
		expect((await call('DELETE', `/scim/v2/Groups/${id}`)).status).toBe(204);
	});

	it('attributes and excludedAttributes on users (id and schemas always returned)', async () => {
		const made = (await call('POST', '/scim/v2/Users', entraUser(upn()))).body;
		const only = await call('GET', `/scim/v2/Users/${made.id}?attributes=userName,name.givenName`);
		expect(only.body).toEqual({
			schemas: [USER],
			id: made.id,
			userName: made.userName,
			name: { givenName: 'givenName' }
		});
		const without = await call(
			'GET',
			`/scim/v2/Users?filter=id eq "${made.id}"&excludedAttributes=emails,meta,name`
		);
		const r = without.body.Resources[0];
		expect(r).toHaveProperty('userName');
		expect(r).not.toHaveProperty('emails');
		expect(r).not.toHaveProperty('meta');
		expect(r).not.toHaveProperty('name');
	});

	it('discovery: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
		const config = await call('GET', '/scim/v2/ServiceProviderConfig');
		expect(config.status).toBe(200);
		expect(config.body).toMatchObject({
			patch: { supported: true },
			filter: { supported: true, maxResults: 1000 },
			bulk: { supported: false },
			etag: { supported: false }
		});
		const types = await call('GET', '/scim/v2/ResourceTypes');
		expect(types.body.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
		expect((await call('GET', '/scim/v2/ResourceTypes/Group')).body.endpoint).toBe('/Groups');
		const schemas = await call('GET', '/scim/v2/Schemas');
		expect(schemas.body.totalResults).toBe(3);
		expect((await call('GET', `/scim/v2/Schemas/${USER}`)).body.name).toBe('User');
		expect((await call('GET', '/scim/v2/Schemas/urn:nope')).status).toBe(404);
	});
});
