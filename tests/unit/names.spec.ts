import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, setDb } from '../../src/lib/server/db';
import { migrations } from '../../src/lib/server/db/migrations';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import type { PushResult } from '../../src/lib/domain/sync/protocol';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, makeEmptyEnterprise, makeOrg, makeUser } from './support/factories';
import { installToken, scim } from './support/scim-client';

// R26: team and organization names are 1–100 characters after trimming and unique within an
// enterprise, compared case-insensitively: the shared mutators refuse a taken name (in the
// browser and on the server), SCIM answers 409 uniqueness, and the database keeps it true for
// whatever gets past them. On SQLite and, with TEST_DATABASE_URL, PostgreSQL.

let t: TestDb | undefined;
afterEach(async () => {
	setDb(undefined);
	await t?.drop();
	t = undefined;
});

async function enterpriseWithOwner(database: TestDb['database']) {
	const e = await makeEmptyEnterprise(database);
	const owner = await makeUser(database);
	await grantRole(database, e.id, owner.id, 'owner');
	return { ...e, owner: { userID: owner.id, role: 'owner' as const } satisfies Pusher };
}

let client = 0;
async function run(
	database: TestDb['database'],
	who: Pusher,
	enterpriseID: string,
	mutations: { name: string; args: unknown }[]
): Promise<PushResult[]> {
	const out = await push(
		database,
		{
			enterpriseID,
			clientGroupID: 'g',
			clientID: `names-${++client}`,
			mutations: mutations.map((m, i) => ({ id: i + 1, ...m, createdAt: Date.now() }))
		},
		who
	);
	if (!out.ok) throw new Error(`push refused: ${JSON.stringify(out.body)}`);
	return out.results;
}

async function teamNames(database: TestDb['database'], enterpriseID: string) {
	const rows = await database.db
		.selectFrom('teams')
		.select('name')
		.where('enterprise_id', '=', enterpriseID)
		.execute();
	return rows.map((r) => r.name).sort();
}

