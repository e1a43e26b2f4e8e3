import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsCurrent } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	NOW,
	addDomain,
	grantRole,
	makeEmptyEnterprise,
	makeOrg,
	makeUser,
	setStoragePolicy,
	tag
} from './support/factories';

const UNIQUE = /unique|duplicate/i;
const CHECK = /check constraint/i;
const FOREIGN_KEY = /foreign key/i;

describe.each(dialects)('database schema on %s', (dialect) => {
	it('migrations: an empty database is not current until migrated, and migrating twice is a no-op that keeps the data', async () => {
		const fresh = await createTestDb(dialect, { migrated: false });
		try {
			expect(await migrationsCurrent(fresh.database)).toBe(false);
			await migrate(fresh.database);
			expect(await migrationsCurrent(fresh.database)).toBe(true);
			const user = await makeUser(fresh.database);
			await migrate(fresh.database);
			expect(await migrationsCurrent(fresh.database)).toBe(true);
			const row = await fresh.database.db
				.selectFrom('users')
				.select('email')
				.where('id', '=', user.id)
				.executeTakeFirst();
			expect(row?.email).toBe(user.email);
		} finally {
			await fresh.drop();
		}
	});

	describe('constraints enforced by the database', () => {
		let t: TestDb;
		beforeAll(async () => {
			t = await createTestDb(dialect);
		});
		afterAll(async () => {
			await t?.drop();
		});

		it('R3: emails are unique case-insensitively', async () => {
			const local = `alice.${tag()}`;
			await makeUser(t.database, { email: `${local}@x.test` });
			await expect(
				makeUser(t.database, { email: `${local.toUpperCase()}@X.test` })
			).rejects.toThrow(UNIQUE);
			await expect(makeUser(t.database, { email: `${local}@x.test` })).rejects.toThrow(UNIQUE);
			// A different address is fine.
			await makeUser(t.database, { email: `${local}@y.test` });
		});

		it('R2: an enterprise has at most one owner, but any number of co-owners', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => makeUser(t.database)));
			await grantRole(t.database, ent.id, a!.id, 'owner');
			await expect(grantRole(t.database, ent.id, b!.id, 'owner')).rejects.toThrow(UNIQUE);
			await grantRole(t.database, ent.id, c!.id, 'co-owner');
			await grantRole(t.database, ent.id, d!.id, 'co-owner');
			// The same person may own another enterprise.
			const other = await makeEmptyEnterprise(t.database);
			await grantRole(t.database, other.id, a!.id, 'owner');
			const owners = await t.database.db
				.selectFrom('account_roles')
				.select('user_id')
				.where('enterprise_id', '=', ent.id)
				.where('role', '=', 'owner')
				.execute();
			expect(owners.map((o) => o.user_id)).toEqual([a!.id]);
		});

		it("R2: a role other than the four account roles is refused ('superuser')", async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const user = await makeUser(t.database);
			await expect(
				t.database.db
					.insertInto('account_roles')
					.values({
						enterprise_id: ent.id,
						user_id: user.id,
						role: 'superuser' as 'member',
						created_at: NOW
					})
					.execute()
			).rejects.toThrow(CHECK);
		});

		it('R4: a license must belong to an existing user and enterprise', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const user = await makeUser(t.database);
			const insert = (enterprise_id: string, user_id: string) =>
				t.database.db
					.insertInto('licenses')
					.values({ enterprise_id, user_id, source: 'console', created_at: NOW })
					.execute();
			await expect(insert(ent.id, randomUUID())).rejects.toThrow(FOREIGN_KEY);
			await expect(insert(randomUUID(), user.id)).rejects.toThrow(FOREIGN_KEY);
			await insert(ent.id, user.id);
			// One seat per user and enterprise.
			await expect(insert(ent.id, user.id)).rejects.toThrow(UNIQUE);
		});

		it('R1: deleting an enterprise removes its licenses and roles, not the people', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const user = await makeUser(t.database);
			await grantRole(t.database, ent.id, user.id, 'billing');
			await t.database.db
				.insertInto('licenses')
				.values({ enterprise_id: ent.id, user_id: user.id, source: 'console', created_at: NOW })
				.execute();
			await t.database.db.deleteFrom('enterprises').where('id', '=', ent.id).execute();
			const licenses = await t.database.db
				.selectFrom('licenses')
				.select('user_id')
				.where('enterprise_id', '=', ent.id)
				.execute();
			const roles = await t.database.db
				.selectFrom('account_roles')
				.select('user_id')
				.where('enterprise_id', '=', ent.id)
				.execute();
			const person = await t.database.db
				.selectFrom('users')
				.select('id')
				.where('id', '=', user.id)
				.executeTakeFirst();
			expect(licenses).toEqual([]);
			expect(roles).toEqual([]);
			expect(person?.id).toBe(user.id);
		});

		it('R14: a subdomain verified through its root may capture (0003 dropped the row-level check; the mutators refuse an unverified domain, see domains.spec)', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const root = `${tag()}.test`;
			await addDomain(t.database, ent.id, root);
			const sub = await addDomain(t.database, ent.id, `eu.${root}`, { verified: false });
			await t.database.db
				.updateTable('domains')
				.set({ capture_enabled: 1 })
				.where('id', '=', sub)
				.execute();
			const row = await t.database.db
				.selectFrom('domains')
				.select(['verified_at', 'capture_enabled'])
				.where('id', '=', sub)
				.executeTakeFirstOrThrow();
			expect({ verified: row.verified_at, capture: Number(row.capture_enabled) }).toEqual({
				verified: null,
				capture: 1
			});
		});

		it('R13: a domain is stored lower-case and once per enterprise', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const name = `${tag()}.test`;
			await expect(addDomain(t.database, ent.id, name.toUpperCase())).rejects.toThrow(CHECK);
			await addDomain(t.database, ent.id, name);
			await expect(addDomain(t.database, ent.id, name)).rejects.toThrow(UNIQUE);
		});

		it('R17: one global storage policy per enterprise, one override per organization', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const all = { local: true, cloud: true, git: true };
			await setStoragePolicy(t.database, ent.id, null, all);
			await expect(setStoragePolicy(t.database, ent.id, null, all)).rejects.toThrow(UNIQUE);
			const [eng, data] = await Promise.all([
				makeOrg(t.database, ent.id, 'Engineering'),
				makeOrg(t.database, ent.id, 'Data')
			]);
			await setStoragePolicy(t.database, ent.id, eng, { ...all, cloud: false });
			await setStoragePolicy(t.database, ent.id, data, { ...all, git: false });
			await expect(setStoragePolicy(t.database, ent.id, eng, all)).rejects.toThrow(UNIQUE);
		});

		it('R4: the purchased seat count cannot be negative', async () => {
			await expect(makeEmptyEnterprise(t.database, { seats: -1 })).rejects.toThrow(CHECK);
			const zero = await makeEmptyEnterprise(t.database, { seats: 0 });
			await expect(
				t.database.db
					.updateTable('enterprises')
					.set({ seats: -5 })
					.where('id', '=', zero.id)
					.execute()
			).rejects.toThrow(CHECK);
		});

		it('R5: an invite must expire after it was sent', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			await expect(
				t.database.db
					.insertInto('invites')
					.values({
						id: randomUUID(),
						enterprise_id: ent.id,
						email: `late.${tag()}@x.test`,
						role: 'member',
						team_ids: '[]',
						invited_by: null,
						sent_at: NOW,
						expires_at: NOW
					})
					.execute()
			).rejects.toThrow(CHECK);
		});

		it('R1: enterprise slugs are unique', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			await expect(
				t.database.db
					.insertInto('enterprises')
					.values({ id: randomUUID(), name: 'Copy', slug: ent.slug, seats: 1, created_at: NOW })
					.execute()
			).rejects.toThrow(UNIQUE);
		});
	});
});
