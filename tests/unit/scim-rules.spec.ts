import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, invite, license, makeEmptyEnterprise, makeUser } from './support/factories';
import { installToken, scim } from './support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const DAY = 86_400_000;
// The domains these specs provision people on, verified for each enterprise that has a token (R25).
const DOMAINS = ['acme.test', 'globex.test', 'filter.test', 'y.test', 'example.test'];

const userBody = (email: string, extra: Record<string, unknown> = {}) => ({
	schemas: [USER],
	userName: email,
	name: { givenName: 'Ada', familyName: 'Lovelace' },
	emails: [{ primary: true, value: email, type: 'work' }],
	active: true,
	...extra
});

describe.each(dialects)('SCIM rules on %s', (dialect) => {
	let t: TestDb;

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R6: with no free seat, creating a user is a SCIM error that says how many seats are needed and free', async () => {
		const ent = await makeEmptyEnterprise(t.database, { seats: 2 });
		const token = await installToken(t.database, ent.id, { domains: DOMAINS });
		const licensed = await makeUser(t.database);
		await license(t.database, ent.id, licensed.id);
		await invite(t.database, ent.id, { sentAt: Date.now() }); // a pending invite holds the second seat (R4)
		const email = `no.seat.${randomUUID()}@acme.test`;
		const res = await scim('POST', '/scim/v2/Users', { token, body: userBody(email) });
		expect(res.status).toBe(403);
		expect(res.body.schemas).toEqual([ERROR]);
		expect(res.body.status).toBe('403');
		expect(res.body.detail).toMatch(/NEEDS_TO_INCREASE_SEATS/);
		expect(res.body.detail).toMatch(/2 of 2 used; 1 needed, 0 free/);
		// Nothing half-made: no account, no SCIM record.
		const person = await t.database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', email)
			.executeTakeFirst();
		expect(person).toBeUndefined();
		// Created inactive, the person takes no seat; activating them later hits the same rule.
		const inactive = await scim('POST', '/scim/v2/Users', {
			token,
			body: userBody(email, { active: false })
		});
		expect(inactive.status).toBe(201);
		const activate = await scim('PATCH', `/scim/v2/Users/${inactive.body.id}`, {
			token,
			body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] }
		});
		expect(activate.status).toBe(403);
		expect(activate.body.detail).toMatch(/1 needed, 0 free/);
	});

	it('R6: an invitee provisioned by SCIM takes the seat their invite held', async () => {
		const ent = await makeEmptyEnterprise(t.database, { seats: 1 });
		const token = await installToken(t.database, ent.id, { domains: DOMAINS });
		const email = `invited.${randomUUID()}@acme.test`;
		await invite(t.database, ent.id, { email, sentAt: Date.now() });
		const res = await scim('POST', '/scim/v2/Users', { token, body: userBody(email) });
		expect(res.status).toBe(201);
		const invites = await t.database.db
			.selectFrom('invites')
			.select('id')
			.where('enterprise_id', '=', ent.id)
			.execute();
		expect(invites).toEqual([]);
	});

	it('R22, R3: a person already in the user base is linked, not duplicated; a manually licensed one is 409', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const token = await installToken(t.database, ent.id, { domains: DOMAINS });
		const existing = await makeUser(t.database, { email: `Known.${randomUUID()}@acme.test` });
		const res = await scim('POST', '/scim/v2/Users', {
			token,
			body: userBody(existing.email.toLowerCase())
		});
		expect(res.status).toBe(201);
		expect(res.body.id).toBe(existing.id);
		const manual = await makeUser(t.database);
		await license(t.database, ent.id, manual.id);
		const dup = await scim('POST', '/scim/v2/Users', { token, body: userBody(manual.email) });
		expect(dup.status).toBe(409);
		expect(dup.body.scimType).toBe('uniqueness');
	});

	it('R22, R8: SCIM never removes a license given by hand, nor the owner', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const token = await installToken(t.database, ent.id, { domains: DOMAINS });
		const manual = await makeUser(t.database);
		await license(t.database, ent.id, manual.id);
		const owner = await makeUser(t.database);
		await license(t.database, ent.id, owner.id);
		await grantRole(t.database, ent.id, owner.id, 'owner');
		for (const u of [manual, owner]) {
			const off = await scim('PATCH', `/scim/v2/Users/${u.id}`, {
				token,
				body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }
			});
			expect(off.status).toBe(200);
			expect((await scim('DELETE', `/scim/v2/Users/${u.id}`, { token })).status).toBe(204);
		}
		const left = await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', ent.id)
			.execute();
		expect(left.map((l) => l.user_id).sort()).toEqual([manual.id, owner.id].sort());
	});

	it('R1: a token reaches only its own enterprise: users, groups, filters, patches, deletes', async () => {
		const mine = await makeEmptyEnterprise(t.database);
		const theirs = await makeEmptyEnterprise(t.database);
		const myToken = await installToken(t.database, mine.id, { domains: DOMAINS });
		const theirToken = await installToken(t.database, theirs.id, { domains: DOMAINS });
		const theirUser = (
			await scim('POST', '/scim/v2/Users', {
				token: theirToken,
				body: userBody(`theirs.${randomUUID()}@globex.test`)
			})
		).body;
		const theirGroup = (
			await scim('POST', '/scim/v2/Groups', {
				token: theirToken,
				body: { displayName: 'Their team', members: [{ value: theirUser.id }] }
			})
		).body;
		const manualTeam = randomUUID();
		await t.database.db
			.insertInto('teams')
			.values({
				id: manualTeam,
				enterprise_id: mine.id,
				name: 'Manual',
				name_key: 'manual',
				source: 'manual',
				external_id: null,
				created_at: 1
			})
			.execute();
		const mineOnly = { token: myToken };
		expect((await scim('GET', `/scim/v2/Users/${theirUser.id}`, mineOnly)).status).toBe(404);
		expect((await scim('GET', `/scim/v2/Groups/${theirGroup.id}`, mineOnly)).status).toBe(404);
		// Manual teams are not SCIM groups (R22).
		expect((await scim('GET', `/scim/v2/Groups/${manualTeam}`, mineOnly)).status).toBe(404);
		const list = await scim(
			'GET',
			`/scim/v2/Users?filter=userName eq "${theirUser.userName}"`,
			mineOnly
		);
		expect(list.body.totalResults).toBe(0);
		expect((await scim('GET', '/scim/v2/Groups', mineOnly)).body.totalResults).toBe(0);
		const patch = await scim('PATCH', `/scim/v2/Users/${theirUser.id}`, {
			...mineOnly,
			body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }
		});
		expect(patch.status).toBe(404);
		expect((await scim('DELETE', `/scim/v2/Groups/${theirGroup.id}`, mineOnly)).status).toBe(404);
		expect((await scim('DELETE', `/scim/v2/Users/${theirUser.id}`, mineOnly)).status).toBe(404);
		// Their user cannot be put into my group either.
		const myGroup = (
			await scim('POST', '/scim/v2/Groups', { ...mineOnly, body: { displayName: 'Mine' } })
		).body;
		const add = await scim('PATCH', `/scim/v2/Groups/${myGroup.id}`, {
			...mineOnly,
			body: {
				schemas: [PATCH_OP],
				Operations: [{ op: 'add', path: 'members', value: [{ value: theirUser.id }] }]
			}
		});
		expect(add.status).toBe(400);
		expect(add.body.scimType).toBe('invalidValue');
		// Their data is untouched.
		const still = await scim('GET', `/scim/v2/Groups/${theirGroup.id}`, { token: theirToken });
		expect(still.body.members.map((m: { value: string }) => m.value)).toEqual([theirUser.id]);
		// Their request log has only their own requests.
		const logged = await t.database.db
			.selectFrom('scim_requests')
			.select('path')
			.where('enterprise_id', '=', theirs.id)
			.execute();
		expect(logged.every((r) => !r.path.includes(myGroup.id))).toBe(true);
	});

	it('R23: missing, wrong, revoked and expired tokens, and a disabled SCIM, get 401 with a SCIM error body', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const expired = await installToken(t.database, ent.id, { expiresAt: Date.now() - 1000 });
		const revoked = await installToken(t.database, ent.id, { revoked: true });
		const live = await installToken(t.database, ent.id, { expiresAt: Date.now() + 30 * DAY });
		const cases: [string, Parameters<typeof scim>[2]][] = [
			['missing', {}],
			['wrong', { token: 'not-a-token' }],
			['basic', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }],
			['revoked', { token: revoked }],
			['expired', { token: expired }]
		];
		for (const [why, opts] of cases) {
			for (const path of [
				'/scim/v2/Users',
				'/scim/v2/Groups',
				'/scim/v2/ServiceProviderConfig',
				'/scim/v2/Nope'
			]) {
				const res = await scim('GET', path, opts);
				expect(res.status, `${why} ${path}`).toBe(401);
				expect(res.body).toMatchObject({ schemas: [ERROR], status: '401' });
				expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
			}
		}
		expect((await scim('GET', '/scim/v2/Users', { token: expired })).body.detail).toMatch(
			/expired/
		);
		expect((await scim('GET', '/scim/v2/Users', { token: live })).status).toBe(200);
		await t.database.db
			.updateTable('enterprises')
			.set({ scim_enabled: 0 })
			.where('id', '=', ent.id)
			.execute();
		expect((await scim('GET', '/scim/v2/Users', { token: live })).status).toBe(401);
	});

	it('R23: POST /.search, /Users/.search and /Groups/.search without a token, or with a wrong, revoked or expired one, answer 401 with a SCIM error body and find nothing', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const live = await installToken(t.database, ent.id, { domains: DOMAINS });
		const expired = await installToken(t.database, ent.id, { expiresAt: Date.now() - 1000 });
		const revoked = await installToken(t.database, ent.id, { revoked: true });
		const email = `searched.${randomUUID().slice(0, 8)}@example.test`;
		expect(
			(await scim('POST', '/scim/v2/Users', { token: live, body: userBody(email) })).status
		).toBe(201);
		for (const path of ['/scim/v2/.search', '/scim/v2/Users/.search', '/scim/v2/Groups/.search']) {
			const body = {
				schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
				filter: path.includes('Groups') ? 'displayName pr' : `userName eq "${email}"`
			};
			const cases: [string, Parameters<typeof scim>[2]][] = [
				['missing', { body }],
				['wrong', { token: 'not-a-token', body }],
				['basic', { body, headers: { authorization: 'Basic dXNlcjpwYXNz' } }],
				['revoked', { token: revoked, body }],
				['expired', { token: expired, body }]
			];
			for (const [why, opts] of cases) {
				const res = await scim('POST', path, opts);
				expect(res.status, `${why} ${path}`).toBe(401);
				expect(res.body).toMatchObject({ schemas: [ERROR], status: '401' });
				expect(res.body).not.toHaveProperty('Resources');
				expect(JSON.stringify(res.body)).not.toContain(email);
				expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
			}
			// The same search with the enterprise's token answers.
			expect((await scim('POST', path, { token: live, body })).status, path).toBe(200);
		}
	});

	it('R23: every request is logged (method, path, status, time), the last 100 per enterprise', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const token = await installToken(t.database, ent.id, { domains: DOMAINS });
		for (let i = 0; i < 104; i++)
			await scim('GET', `/scim/v2/Users?count=1&startIndex=${i + 1}`, { token });
		await scim('GET', '/scim/v2/Users/nope', { token });
		const rows = await t.database.db
			.selectFrom('scim_requests')
			.select(['method', 'path', 'status', 'at'])
			.where('enterprise_id', '=', ent.id)
			.orderBy('id', 'desc')
			.execute();
		expect(rows).toHaveLength(100);
		expect(rows[0]).toMatchObject({ method: 'GET', path: '/scim/v2/Users/nope', status: 404 });
		expect(rows[1]!.path).toBe('/scim/v2/Users?count=1&startIndex=104');
	});

	describe('filters translated to SQL', () => {
		let token: string;
		const ids: Record<string, string> = {};
		const find = async (filter: string) => {
			const res = await scim(
				'GET',
				`/scim/v2/Users?filter=${encodeURIComponent(filter)}&count=1000`,
				{ token }
			);
			expect(res.status, `${filter}: ${JSON.stringify(res.body)}`).toBe(200);
			return (res.body.Resources as { userName: string }[])
				.map((r) => r.userName.split('@')[0])
				.sort();
		};
		beforeAll(async () => {
			const ent = await makeEmptyEnterprise(t.database);
			token = await installToken(t.database, ent.id, { domains: DOMAINS });
			for (const [local, given, display, active, ext] of [
				['alice', 'Alice', 'Alice Admin', true, 'ext-1'],
				['bob', 'Bob', 'Bob Builder', true, null],
				['carol', 'Carol', 'Carol 100% Sure', false, 'EXT-3'],
				['dave_x', 'Dave', 'Dave', true, null]
			] as const) {
				const res = await scim('POST', '/scim/v2/Users', {
					token,
					body: userBody(`${local}@Filter.test`, {
						name: { givenName: given, familyName: 'F' },
						displayName: display,
						active,
						...(ext ? { externalId: ext } : {})
					})
				});
				ids[local] = res.body.id;
			}
		});

		it('eq ne co sw ew pr gt ge lt le, case-insensitive on userName, emails.value and displayName', async () => {
			expect(await find('userName eq "ALICE@filter.TEST"')).toEqual(['alice']);
			expect(await find('emails.value eq "bob@filter.test"')).toEqual(['bob']);
			expect(await find('emails eq "bob@filter.test"')).toEqual(['bob']);
			expect(await find('emails[type eq "work" and value co "CAROL"]')).toEqual(['carol']);
			expect(await find('displayName co "builder"')).toEqual(['bob']);
			expect(await find('displayName co "100%"')).toEqual(['carol']);
			expect(await find('userName sw "da"')).toEqual(['dave_x']);
			expect(await find('userName sw "d_"')).toEqual([]); // "_" is literal, not a wildcard
			expect(await find('userName ew "E_X@FILTER.TEST"')).toEqual(['dave_x']);
			expect(await find('userName ne "alice@filter.test"')).toEqual(['bob', 'carol', 'dave_x']);
			expect(await find('externalId pr')).toEqual(['alice', 'carol']);
			expect(await find('externalId eq "ext-3"')).toEqual([]); // externalId is caseExact
			expect(await find('userName gt "bob@filter.test"')).toEqual(['carol', 'dave_x']);
			expect(await find('userName ge "bob@filter.test"')).toEqual(['bob', 'carol', 'dave_x']);
			expect(await find('userName lt "bob@filter.test"')).toEqual(['alice']);
			expect(await find('userName le "bob@filter.test"')).toEqual(['alice', 'bob']);
			expect(await find('name.givenName eq "dave"')).toEqual(['dave_x']);
			expect(await find('active eq false')).toEqual(['carol']);
			expect(await find('meta.created gt "2000-01-01T00:00:00Z"')).toHaveLength(4);
			expect(await find('meta.lastModified lt "2000-01-01T00:00:00Z"')).toEqual([]);
			expect(await find(`id eq "${ids.bob}"`)).toEqual(['bob']);
			expect(await find(`${USER}:userName eq "bob@filter.test"`)).toEqual(['bob']);
		});

		it('RFC 7643 §2.2: co, sw and ew on caseExact attributes (id, externalId, manager.value) are case-exact, as eq is, on SQLite as on PostgreSQL', async () => {
			expect(await find('externalId co "EXT"')).toEqual(['carol']);
			expect(await find('externalId co "xt"')).toEqual(['alice']);
			expect(await find('externalId sw "ext"')).toEqual(['alice']);
			expect(await find('externalId sw "EXT-"')).toEqual(['carol']);
			expect(await find('externalId ew "T-3"')).toEqual(['carol']);
			expect(await find('externalId ew "t-3"')).toEqual([]);
			expect(await find('externalId ew "ext-1"')).toEqual(['alice']);
			expect(await find('externalId ew "xext-1"')).toEqual([]);
			// Literal characters, never wildcards; an empty value is in every value.
			expect(await find('externalId co "%"')).toEqual([]);
			expect(await find('externalId sw "_"')).toEqual([]);
			expect(await find('externalId co ""')).toEqual(['alice', 'carol']);
			const idPrefix = ids.bob!.slice(0, 8);
			expect(await find(`id sw "${idPrefix}"`)).toEqual(['bob']);
			if (/[a-f]/.test(idPrefix))
				expect(await find(`id sw "${idPrefix.toUpperCase()}"`)).toEqual([]);
			expect(await find(`id ew "${ids.bob!.slice(-6)}"`)).toEqual(['bob']);
			expect(await find(`id co "${ids.bob!.slice(10, 20)}"`)).toEqual(['bob']);
			const patched = await scim('PATCH', `/scim/v2/Users/${ids.dave_x}`, {
				token,
				body: {
					schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
					Operations: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'Mgr-AbC' }]
				}
			});
			expect(patched.status).toBe(200);
			expect(await find(`${ENTERPRISE}:manager.value co "AbC"`)).toEqual(['dave_x']);
			expect(await find(`${ENTERPRISE}:manager.value co "abc"`)).toEqual([]);
			expect(await find(`${ENTERPRISE}:manager.value sw "mgr"`)).toEqual([]);
			// Attributes that are not caseExact stay case-insensitive.
			expect(await find('displayName sw "ALICE"')).toEqual(['alice']);
		});

		it('and, or, not and parentheses', async () => {
			expect(await find('userName sw "a" or userName sw "b"')).toEqual(['alice', 'bob']);
			expect(
				await find('active eq true and (displayName co "admin" or displayName co "dave")')
			).toEqual(['alice', 'dave_x']);
			expect(await find('not (userName sw "a") and active eq true')).toEqual(['bob', 'dave_x']);
			expect(
				await find('(userName sw "a" or userName sw "c") and not (externalId eq "ext-1")')
			).toEqual(['carol']);
		});

		it('malformed or unknown filters are 400 invalidFilter, never 500', async () => {
			for (const filter of [
				'userName eq',
				'userName eq "unterminated',
				'userName xx "a"',
				'nickName eq "a"',
				'foo.bar pr',
				'(userName eq "a"',
				'userName eq "a" and',
				'active eq "maybe"',
				'meta.created gt "not a date"',
				'userName gt 5',
				'emails[type eq "work"',
				'a'.repeat(5000),
				'((((((((((((((((((((((((((((((((((((((((((((((((((((((((userName eq "a"))))))))))))))))))))))))))))))))))))))))))))))))))))))'
			]) {
				const res = await scim('GET', `/scim/v2/Users?filter=${encodeURIComponent(filter)}`, {
					token
				});
				expect(res.status, filter.slice(0, 60)).toBe(400);
				expect(res.body).toMatchObject({
					schemas: [ERROR],
					status: '400',
					scimType: 'invalidFilter'
				});
			}
		});
	});

	it('malformed bodies, paths and parameters are 4xx SCIM errors, never 500', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const token = await installToken(t.database, ent.id, { domains: DOMAINS });
		const u = (
			await scim('POST', '/scim/v2/Users', { token, body: userBody(`m.${randomUUID()}@acme.test`) })
		).body;
		const g = (
			await scim('POST', '/scim/v2/Groups', { token, body: { displayName: `G ${randomUUID()}` } })
		).body;
		const bad: [string, string, Parameters<typeof scim>[2], number, string?][] = [
			['POST', '/scim/v2/Users', { raw: '{not json' }, 400, 'invalidSyntax'],
			['POST', '/scim/v2/Users', { raw: '' }, 400, 'invalidSyntax'],
			['POST', '/scim/v2/Users', { body: [] }, 400, 'invalidSyntax'],
			['POST', '/scim/v2/Users', { body: { userName: 'not-an-email' } }, 400, 'invalidValue'],
			['POST', '/scim/v2/Users', { body: { userName: 42 } }, 400, 'invalidValue'],
			[
				'POST',
				'/scim/v2/Users',
				{ body: { userName: 'x@y.test', active: 'perhaps' } },
				400,
				'invalidValue'
			],
			[
				'POST',
				'/scim/v2/Users',
				{ body: { userName: 'x@y.test', name: { givenName: 7 } } },
				400,
				'invalidValue'
			],
			[
				'POST',
				'/scim/v2/Users',
				{ raw: JSON.stringify({ userName: 'a\u0000b@y.test' }) },
				400,
				'invalidValue'
			],
			// The work email may become the sign-in email: no control characters in it either (R26).
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{
					body: {
						Operations: [
							{ op: 'replace', path: 'emails[type eq "work"].value', value: 'a\u0001b@acme.test' }
						]
					}
				},
				400,
				'invalidValue'
			],
			[
				'POST',
				'/scim/v2/Users',
				{ body: { userName: 'c1\u0085x@acme.test' } },
				400,
				'invalidValue'
			],
			// A group is a team: its name and externalId never hold control characters (R26).
			['POST', '/scim/v2/Groups', { body: { displayName: 'Line\nbreak' } }, 400, 'invalidValue'],
			['POST', '/scim/v2/Groups', { raw: '{"displayName":"N\\u0000L"}' }, 400, 'invalidValue'],
			[
				'POST',
				'/scim/v2/Groups',
				{ body: { displayName: 'Tabs', externalId: 'a\tb' } },
				400,
				'invalidValue'
			],
			['POST', '/scim/v2/Users', { raw: 'x'.repeat(2_100_000) }, 413],
			['PATCH', `/scim/v2/Users/${u.id}`, { body: { Operations: [] } }, 400, 'invalidSyntax'],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'explode' }] } },
				400,
				'invalidSyntax'
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'remove' }] } },
				400,
				'noTarget'
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'replace', value: 5 }] } },
				400,
				'invalidValue'
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'replace', path: 'shoeSize', value: 5 }] } },
				400,
				'invalidPath'
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'replace', path: 'active', value: 'sure' }] } },
				400,
				'invalidValue'
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'replace', path: 'userName', value: 'nope' }] } },
				400,
				'invalidValue'
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'replace', path: 'emails[type eq', value: 'a' }] } },
				400
			],
			[
				'PATCH',
				`/scim/v2/Users/${u.id}`,
				{ body: { Operations: [{ op: 'replace', path: 7, value: 'a' }] } },
				400,
				'invalidPath'
			],
			[
				'PATCH',
				`/scim/v2/Groups/${g.id}`,
				{ body: { Operations: [{ op: 'add', path: 'members', value: [{ nope: 1 }] }] } },
				400,
				'invalidValue'
			],
			[
				'PATCH',
				`/scim/v2/Groups/${g.id}`,
				{ body: { Operations: [{ op: 'remove', path: 'members[display eq "x"]' }] } },
				400,
				'invalidFilter'
			],
			[
				'PATCH',
				`/scim/v2/Groups/${g.id}`,
				{ body: { Operations: [{ op: 'remove', path: 'members[value eq' }] } },
				400
			],
			[
				'PATCH',
				`/scim/v2/Groups/${g.id}`,
				{ body: { Operations: [{ op: 'replace', path: 'displayName', value: '' }] } },
				400,
				'invalidValue'
			],
			[
				'PATCH',
				`/scim/v2/Groups/${g.id}`,
				{ body: { Operations: [{ op: 'replace', path: 'owner', value: 'x' }] } },
				400,
				'invalidPath'
			],
			['POST', '/scim/v2/Groups', { body: { displayName: '   ' } }, 400, 'invalidValue'],
			[
				'POST',
				'/scim/v2/Groups',
				{ body: { displayName: 'X', members: [{ value: 'no-such-user' }] } },
				400,
				'invalidValue'
			],
			[
				'POST',
				'/scim/v2/Groups',
				{ body: { displayName: g.displayName.toUpperCase() } },
				409,
				'uniqueness'
			],
			['GET', '/scim/v2/Users?count=abc', {}, 400, 'invalidValue'],
			['GET', `/scim/v2/Users/${'x'.repeat(5000)}`, {}, 404],
			['GET', '/scim/v2/Users/%00', {}, 404],
			['GET', '/scim/v2/Bulk', {}, 404],
			['POST', '/scim/v2/Schemas', { body: {} }, 405],
			['DELETE', '/scim/v2/Users', {}, 405],
			['PUT', `/scim/v2/Users/${randomUUID()}`, { body: userBody('x@y.test') }, 404]
		];
		for (const [method, path, opts, status, scimType] of bad) {
			const res = await scim(method, path, { token, ...opts });
			const what = `${method} ${path.slice(0, 60)} ${JSON.stringify(opts).slice(0, 100)}`;
			expect(res.status, `${what} → ${JSON.stringify(res.body)}`).toBe(status);
			expect(res.body.schemas, what).toEqual([ERROR]);
			if (scimType) expect(res.body.scimType, what).toBe(scimType);
		}
		// Paging parameters out of range are clamped as RFC 7644 says, not refused.
		const clamped = await scim('GET', '/scim/v2/Users?startIndex=-5&count=-1', { token });
		expect(clamped.body).toMatchObject({ startIndex: 1, itemsPerPage: 0, Resources: [] });
	});
});
