import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import type { PushResult } from '../../src/lib/domain/sync/protocol';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, makeEmptyEnterprise, makeUser } from './support/factories';
import { installToken, scim } from './support/scim-client';
import {
	REFINEMENTS,
	RFC7643,
	withDefaults,
	type Characteristics
} from './support/rfc7643-schemas';

// What a standards-based SCIM client library, Okta and Microsoft Entra ID rely on beyond the
// everyday protocol: discovery that resolves, values kept as sent, PATCH that changes only what it
// names, POST searches, and teams the identity provider owns.
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const LICENSED_BEFORE_SCIM = Date.UTC(2024, 0, 15, 9);

type Json = Record<string, unknown>;

const patch = (...Operations: Json[]) => ({ schemas: [PATCH_OP], Operations });

describe.each(dialects)('SCIM conformance on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string };
	let token: string;
	let owner: Pusher;
	const domain = 'conformance.test';
	const call = (method: string, path: string, body?: unknown) =>
		scim(method, path, { token, body });
	const email = (who: string) => `${who}.${randomUUID().slice(0, 8)}@${domain}`;

	async function licensedBeforeScim(name: string) {
		const user = await makeUser(t.database, { email: email('early'), name });
		await t.database.db
			.insertInto('licenses')
			.values({
				enterprise_id: ent.id,
				user_id: user.id,
				source: 'console',
				created_at: LICENSED_BEFORE_SCIM
			})
			.execute();
		return user;
	}

	async function licensed(userID: string) {
		return !!(await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', ent.id)
			.where('user_id', '=', userID)
			.executeTakeFirst());
	}

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database, { seats: 100 });
		const admin = await makeUser(t.database, { email: `owner@${domain}` });
		await grantRole(t.database, ent.id, admin.id, 'owner');
		owner = { userID: admin.id, role: 'owner' };
		token = await installToken(t.database, ent.id, { domains: [domain] });
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('discovery (RFC 7644 §4, RFC 7643 §5–§7): ServiceProviderConfig → ResourceTypes → Schemas, every advertised schema resolves and every attribute has the characteristics RFC 7643 §8.7.1 gives it', async () => {
		const config = await call('GET', '/scim/v2/ServiceProviderConfig');
		expect(config.status).toBe(200);
		expect(config.body.schemas).toEqual([
			'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'
		]);
		for (const feature of ['patch', 'bulk', 'filter', 'changePassword', 'sort', 'etag']) {
			expect(typeof config.body[feature]?.supported, feature).toBe('boolean');
		}

		const types = await call('GET', '/scim/v2/ResourceTypes');
		expect(types.status).toBe(200);
		const advertised = new Set<string>();
		for (const type of types.body.Resources as Json[]) {
			const one = await call('GET', `/scim/v2/ResourceTypes/${type.id as string}`);
			expect(one.body).toEqual(type);
			advertised.add(type.schema as string);
			for (const ext of (type.schemaExtensions as { schema: string }[] | undefined) ?? []) {
				advertised.add(ext.schema);
			}
		}
		expect([...advertised].sort()).toEqual([ENTERPRISE, GROUP, USER].sort());

		const all = await call('GET', '/scim/v2/Schemas');
		expect(all.status).toBe(200);
		expect((all.body.Resources as Json[]).map((s) => s.id).sort()).toEqual([...advertised].sort());

		// RFC 7643 §7: what each attribute definition carries.
		const checkAttribute = (schemaID: string, path: string, a: Json) => {
			const where = `${schemaID}:${path}`;
			expect(typeof a.description, where).toBe('string');
			const shown: Partial<Characteristics> = {
				type: a.type as Characteristics['type'],
				multiValued: a.multiValued as boolean,
				required: a.required as boolean,
				mutability: a.mutability as Characteristics['mutability'],
				returned: a.returned as Characteristics['returned'],
				uniqueness: a.uniqueness as Characteristics['uniqueness']
			};
			if ('caseExact' in a) shown.caseExact = a.caseExact as boolean;
			if ('referenceTypes' in a) shown.referenceTypes = a.referenceTypes as string[];
			if ('canonicalValues' in a) shown.canonicalValues = a.canonicalValues as string[];
			if (a.type === 'reference') {
				// RFC 7643 §2.3.7: a reference says what it may point to.
				expect(a.referenceTypes, where).toEqual(expect.arrayContaining([expect.any(String)]));
			}
			const rfc = RFC7643[schemaID]?.[path];
			const refined = REFINEMENTS[where];
			expect(rfc ?? refined, `${where} is not an attribute RFC 7643 defines`).toBeDefined();
			expect(shown, where).toEqual(withDefaults({ ...rfc, ...refined }));
			if (a.type === 'complex') {
				expect(Array.isArray(a.subAttributes), where).toBe(true);
				for (const sub of a.subAttributes as Json[]) {
					checkAttribute(schemaID, `${path}.${sub.name as string}`, sub);
				}
			}
		};
		for (const id of advertised) {
			const schema = await call('GET', `/scim/v2/Schemas/${id}`);
			expect(schema.status, id).toBe(200);
			expect(schema.body.id).toBe(id);
			expect(schema.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
			for (const a of schema.body.attributes as Json[]) {
				checkAttribute(id, a.name as string, a);
			}
		}

		// Every attribute of the enterprise extension is described: Roster keeps them all.
		const enterprise = await call('GET', `/scim/v2/Schemas/${ENTERPRISE}`);
		const described = (enterprise.body.attributes as Json[]).flatMap((a) => [
			a.name as string,
			...((a.subAttributes as Json[] | undefined) ?? []).map(
				(s) => `${a.name as string}.${s.name as string}`
			)
		]);
		expect(described.sort()).toEqual(Object.keys(RFC7643[ENTERPRISE]!).sort());
	});

	it('RFC 7643 §4.3: the enterprise extension Entra sends is stored and returned, patched by path, by URN key and as Entra sends a manager, and filtered on', async () => {
		const manager = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('boss'),
			active: true
		});
		const created = await call('POST', '/scim/v2/Users', {
			schemas: [USER, ENTERPRISE],
			userName: email('jane'),
			active: true,
			name: { givenName: 'Jane', familyName: 'Public' },
			[ENTERPRISE]: {
				employeeNumber: '701984',
				costCenter: '4130',
				organization: 'Universal Studios',
				division: 'Theme Park',
				department: 'Tour Operations',
				manager: { value: manager.body.id, displayName: 'ignored, the server fills it' }
			}
		});
		expect(created.status).toBe(201);
		const id = created.body.id as string;
		const expected = {
			employeeNumber: '701984',
			costCenter: '4130',
			organization: 'Universal Studios',
			division: 'Theme Park',
			department: 'Tour Operations',
			manager: { value: manager.body.id }
		};
		expect(created.body.schemas).toEqual([USER, ENTERPRISE]);
		expect(created.body[ENTERPRISE]).toEqual(expected);
		expect((await call('GET', `/scim/v2/Users/${id}`)).body[ENTERPRISE]).toEqual(expected);

		// Entra: capitalised ops, full URN paths, the manager as a bare id.
		const patched = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch(
				{ op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Finance' },
				{ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'entra-manager-id' },
				{ op: 'Remove', path: `${ENTERPRISE}:division` }
			)
		);
		expect(patched.status).toBe(200);
		expect(patched.body[ENTERPRISE]).toMatchObject({
			department: 'Finance',
			manager: { value: 'entra-manager-id' }
		});
		expect(patched.body[ENTERPRISE]).not.toHaveProperty('division');
		// Pathless, with the extension's URN as the key: only the named attributes change.
		const pathless = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', value: { [ENTERPRISE]: { costCenter: '9999' } } })
		);
		expect(pathless.body[ENTERPRISE]).toMatchObject({ costCenter: '9999', department: 'Finance' });

		const found = await call(
			'GET',
			`/scim/v2/Users?filter=${encodeURIComponent(`${ENTERPRISE}:department eq "finance"`)}`
		);
		expect(found.body.Resources.map((r: Json) => r.id)).toEqual([id]);
		// RFC 7644 §3.4.2.5: extension attributes by their full name.
		const only = await call('GET', `/scim/v2/Users/${id}?attributes=${ENTERPRISE}:department`);
		expect(only.body[ENTERPRISE]).toEqual({ department: 'Finance' });
		expect(only.body).not.toHaveProperty('userName');
		const without = await call('GET', `/scim/v2/Users/${id}?excludedAttributes=${ENTERPRISE}`);
		expect(without.body).not.toHaveProperty([ENTERPRISE]);
		expect(without.body.userName).toBe(created.body.userName);

		const bad = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: `${ENTERPRISE}:shoeSize`, value: '42' })
		);
		expect(bad.status).toBe(400);
		expect(bad.body.scimType).toBe('invalidPath');
		const notString = await call('POST', '/scim/v2/Users', {
			schemas: [USER, ENTERPRISE],
			userName: email('bad'),
			[ENTERPRISE]: { department: 7 }
		});
		expect(notString.status).toBe(400);
		expect(notString.body.detail).toContain('department must be a string');
		// Every malformed extension value is a 400 that says what is wrong, never a 500.
		for (const op of [
			{ op: 'replace', path: ENTERPRISE, value: 'not an object' },
			{ op: 'replace', path: ENTERPRISE, value: [1] },
			{ op: 'add', path: `${ENTERPRISE}:manager`, value: [1] },
			{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 7 } },
			{ op: 'add', path: `${ENTERPRISE}:manager`, value: { boss: 'x' } },
			{ op: 'add', path: `${ENTERPRISE}:department`, value: 'a'.repeat(201) },
			{ op: 'add', path: `${ENTERPRISE}:department`, value: 'tab\there' },
			{ op: 'add', path: `${ENTERPRISE}:manager.__proto__`, value: 'x' }
		]) {
			const res = await call('PATCH', `/scim/v2/Users/${id}`, patch(op));
			expect(res.status, JSON.stringify(op)).toBe(400);
			expect(res.body.detail.length).toBeGreaterThan(0);
		}
		expect((await call('GET', `/scim/v2/Users/${id}`)).body[ENTERPRISE]).toMatchObject({
			department: 'Finance',
			costCenter: '9999'
		});
	});

	it('RFC 7644 §3.5.2: a PATCH changes only what it names — Okta and Entra deprovisioning keeps displayName and name.formatted as the IdP sent them (RFC 7643 §4.1.1, R25)', async () => {
		const made = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('public'),
			displayName: 'Public, Jane',
			name: { formatted: 'Ms. Jane Q. Public', givenName: 'Jane', familyName: 'Public' },
			active: true
		});
		expect(made.status).toBe(201);
		const id = made.body.id as string;
		expect(made.body).toMatchObject({
			displayName: 'Public, Jane',
			name: { formatted: 'Ms. Jane Q. Public', givenName: 'Jane', familyName: 'Public' }
		});

		// Entra's deprovisioning, then Okta's.
		for (const body of [
			patch({ op: 'Replace', path: 'active', value: 'False' }),
			patch({ op: 'replace', value: { active: false } })
		]) {
			const res = await call('PATCH', `/scim/v2/Users/${id}`, body);
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({
				active: false,
				displayName: 'Public, Jane',
				name: { formatted: 'Ms. Jane Q. Public', givenName: 'Jane', familyName: 'Public' }
			});
		}
		// A new given name changes the given name only.
		const renamed = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'name.givenName', value: 'Janet' })
		);
		expect(renamed.body).toMatchObject({
			displayName: 'Public, Jane',
			name: { formatted: 'Ms. Jane Q. Public', givenName: 'Janet', familyName: 'Public' }
		});
		const read = await call('GET', `/scim/v2/Users/${id}`);
		expect(read.body.displayName).toBe('Public, Jane');
		expect(read.body.name.formatted).toBe('Ms. Jane Q. Public');
	});

	it('RFC 7644 §3.5.2: what a PATCH keeps is decided by the paths it names, not by comparing values — Okta and Entra deprovisioning name no name part, and a path-less replace names only the keys of its value (R25)', async () => {
		const made = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('paths'),
			name: { givenName: 'Jane', familyName: 'Public' },
			active: true
		});
		expect(made.status).toBe(201);
		const id = made.body.id as string;
		const shown = (given: string) => ({
			displayName: `${given} Public`,
			name: { formatted: `${given} Public`, givenName: given, familyName: 'Public' }
		});
		expect(made.body).toMatchObject(shown('Jane'));

		// Entra's deprovisioning, then Okta's: no name is named, none is written.
		for (const body of [
			patch({ op: 'Replace', path: 'active', value: 'False' }),
			patch({ op: 'replace', value: { active: false } })
		]) {
			const res = await call('PATCH', `/scim/v2/Users/${id}`, body);
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({ active: false, ...shown('Jane') });
		}
		// Names shown from the parts still follow them: nothing was frozen by the deprovisioning.
		const given = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'name.givenName', value: 'Janet' })
		);
		expect(given.body).toMatchObject(shown('Janet'));

		// A path-less replace names displayName: it is kept as sent, even when it is the value shown.
		const pathless = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', value: { displayName: 'Janet Public', active: true } })
		);
		expect(pathless.status).toBe(200);
		expect(pathless.body).toMatchObject({ active: true, ...shown('Janet') });
		const after = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'name.givenName', value: 'Jo' })
		);
		// displayName was sent and stays; name.formatted was not and follows the parts.
		expect(after.body).toMatchObject({
			displayName: 'Janet Public',
			name: { formatted: 'Jo Public', givenName: 'Jo', familyName: 'Public' }
		});

		// A replace at "name" with a value object names only that object's keys.
		const formatted = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'name', value: { formatted: 'Jo Public' } })
		);
		expect(formatted.body.name).toEqual({
			formatted: 'Jo Public',
			givenName: 'Jo',
			familyName: 'Public'
		});
		const family = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'name', value: { familyName: 'Doe' } })
		);
		expect(family.body).toMatchObject({
			displayName: 'Janet Public',
			name: { formatted: 'Jo Public', givenName: 'Jo', familyName: 'Doe' }
		});
	});

	it('RFC 7643 §4.1.1: name.formatted and displayName are two values, each kept as sent by POST, PUT and PATCH', async () => {
		const userName = email('two');
		const made = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName,
			displayName: 'Babs Jensen',
			name: { formatted: 'Ms. Barbara J Jensen, III' }
		});
		expect(made.body).toMatchObject({
			displayName: 'Babs Jensen',
			name: { formatted: 'Ms. Barbara J Jensen, III' }
		});
		const id = made.body.id as string;
		const put = await call('PUT', `/scim/v2/Users/${id}`, {
			schemas: [USER],
			id,
			userName,
			displayName: 'Barbara',
			name: { formatted: 'Barbara Jensen', givenName: 'Barbara', familyName: 'Jensen' }
		});
		expect(put.body).toMatchObject({
			displayName: 'Barbara',
			name: { formatted: 'Barbara Jensen', givenName: 'Barbara', familyName: 'Jensen' }
		});
		const formatted = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'name.formatted', value: 'Dr. Barbara Jensen' })
		);
		expect(formatted.body).toMatchObject({
			displayName: 'Barbara',
			name: { formatted: 'Dr. Barbara Jensen' }
		});
		const byFormatted = await call(
			'GET',
			`/scim/v2/Users?filter=${encodeURIComponent('name.formatted eq "dr. barbara jensen"')}`
		);
		expect(byFormatted.body.Resources.map((r: Json) => r.id)).toEqual([id]);
		// A formatted name the IdP never sent is filtered as it is shown: from the name parts.
		const parts = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('parts'),
			displayName: 'Shown Otherwise',
			name: { givenName: 'Parted', familyName: `Name${id.slice(0, 6)}` }
		});
		expect(parts.body.name.formatted).toBe(`Parted Name${id.slice(0, 6)}`);
		const byParts = await call(
			'GET',
			`/scim/v2/Users?filter=${encodeURIComponent(`name.formatted eq "parted name${id.slice(0, 6).toLowerCase()}"`)}`
		);
		expect(byParts.body.Resources.map((r: Json) => r.id)).toEqual([parts.body.id]);
	});

	it('RFC 7643 §3.1: meta.created of someone licensed before SCIM is when their license began, before and after the first SCIM write', async () => {
		const early = await licensedBeforeScim('Ada Lovelace');
		const before = await call('GET', `/scim/v2/Users/${early.id}`);
		expect(before.body.meta.created).toBe(new Date(LICENSED_BEFORE_SCIM).toISOString());
		const write = await call(
			'PATCH',
			`/scim/v2/Users/${early.id}`,
			patch({ op: 'replace', path: 'externalId', value: 'okta-ada' })
		);
		expect(write.status).toBe(200);
		expect(write.body.meta.created).toBe(new Date(LICENSED_BEFORE_SCIM).toISOString());
		expect(Date.parse(write.body.meta.lastModified)).toBeGreaterThan(LICENSED_BEFORE_SCIM);
		const filtered = await call(
			'GET',
			`/scim/v2/Users?filter=${encodeURIComponent(`meta.created lt "2024-06-01T00:00:00Z" and userName eq "${early.email}"`)}`
		);
		expect(filtered.body.totalResults).toBe(1);
	});

	it('people licensed before SCIM, or described by one name only, come back with givenName and familyName only where that name is exactly two words or "Family, Given" (Okta checks them on the first listed user); filters on name.givenName and name.familyName match what is returned', async () => {
		const cases: [string, Json][] = [
			['Ada Lovelace', { formatted: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace' }],
			['Grace Brewster Hopper', { formatted: 'Grace Brewster Hopper' }],
			['Public, Jane', { formatted: 'Public, Jane', givenName: 'Jane', familyName: 'Public' }],
			[
				'van der Berg,  Jan Piet',
				{ formatted: 'van der Berg,  Jan Piet', givenName: 'Jan Piet', familyName: 'van der Berg' }
			],
			['Jensen, Barbara, III', { formatted: 'Jensen, Barbara, III' }],
			['Cher', { formatted: 'Cher' }],
			['noreply@conformance.test', { formatted: 'noreply@conformance.test' }]
		];
		const people: [string, string, Json][] = [];
		for (const [name, expected] of cases) {
			const user = await licensedBeforeScim(name);
			people.push([name, user.email, expected]);
			const listed = await call(
				'GET',
				`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${user.email}"`)}&startIndex=1&count=1`
			);
			expect(listed.body.Resources[0].name, name).toEqual(expected);
			expect(listed.body.Resources[0].displayName).toBe(name);
		}
		// One name sent by the IdP (displayName only, or name.formatted only) reads the same way.
		for (const [key, name, expected] of [
			['displayName', 'Mary Ann Smith', { formatted: 'Mary Ann Smith' }],
			[
				'displayName',
				'Doe, John',
				{ formatted: 'Doe, John', givenName: 'John', familyName: 'Doe' }
			],
			[
				'formatted',
				'Alan Turing',
				{ formatted: 'Alan Turing', givenName: 'Alan', familyName: 'Turing' }
			]
		] as const) {
			const userName = email('one');
			const made = await call('POST', '/scim/v2/Users', {
				schemas: [USER],
				userName,
				...(key === 'displayName' ? { displayName: name } : { name: { formatted: name } })
			});
			expect(made.status).toBe(201);
			expect(made.body.name, name).toEqual(expected);
			people.push([name, userName, expected]);
		}
		// Each part is found by the value returned, and only a part that is returned is present.
		for (const [name, userName, expected] of people) {
			for (const part of ['givenName', 'familyName']) {
				const count = async (filter: string) =>
					(
						await call(
							'GET',
							`/scim/v2/Users?filter=${encodeURIComponent(`${filter} and userName eq "${userName}"`)}`
						)
					).body.totalResults;
				const value = expected[part] as string | undefined;
				expect(await count(`name.${part} pr`), `${name}: name.${part} pr`).toBe(value ? 1 : 0);
				if (value) {
					expect(await count(`name.${part} eq "${value}"`), `${name}: ${part}`).toBe(1);
					expect(await count(`name.${part} sw "${value.slice(0, 2)}"`), `${name}: ${part}`).toBe(1);
				}
			}
		}
		// A PATCH of one part keeps the other the split showed (RFC 7644 §3.5.2).
		const split = await licensedBeforeScim('Ada Lovelace');
		const patched = await call(
			'PATCH',
			`/scim/v2/Users/${split.id}`,
			patch({ op: 'replace', path: 'name.givenName', value: 'Augusta' })
		);
		expect(patched.body.name).toMatchObject({ givenName: 'Augusta', familyName: 'Lovelace' });
		const deprovisioned = await call(
			'PATCH',
			`/scim/v2/Users/${split.id}`,
			patch({ op: 'Replace', path: 'active', value: 'False' })
		);
		expect(deprovisioned.body.name).toMatchObject({ givenName: 'Augusta', familyName: 'Lovelace' });
	});

	it('RFC 7644 §3.5.2.2: removing name or displayName is 400 mutability and removes nothing (Roster always keeps a name); a name part can be unassigned', async () => {
		const made = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('keeps'),
			displayName: 'Keeps A Name',
			name: { formatted: 'Keeps Name', givenName: 'Keeps', familyName: 'Name' }
		});
		const id = made.body.id as string;
		for (const path of ['name', 'displayName', 'DisplayName', `${USER}:name`]) {
			const res = await call('PATCH', `/scim/v2/Users/${id}`, patch({ op: 'remove', path }));
			expect(res.status, path).toBe(400);
			expect(res.body).toMatchObject({ status: '400', scimType: 'mutability' });
			expect(res.body.detail).toContain('Roster always keeps a name');
		}
		const nulled = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'replace', path: 'displayName', value: null })
		);
		expect(nulled.status).toBe(400);
		const kept = await call('GET', `/scim/v2/Users/${id}`);
		expect(kept.body).toMatchObject({
			displayName: 'Keeps A Name',
			name: { formatted: 'Keeps Name', givenName: 'Keeps', familyName: 'Name' }
		});
		const unassigned = await call(
			'PATCH',
			`/scim/v2/Users/${id}`,
			patch({ op: 'remove', path: 'name.familyName' })
		);
		expect(unassigned.status).toBe(200);
		expect(unassigned.body.name).toEqual({ formatted: 'Keeps Name', givenName: 'Keeps' });
	});

	it('RFC 7644 §3.4.3: POST /Users/.search, /Groups/.search and /.search answer as the GET lists do, paged across both resource types at the root', async () => {
		const tag = randomUUID().slice(0, 8);
		const ids: string[] = [];
		for (const who of ['a', 'b', 'c']) {
			const made = await call('POST', '/scim/v2/Users', {
				schemas: [USER],
				userName: `${who}.search-${tag}@${domain}`,
				displayName: `search-${tag} ${who}`
			});
			ids.push(made.body.id as string);
		}
		const group = await call('POST', '/scim/v2/Groups', {
			schemas: [GROUP],
			displayName: `search-${tag} group`,
			members: [{ value: ids[0] }]
		});
		const filter = `displayName sw "search-${tag}"`;

		const users = await call('POST', '/scim/v2/Users/.search', {
			schemas: [SEARCH],
			filter,
			startIndex: 2,
			count: 1,
			attributes: ['userName']
		});
		expect(users.status).toBe(200);
		const viaGet = await call(
			'GET',
			`/scim/v2/Users?filter=${encodeURIComponent(filter)}&startIndex=2&count=1&attributes=userName`
		);
		expect(users.body).toEqual(viaGet.body);
		expect(users.body).toMatchObject({ schemas: [LIST], totalResults: 3, itemsPerPage: 1 });
		expect(Object.keys(users.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);

		const groups = await call('POST', '/scim/v2/Groups/.search', {
			schemas: [SEARCH],
			filter,
			excludedAttributes: ['members']
		});
		expect(groups.body.totalResults).toBe(1);
		expect(groups.body.Resources[0]).toMatchObject({ id: group.body.id });
		expect(groups.body.Resources[0]).not.toHaveProperty('members');

		// The root: Users then Groups, one list; a page may span both.
		const root = await call('POST', '/scim/v2/.search', {
			schemas: [SEARCH],
			filter,
			startIndex: 3,
			count: 2
		});
		expect(root.status).toBe(200);
		expect(root.body.totalResults).toBe(4);
		expect(root.body.Resources.map((r: Json) => r.meta && (r.meta as Json).resourceType)).toEqual([
			'User',
			'Group'
		]);
		// An attribute only Users have matches no Group.
		const onlyUsers = await call('POST', '/scim/v2/.search', {
			schemas: [SEARCH],
			filter: `userName sw "a.search-${tag}"`
		});
		expect(onlyUsers.body.totalResults).toBe(1);

		for (const [body, type] of [
			[{ schemas: [SEARCH], filter: 'shoeSize eq "42"' }, 'invalidFilter'],
			[{ schemas: [SEARCH], filter: 'displayName eq' }, 'invalidFilter'],
			[{ schemas: [SEARCH], count: 'ten' }, 'invalidValue'],
			[{ schemas: ['urn:nope'] }, 'invalidValue'],
			[[1, 2], 'invalidSyntax']
		] as const) {
			const res = await call('POST', '/scim/v2/.search', body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.scimType).toBe(type);
		}
		expect((await call('GET', '/scim/v2/Users/.search')).status).toBe(405);
	});

	it('group membership and seats (decision): a group add never takes a seat, so an inactive unlicensed user joins without one; deactivation removes the license and keeps team memberships, and reactivation takes a seat again (R6, R7, R22)', async () => {
		const seatsUsed = async () =>
			Number(
				(
					await t.database.db
						.selectFrom('licenses')
						.select((eb) => eb.fn.countAll<number>().as('n'))
						.where('enterprise_id', '=', ent.id)
						.executeTakeFirstOrThrow()
				).n
			);
		const inactive = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('inactive'),
			active: false
		});
		expect(inactive.status).toBe(201);
		const inactiveID = inactive.body.id as string;
		const group = await call('POST', '/scim/v2/Groups', {
			schemas: [GROUP],
			displayName: `Seatless ${randomUUID().slice(0, 8)}`
		});
		const groupID = group.body.id as string;
		const used = await seatsUsed();
		const added = await call(
			'PATCH',
			`/scim/v2/Groups/${groupID}`,
			patch({ op: 'add', path: 'members', value: [{ value: inactiveID }] })
		);
		expect(added.status).toBe(204);
		expect(await licensed(inactiveID)).toBe(false);
		expect(await seatsUsed()).toBe(used);
		const members = (await call('GET', `/scim/v2/Groups/${groupID}`)).body.members as Json[];
		expect(members.map((m) => m.value)).toEqual([inactiveID]);

		// Deactivation: the license goes, the membership stays (the IdP's group still lists them).
		const active = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('leaver'),
			active: true
		});
		const activeID = active.body.id as string;
		await call(
			'PATCH',
			`/scim/v2/Groups/${groupID}`,
			patch({ op: 'add', path: 'members', value: [{ value: activeID }] })
		);
		expect(await licensed(activeID)).toBe(true);
		await call(
			'PATCH',
			`/scim/v2/Users/${activeID}`,
			patch({ op: 'Replace', path: 'active', value: 'False' })
		);
		expect(await licensed(activeID)).toBe(false);
		const after = (await call('GET', `/scim/v2/Groups/${groupID}`)).body.members as Json[];
		expect(after.map((m) => m.value).sort()).toEqual([inactiveID, activeID].sort());
		await call(
			'PATCH',
			`/scim/v2/Users/${activeID}`,
			patch({ op: 'replace', path: 'active', value: true })
		);
		expect(await licensed(activeID)).toBe(true);
	});

	it('R22, R25: the console cannot rename, delete or change the members of a team SCIM manages, nor invite into it; the refusal names the identity provider, and later changes in the same push still apply', async () => {
		const person = await call('POST', '/scim/v2/Users', {
			schemas: [USER],
			userName: email('member'),
			active: true
		});
		const personID = person.body.id as string;
		const name = `Pushed ${randomUUID().slice(0, 8)}`;
		const group = await call('POST', '/scim/v2/Groups', {
			schemas: [GROUP],
			displayName: name,
			members: [{ value: personID }]
		});
		const teamID = group.body.id as string;
		const manual = randomUUID();
		const out = await push(
			t.database,
			{
				enterpriseID: ent.id,
				clientGroupID: 'g',
				clientID: `c-${randomUUID()}`,
				mutations: [
					{ name: 'renameTeam', args: { teamID, name: 'Renamed here' } },
					{ name: 'addTeamMember', args: { teamID, userID: owner.userID } },
					{ name: 'removeTeamMember', args: { teamID, userID: personID } },
					{ name: 'deleteTeam', args: { teamID } },
					{
						name: 'inviteUser',
						args: { inviteID: randomUUID(), email: email('invitee'), teamIDs: [teamID] }
					},
					{ name: 'createTeam', args: { teamID: manual, name: `Manual ${manual.slice(0, 8)}` } }
				].map((m, i) => ({ id: i + 1, ...m, createdAt: Date.now() }))
			},
			owner
		);
		if (!out.ok) throw new Error(JSON.stringify(out.body));
		const results = out.results as PushResult[];
		expect(results.slice(0, 5).map((r) => r.code)).toEqual(Array(5).fill('SCIM_MANAGED'));
		for (const r of results.slice(0, 5)) {
			expect(r.message).toMatch(new RegExp(`^${name} is managed by your identity provider\\.`));
			expect(r.message).toContain('there; Roster follows it.');
		}
		expect(results[5]!.status).toBe('applied');

		const read = await call('GET', `/scim/v2/Groups/${teamID}`);
		expect(read.body.displayName).toBe(name);
		expect((read.body.members as Json[]).map((m) => m.value)).toEqual([personID]);
	});
});
