import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Migrator, sql } from 'kysely';
import { migrate, setDb } from '../../src/lib/server/db';
import { migrations } from '../../src/lib/server/db/migrations';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { makeEmptyEnterprise, makeUser, NOW } from './support/factories';
import { installToken, scim } from './support/scim-client';

// Before migration 0009, scim_users.display_name held one name for the person: what the IdP sent
// as displayName, or, when it sent none, the given and family names joined by Roster. 0009 keeps
// the IdP's names as sent, so a value Roster made from the name parts is no value the IdP sent.

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Opens a database with the migrations up to and including `last` applied, as a release left it. */
async function databaseAt(dialect: TestDb['dialect'], last: string): Promise<TestDb> {
	const t = await createTestDb(dialect, { migrated: false });
	const { db } = t.database;
	// As migrate() does: SQLite ignores the pragma inside the migrations' transaction.
	if (dialect === 'sqlite') await sql`pragma foreign_keys = off`.execute(db);
	const migrator = new Migrator({
		db,
		provider: { getMigrations: async () => migrations(dialect) }
	});
	const { error } = await migrator.migrateTo(last);
	if (dialect === 'sqlite') await sql`pragma foreign_keys = on`.execute(db);
	if (error) throw error;
	return t;
}

describe.each(dialects)('migration 0009 on %s', (dialect) => {
	let t: TestDb | undefined;
	afterEach(async () => {
		setDb(undefined);
		await t?.drop();
		t = undefined;
	});

	it('R25: a display name Roster made from the given and family names becomes no value (shown from the name parts, never frozen); a name the IdP sent is kept as displayName and name.formatted', async () => {
		t = await databaseAt(dialect, '0008_activity_sync');
		const database = t.database;
		const ent = await makeEmptyEnterprise(database, { seats: 10 });
		// [display_name, given_name, family_name]: what 0008 rows held.
		const rows: Record<string, [string | null, string | null, string | null]> = {
			joined: ['Jane Public', 'Jane', 'Public'],
			givenOnly: ['Cher', 'Cher', null],
			familyOnly: ['Prince', null, 'Prince'],
			sent: ['Public, Jane', 'Jane', 'Public'],
			otherCase: ['jane public', 'Jane', 'Public'],
			noParts: ['Ada Lovelace', null, null],
			nothing: [null, 'Grace', 'Hopper']
		};
		const ids: Record<string, string> = {};
		for (const [key, [display, given, family]] of Object.entries(rows)) {
			const user = await makeUser(database, {
				email: `${key.toLowerCase()}.${randomUUID().slice(0, 6)}@migrated.test`,
				name: `Account ${key}`
			});
			ids[key] = user.id;
			await sql`insert into scim_users (enterprise_id, user_id, external_id, given_name, family_name, active, created_at, updated_at, display_name) values (${ent.id}, ${user.id}, ${null}, ${given}, ${family}, 1, ${NOW}, ${NOW}, ${display})`.execute(
				database.db
			);
		}

		await migrate(database);

		const stored = await database.db
			.selectFrom('scim_users')
			.select(['user_id', 'display_name', 'formatted_name'])
			.where('enterprise_id', '=', ent.id)
			.execute();
		const byKey = Object.fromEntries(
			Object.entries(ids).map(([key, id]) => {
				const row = stored.find((r) => r.user_id === id)!;
				return [key, [row.display_name, row.formatted_name]];
			})
		);
		expect(byKey).toEqual({
			joined: [null, null],
			givenOnly: [null, null],
			familyOnly: [null, null],
			sent: ['Public, Jane', 'Public, Jane'],
			otherCase: ['jane public', 'jane public'],
			noParts: ['Ada Lovelace', 'Ada Lovelace'],
			nothing: [null, null]
		});

		// Through SCIM: the migrated person shows the same names, and they follow a new given name.
		setDb(database);
		const token = await installToken(database, ent.id, { domains: ['migrated.test'] });
		const read = await scim('GET', `/scim/v2/Users/${ids.joined}`, { token });
		expect(read.body).toMatchObject({
			displayName: 'Jane Public',
			name: { formatted: 'Jane Public', givenName: 'Jane', familyName: 'Public' }
		});
		const renamed = await scim('PATCH', `/scim/v2/Users/${ids.joined}`, {
			token,
			body: {
				schemas: [PATCH_OP],
				Operations: [{ op: 'replace', path: 'name.givenName', value: 'Janet' }]
			}
		});
		expect(renamed.status).toBe(200);
		expect(renamed.body).toMatchObject({
			displayName: 'Janet Public',
			name: { formatted: 'Janet Public', givenName: 'Janet', familyName: 'Public' }
		});
	});
});
