import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	addDomain,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	tag
} from './support/factories';
import { installToken, scim } from './support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const userBody = (email: string, extra: Record<string, unknown> = {}) => ({
	schemas: [USER],
	userName: email,
	name: { givenName: 'Ada', familyName: 'Lovelace' },
	emails: [{ primary: true, value: email, type: 'work' }],
	displayName: 'Ada Lovelace',
	active: true,
	...extra
});

const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

describe.each(dialects)('SCIM and identity (R25) on %s', (dialect) => {
	let t: TestDb;

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	const account = (id: string) =>
		t.database.db
			.selectFrom('users')
			.select(['email', 'name'])
			.where('id', '=', id)
			.executeTakeFirstOrThrow();

	/** An enterprise with a SCIM token and its own verified domain `<tag>.test`. */
	async function scimEnterprise() {
		const ent = await makeEmptyEnterprise(t.database, { seats: 50 });
		const domain = `${tag()}.test`;
		const token = await installToken(t.database, ent.id, { domains: [domain] });
		return { ...ent, domain, token };
	}

	it("R25: SCIM creates or links only people on the enterprise's effectively verified domains, with one refusal for all others", async () => {
		const ent = await scimEnterprise();
		// An unverified domain of its own, and a subdomain row left unverified under the verified root.
		const pending = `${tag()}.test`;
		await addDomain(t.database, ent.id, pending, { verified: false });
		await addDomain(t.database, ent.id, `eu.${ent.domain}`, { verified: false });
		const other = await scimEnterprise();
		const theirs = await makeUser(t.database, { email: `boss@${other.domain}` });
		await grantRole(t.database, other.id, theirs.id, 'owner');

		for (const email of [`a@${ent.domain}`, `b@eu.${ent.domain}`, `c@x.y.${ent.domain}`]) {
			const res = await scim('POST', '/scim/v2/Users', { token: ent.token, body: userBody(email) });
			expect(res.status, `${email}: ${JSON.stringify(res.body)}`).toBe(201);
		}
		const refusals = [];
		for (const email of [
			theirs.email, // another tenant's owner
			`new@${other.domain}`, // nobody yet, on another tenant's domain
			`d@${pending}`, // its own domain, not verified
			`e@not${ent.domain}` // a look-alike, not a subdomain
		]) {
			const res = await scim('POST', '/scim/v2/Users', { token: ent.token, body: userBody(email) });
			expect(res.status, email).toBe(403);
			expect(res.body.schemas).toEqual([ERROR]);
			refusals.push(res.body.detail.replace(email, '<email>'));
		}
		// The same words whether or not the account exists: no oracle for who has one.
		expect(new Set(refusals).size).toBe(1);
		const linked = await t.database.db
			.selectFrom('scim_users')
			.select('user_id')
			.where('user_id', '=', theirs.id)
			.execute();
		expect(linked).toEqual([]);
		const created = await t.database.db
			.selectFrom('users')
			.select('id')
			.where('email', 'in', [`new@${other.domain}`, `d@${pending}`])
			.execute();
		expect(created).toEqual([]);
		expect(await account(theirs.id)).toEqual({ email: theirs.email, name: theirs.name });
	});

	it('R25: for an admin, someone licensed elsewhere or a console account, SCIM renames only its own view and never the sign-in email', async () => {
		const ent = await scimEnterprise();
		const other = await makeEmptyEnterprise(t.database);
		const coOwner = await makeUser(t.database, { email: `co@${ent.domain}`, name: 'Co Owner' });
		await grantRole(t.database, ent.id, coOwner.id, 'co-owner');
		const billingElsewhere = await makeUser(t.database, { email: `bill@${ent.domain}` });
		await grantRole(t.database, other.id, billingElsewhere.id, 'billing');
		const licensedElsewhere = await makeUser(t.database, { email: `lic@${ent.domain}` });
		await license(t.database, other.id, licensedElsewhere.id);
		const consoleAccount = await makeUser(t.database, {
			email: `pw@${ent.domain}`,
			passwordHash: 'scrypt$x$y'
		});

		for (const person of [coOwner, billingElsewhere, licensedElsewhere, consoleAccount]) {
			const made = await scim('POST', '/scim/v2/Users', {
				token: ent.token,
				body: userBody(person.email, { displayName: 'Linked Name' })
			});
			expect(made.status, person.email).toBe(201);
			// Linking kept the account's own name; the IdP's name is this enterprise's view.
			expect(made.body.displayName).toBe('Linked Name');
			expect(await account(person.id)).toEqual({ email: person.email, name: person.name });

			const renamed = await scim('PATCH', `/scim/v2/Users/${person.id}`, {
				token: ent.token,
				body: patch(
					{ op: 'replace', path: 'displayName', value: 'IdP Name' },
					{ op: 'replace', path: 'name.givenName', value: 'Idp' }
				)
			});
			expect(renamed.status, person.email).toBe(200);
			// displayName and name.formatted are separate attributes (RFC 7643 §4.1.1): the IdP sent
			// no formatted name, so it is made from the given and family names.
			expect(renamed.body).toMatchObject({
				displayName: 'IdP Name',
				name: { formatted: 'Idp Lovelace', givenName: 'Idp' }
			});
			const byName = await scim(
				'GET',
				`/scim/v2/Users?filter=${encodeURIComponent(`displayName eq "IdP Name" and userName eq "${person.email}"`)}`,
				{ token: ent.token }
			);
			expect(byName.body.totalResults).toBe(1);

			const moved = `moved.${tag()}@${ent.domain}`;
			for (const attempt of [
				() =>
					scim('PATCH', `/scim/v2/Users/${person.id}`, {
						token: ent.token,
						body: patch({ op: 'replace', path: 'userName', value: moved })
					}),
				() =>
					scim('PATCH', `/scim/v2/Users/${person.id}`, {
						token: ent.token,
						body: patch({ op: 'replace', path: 'emails[type eq "work"].value', value: moved })
					}),
				() =>
					scim('PUT', `/scim/v2/Users/${person.id}`, {
						token: ent.token,
						body: userBody(moved)
					})
			]) {
				const res = await attempt();
				expect(res.status, `${person.email}: ${JSON.stringify(res.body)}`).toBe(403);
				expect(res.body.schemas).toEqual([ERROR]);
			}
			expect(await account(person.id)).toEqual({ email: person.email, name: person.name });
			// The same address in another case is no change at all.
			const sameAddress = await scim('PATCH', `/scim/v2/Users/${person.id}`, {
				token: ent.token,
				body: patch({ op: 'replace', path: 'userName', value: person.email.toUpperCase() })
			});
			expect(sameAddress.status).toBe(200);
			expect(await account(person.id)).toEqual({ email: person.email, name: person.name });
		}
		// Another enterprise's SCIM view of the same person is its own.
		const otherToken = await installToken(t.database, other.id, { domains: [ent.domain] });
		const theirView = await scim('GET', `/scim/v2/Users/${licensedElsewhere.id}`, {
			token: otherToken
		});
		expect(theirView.body.displayName).toBe(licensedElsewhere.name);
	});

	it('R25: for an account this enterprise alone manages, an email change is applied, ends its sessions and is audited in every enterprise it belongs to', async () => {
		const ent = await scimEnterprise();
		const made = await scim('POST', '/scim/v2/Users', {
			token: ent.token,
			body: userBody(`solo@${ent.domain}`)
		});
		expect(made.status).toBe(201);
		const id = made.body.id as string;
		// Another enterprise on the same domain knows the person through its IdP, unlicensed.
		const sibling = await makeEmptyEnterprise(t.database);
		const siblingToken = await installToken(t.database, sibling.id, { domains: [ent.domain] });
		const siblingLink = await scim('POST', '/scim/v2/Users', {
			token: siblingToken,
			body: userBody(`solo@${ent.domain}`, { active: false })
		});
		expect(siblingLink.status).toBe(201);
		await t.database.db
			.insertInto('sessions')
			.values({
				id: `s-${randomUUID()}`,
				user_id: id,
				created_at: Date.now(),
				expires_at: Date.now() + 86_400_000,
				last_seen_at: Date.now(),
				ip: null,
				user_agent: null
			})
			.execute();

		// Not to an address outside its verified domains.
		const outside = await scim('PATCH', `/scim/v2/Users/${id}`, {
			token: ent.token,
			body: patch({ op: 'replace', path: 'userName', value: `solo@elsewhere-${tag()}.test` })
		});
		expect(outside.status).toBe(403);
		expect((await account(id)).email).toBe(`solo@${ent.domain}`);

		const renamed = `renamed@${ent.domain}`;
		const res = await scim('PATCH', `/scim/v2/Users/${id}`, {
			token: ent.token,
			body: patch(
				{ op: 'replace', path: 'userName', value: renamed },
				{ op: 'replace', path: 'displayName', value: 'Ada King' }
			)
		});
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.userName).toBe(renamed);
		expect(await account(id)).toEqual({ email: renamed, name: 'Ada King' });
		const sessions = await t.database.db
			.selectFrom('sessions')
			.select('id')
			.where('user_id', '=', id)
			.execute();
		expect(sessions).toEqual([]);
		const audits = await t.database.db
			.selectFrom('audit_log')
			.select(['enterprise_id', 'actor_kind', 'target', 'before', 'after'])
			.where('action', '=', 'changeEmail')
			.where('enterprise_id', 'in', [ent.id, sibling.id])
			.execute();
		expect(audits.map((a) => a.enterprise_id).sort()).toEqual([ent.id, sibling.id].sort());
		for (const a of audits) {
			expect(a.actor_kind).toBe('scim');
			expect(JSON.parse(a.before!)).toEqual({ email: `solo@${ent.domain}` });
			expect(JSON.parse(a.after!).email).toBe(renamed);
		}
	});

	it("R25: the enterprise extension (employeeNumber, costCenter, organization, division, department, manager.value) is kept per enterprise: another enterprise's identity provider neither sees nor changes one enterprise's values for the same person", async () => {
		const a = await scimEnterprise();
		const b = await scimEnterprise();
		const email = `shared.${tag()}@${a.domain}`;
		const valuesOfA = {
			employeeNumber: 'A-701984',
			costCenter: 'A-4130',
			organization: 'A Studios',
			division: 'A Parks',
			department: 'A Tours',
			manager: { value: 'a-manager-id' }
		};
		const made = await scim('POST', '/scim/v2/Users', {
			token: a.token,
			body: userBody(email, {
				schemas: [USER, ENTERPRISE_USER],
				[ENTERPRISE_USER]: valuesOfA
			})
		});
		expect(made.status).toBe(201);
		const id = made.body.id as string;
		// The same person, licensed in B by hand: a SCIM user of B too.
		await license(t.database, b.id, id);
		const filters = [
			`${ENTERPRISE_USER}:employeeNumber eq "A-701984"`,
			`${ENTERPRISE_USER}:costCenter eq "A-4130"`,
			`${ENTERPRISE_USER}:organization co "A Studios"`,
			`${ENTERPRISE_USER}:division sw "A Parks"`,
			`${ENTERPRISE_USER}:department eq "A Tours"`,
			`${ENTERPRISE_USER}:manager.value eq "a-manager-id"`,
			`${ENTERPRISE_USER}:department pr`
		];
		const found = async (token: string, filter: string) =>
			(
				await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent(filter)}`, { token })
			).body.Resources.map((r: { id: string }) => r.id);
		const seenBy = async (token: string) =>
			(await scim('GET', `/scim/v2/Users/${id}`, { token })).body;

		// B sees none of A's values, by read, list, search or filter.
		const read = await seenBy(b.token);
		expect(read.id).toBe(id);
		expect(read).not.toHaveProperty([ENTERPRISE_USER]);
		expect(read.schemas).toEqual([USER]);
		for (const filter of filters) expect(await found(b.token, filter), filter).toEqual([]);
		const searched = await scim('POST', '/scim/v2/.search', {
			token: b.token,
			body: { filter: `userName eq "${email}"` }
		});
		expect(searched.body.Resources).toHaveLength(1);
		expect(searched.body.Resources[0]).not.toHaveProperty([ENTERPRISE_USER]);
		expect(JSON.stringify(searched.body)).not.toContain('A-701984');

		// B's IdP writes its own values: by path, path-less, and with a PUT; A's stay as A sent them.
		const patched = await scim('PATCH', `/scim/v2/Users/${id}`, {
			token: b.token,
			body: patch(
				{ op: 'add', path: `${ENTERPRISE_USER}:department`, value: 'B Finance' },
				{
					op: 'replace',
					value: { [ENTERPRISE_USER]: { employeeNumber: 'B-1', manager: 'b-boss' } }
				},
				{ op: 'remove', path: `${ENTERPRISE_USER}:costCenter` }
			)
		});
		expect(patched.status).toBe(200);
		expect(patched.body[ENTERPRISE_USER]).toEqual({
			employeeNumber: 'B-1',
			department: 'B Finance',
			manager: { value: 'b-boss' }
		});
		expect((await seenBy(a.token))[ENTERPRISE_USER]).toEqual(valuesOfA);
		const put = await scim('PUT', `/scim/v2/Users/${id}`, {
			token: b.token,
			body: userBody(email, {
				schemas: [USER, ENTERPRISE_USER],
				[ENTERPRISE_USER]: { costCenter: 'B-9', organization: 'B Org', division: 'B Div' }
			})
		});
		expect(put.status).toBe(200);
		expect(put.body[ENTERPRISE_USER]).toEqual({
			costCenter: 'B-9',
			organization: 'B Org',
			division: 'B Div'
		});
		expect((await seenBy(a.token))[ENTERPRISE_USER]).toEqual(valuesOfA);
		for (const filter of filters) expect(await found(a.token, filter), filter).toEqual([id]);
		expect(await found(b.token, `${ENTERPRISE_USER}:costCenter eq "B-9"`)).toEqual([id]);
		expect(await found(a.token, `${ENTERPRISE_USER}:costCenter eq "B-9"`)).toEqual([]);

		// A's later changes reach neither B's view nor B's filters; B's removal leaves A's values.
		const byA = await scim('PATCH', `/scim/v2/Users/${id}`, {
			token: a.token,
			body: patch({ op: 'replace', path: `${ENTERPRISE_USER}:department`, value: 'A Sales' })
		});
		expect(byA.body[ENTERPRISE_USER]).toEqual({ ...valuesOfA, department: 'A Sales' });
		expect((await seenBy(b.token))[ENTERPRISE_USER]).toEqual({
			costCenter: 'B-9',
			organization: 'B Org',
			division: 'B Div'
		});
		expect(await found(b.token, `${ENTERPRISE_USER}:department eq "A Sales"`)).toEqual([]);
		const removed = await scim('DELETE', `/scim/v2/Users/${id}`, { token: b.token });
		expect(removed.status).toBe(204);
		expect((await seenBy(a.token))[ENTERPRISE_USER]).toEqual({
			...valuesOfA,
			department: 'A Sales'
		});
	});

	it('PATCH accepts only the attributes Roster keeps (and ignores the ones the schema defines but Roster does not keep); anything else, and any path or key through __proto__, constructor or prototype, is 400 invalidPath and touches no prototype', async () => {
		const ent = await scimEnterprise();
		const made = await scim('POST', '/scim/v2/Users', {
			token: ent.token,
			body: userBody(`p@${ent.domain}`)
		});
		const id = made.body.id as string;
		const group = await scim('POST', '/scim/v2/Groups', {
			token: ent.token,
			body: { displayName: `G ${tag()}` }
		});
		const groupID = group.body.id as string;
		const refused: [string, string][] = [
			['Users', '{"op":"add","path":"name.__proto__.domain","value":"evil.example"}'],
			['Users', '{"op":"add","path":"name.constructor.prototype.domain","value":"evil.example"}'],
			['Users', '{"op":"add","path":"__proto__.domain","value":"evil.example"}'],
			[
				'Users',
				'{"op":"add","path":"emails[type eq \\"work\\"].__proto__","value":{"domain":"x"}}'
			],
			['Users', `{"op":"add","path":"${USER}:name.__proto__.domain","value":"evil.example"}`],
			['Users', `{"op":"add","path":"${ENTERPRISE_USER}:__proto__","value":{"domain":"x"}}`],
			['Users', '{"op":"add","path":"addresses[type eq \\"work\\"].constructor","value":"x"}'],
			['Users', '{"op":"add","value":{"__proto__":{"domain":"evil.example"}}}'],
			['Users', '{"op":"add","value":{"name":{"__proto__":{"domain":"evil.example"}}}}'],
			['Users', '{"op":"add","value":{"name.__proto__.domain":"evil.example"}}'],
			['Users', '{"op":"add","path":"name","value":{"__proto__.domain":"evil.example"}}'],
			['Users', '{"op":"add","path":"name","value":{"nickname":"x"}}'],
			['Users', '{"op":"add","path":"name.givenName.first","value":"x"}'],
			['Users', '{"op":"add","path":"emails[type eq \\"work\\"].label","value":"x"}'],
			['Users', '{"op":"add","path":"emails[label eq \\"work\\"].value","value":"x"}'],
			['Users', '{"op":"add","path":"emails","value":[{"value":"x@y.test","label":"w"}]}'],
			['Users', '{"op":"replace","path":"meta.created","value":"x"}'],
			['Groups', '{"op":"add","path":"displayName.__proto__.domain","value":"evil.example"}'],
			['Groups', '{"op":"replace","path":"displayName.first","value":"x"}'],
			['Groups', '{"op":"add","path":"members","value":[{"value":"x","__proto__":{"a":1}}]}'],
			['Groups', '{"op":"add","path":"members","value":[{"value":"x","shoe":1}]}'],
			['Groups', '{"op":"add","value":{"constructor":{"prototype":{"domain":"x"}}}}']
		];
		for (const [resource, operation] of refused) {
			const target = resource === 'Users' ? `Users/${id}` : `Groups/${groupID}`;
			const res = await scim('PATCH', `/scim/v2/${target}`, {
				token: ent.token,
				raw: `{"schemas":["${PATCH_OP}"],"Operations":[${operation}]}`
			});
			expect(res.status, `${operation}: ${JSON.stringify(res.body)}`).toBe(400);
			expect(res.body.scimType, operation).toBe('invalidPath');
		}
		// POST and PUT bodies too.
		const put = await scim('PUT', `/scim/v2/Users/${id}`, {
			token: ent.token,
			raw: JSON.stringify(userBody(`p@${ent.domain}`)).replace('{', '{"__proto__":{"domain":"x"},')
		});
		expect(put.status).toBe(400);
		expect(put.body.scimType).toBe('invalidPath');
		expect(({} as Record<string, unknown>).domain).toBeUndefined();
		expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('domain');

		// What IdPs send still works: known attributes, filtered emails, ignored schema attributes.
		const ok = await scim('PATCH', `/scim/v2/Users/${id}`, {
			token: ent.token,
			body: patch(
				{
					op: 'Replace',
					path: 'name',
					value: { GivenName: 'Grace', middleName: 'B', familyName: 'Hopper' }
				},
				{ op: 'replace', path: 'name.honorificPrefix', value: 'Dr' },
				{ op: 'replace', path: 'emails[type eq "work"].primary', value: 'True' },
				{ op: 'add', path: 'addresses', value: [{ type: 'work', locality: 'Arlington' }] },
				{ op: 'add', path: `${ENTERPRISE_USER}:department`, value: 'Navy' },
				{ op: 'replace', value: { title: 'Rear Admiral', externalId: 'ext-9', active: 'True' } }
			)
		});
		expect(ok.status, JSON.stringify(ok.body)).toBe(200);
		expect(ok.body).toMatchObject({
			name: { givenName: 'Grace', familyName: 'Hopper' },
			externalId: 'ext-9',
			active: true,
			emails: [{ value: `p@${ent.domain}`, primary: true }]
		});
		const renamedGroup = await scim('PATCH', `/scim/v2/Groups/${groupID}`, {
			token: ent.token,
			body: patch(
				{ op: 'replace', path: 'DisplayName', value: 'Renamed group' },
				{ op: 'add', path: 'members', value: [{ value: id, display: `p@${ent.domain}` }] }
			)
		});
		expect(renamedGroup.status, JSON.stringify(renamedGroup.body)).toBe(204);
		const read = await scim('GET', `/scim/v2/Groups/${groupID}`, { token: ent.token });
		expect(read.body).toMatchObject({ displayName: 'Renamed group', members: [{ value: id }] });
	});
});