describe.each(dialects)('team and organization names on %s', (dialect) => {
	it('R26: two consoles that both created "Platform" offline: the server keeps the first and refuses the second with a message naming the team; another enterprise may use the name', async () => {
		t = await createTestDb(dialect);
		const { database } = t;
		const acme = await enterpriseWithOwner(database);
		const other = await enterpriseWithOwner(database);
		const first = await run(database, acme.owner, acme.id, [
			{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Platform' } }
		]);
		expect(first.map((r) => r.status)).toEqual(['applied']);
		const second = await run(database, acme.owner, acme.id, [
			{ name: 'createTeam', args: { teamID: randomUUID(), name: '  platform ' } },
			{ name: 'createOrg', args: { orgID: randomUUID(), name: 'Platform' } }
		]);
		expect(second[0]).toMatchObject({
			status: 'rejected',
			code: 'ALREADY_EXISTS',
			message: 'a team named “Platform” already exists; choose another name'
		});
		// An organization is named apart from teams.
		expect(second[1]?.status).toBe('applied');
		expect(await teamNames(database, acme.id)).toEqual(['Platform']);
		const elsewhere = await run(database, other.owner, other.id, [
			{ name: 'createTeam', args: { teamID: randomUUID(), name: 'PLATFORM' } }
		]);
		expect(elsewhere.map((r) => r.status)).toEqual(['applied']);
	});

	it('R26: a rename onto another organization’s name is refused; onto its own name in another case it is applied', async () => {
		t = await createTestDb(dialect);
		const { database } = t;
		const acme = await enterpriseWithOwner(database);
		const engineering = await makeOrg(database, acme.id, 'Engineering');
		const product = await makeOrg(database, acme.id, 'Product');
		const results = await run(database, acme.owner, acme.id, [
			{ name: 'renameOrg', args: { orgID: product, name: 'ENGINEERING' } },
			{ name: 'renameOrg', args: { orgID: engineering, name: 'engineering' } }
		]);
		expect(results.map((r) => r.code ?? r.status)).toEqual(['ALREADY_EXISTS', 'applied']);
		const names = await database.db
			.selectFrom('organizations')
			.select('name')
			.where('enterprise_id', '=', acme.id)
			.execute();
		expect(names.map((n) => n.name).sort()).toEqual(['Product', 'engineering']);
	});

	it('R26: the database refuses a second team with the same name in an enterprise, whatever writes it', async () => {
		t = await createTestDb(dialect);
		const { database } = t;
		const acme = await enterpriseWithOwner(database);
		const row = (name: string) => ({
			id: randomUUID(),
			enterprise_id: acme.id,
			name,
			name_key: name.toLowerCase(),
			source: 'manual' as const,
			external_id: null,
			created_at: 1
		});
		await database.db.insertInto('teams').values(row('Platform')).execute();
		await expect(database.db.insertInto('teams').values(row('PLATFORM')).execute()).rejects.toThrow(
			/unique/i
		);
	});

	it('R26: an identity provider cannot push a group named like a console team, in any case, nor rename a group onto it (409 uniqueness); names over 100 characters are refused', async () => {
		t = await createTestDb(dialect);
		const { database } = t;
		setDb(database);
		const acme = await enterpriseWithOwner(database);
		const token = await installToken(database, acme.id);
		await run(database, acme.owner, acme.id, [
			{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Platform' } }
		]);
		const taken = await scim('POST', '/scim/v2/Groups', {
			token,
			body: {
				schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
				displayName: 'platform'
			}
		});
		expect(taken.status).toBe(409);
		expect(taken.body.scimType).toBe('uniqueness');
		const okta = await scim('POST', '/scim/v2/Groups', {
			token,
			body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Okta' }
		});
		expect(okta.status).toBe(201);
		const rename = await scim('PATCH', `/scim/v2/Groups/${okta.body.id}`, {
			token,
			body: {
				schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
				Operations: [{ op: 'replace', path: 'displayName', value: 'PLATFORM' }]
			}
		});
		expect(rename.status).toBe(409);
		expect(rename.body.scimType).toBe('uniqueness');
		const long = await scim('POST', '/scim/v2/Groups', {
			token,
			body: {
				schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
				displayName: 'x'.repeat(101)
			}
		});
		expect(long.status).toBe(400);
		expect(await teamNames(database, acme.id)).toEqual(['Okta', 'Platform']);
	});

	it('R26: migrating names that already collide keeps the identity provider\'s and then the oldest, renames the others "Name (2)", "Name (3)", audited, and consoles receive the renames', async () => {
		t = await createTestDb(dialect, { migrated: false });
		const { database } = t;
		const to0014 = await new Migrator({
			db: database.db,
			provider: { getMigrations: async () => migrations(dialect) }
		}).migrateTo('0014_activity_indexes');
		expect(to0014.error).toBeUndefined();
		const acme = await enterpriseWithOwner(database);
		const other = await enterpriseWithOwner(database);
		const insert = (enterpriseID: string, name: string, at: number) =>
			sql`insert into teams (id, enterprise_id, name, source, external_id, version, created_at)
				values (${randomUUID()}, ${enterpriseID}, ${name}, 'manual', null, 0, ${at})`.execute(database.db);
		// The identity provider's team keeps its name; the older console team gives way.
		await sql`insert into teams (id, enterprise_id, name, source, external_id, version, created_at)
			values (${randomUUID()}, ${acme.id}, 'Okta', 'scim', 'ext-okta', 0, 6)`.execute(database.db);
		await insert(acme.id, 'okta', 0);
		await insert(acme.id, 'Platform', 1);
		await insert(acme.id, 'platform', 2);
		await insert(acme.id, 'PLATFORM ', 3);
		// "Platform (2)" is taken already: the second copy becomes "(3)", the third "(4)".
		await insert(acme.id, 'Platform (2)', 4);
		await insert(other.id, 'Platform', 5);
		await sql`insert into organizations (id, enterprise_id, name, version, created_at)
			values (${randomUUID()}, ${acme.id}, 'Data', 0, 1), (${randomUUID()}, ${acme.id}, 'DATA', 0, 2)`.execute(
			database.db
		);
		// The console has synced some changes since the seed: its cookie is the enterprise's version.
		// (Today's pull reads columns of later migrations, so the cookie is the version itself.)
		await sql`update enterprises set version = 5 where id = ${acme.id}`.execute(database.db);
		const before = { cookie: 5 };

		await migrate(database);

		expect(await teamNames(database, acme.id)).toEqual([
			'Okta',
			'PLATFORM (4)',
			'Platform',
			'Platform (2)',
			'okta (2)',
			'platform (3)'
		]);
		expect(await teamNames(database, other.id)).toEqual(['Platform']);
		const since = await pull(database, {
			enterpriseID: acme.id,
			clientID: `before-${dialect}`,
			userID: acme.owner.userID,
			cookie: before.cookie
		});
		const renamed = since.changes
			.filter((c) => c.op === 'put' && (c.table === 'teams' || c.table === 'organizations'))
			.map((c) => (c.value as { name: string }).name)
			.sort();
		expect(renamed).toEqual(['DATA (2)', 'PLATFORM (4)', 'okta (2)', 'platform (3)']);
		const audited = await database.db
			.selectFrom('audit_log')
			.select(['actor_kind', 'action', 'target', 'after'])
			.where('enterprise_id', '=', acme.id)
			.execute();
		expect(
			audited.map((a) => [a.actor_kind, a.action, a.target, JSON.parse(a.after!).name]).sort()
		).toEqual([
			['system', 'renameOrg', 'DATA', 'DATA (2)'],
			['system', 'renameTeam', 'PLATFORM ', 'PLATFORM (4)'],
			['system', 'renameTeam', 'okta', 'okta (2)'],
			['system', 'renameTeam', 'platform', 'platform (3)']
		]);
	});
});
