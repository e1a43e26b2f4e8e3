import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/lib/server/db';
import { migrations } from '../../src/lib/server/db/migrations';
import { pull } from '../../src/lib/server/sync/pull';
import { utcDay } from '../../src/lib/domain/activity';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	recordActivity
} from './support/factories';

let t: TestDb | undefined;
afterEach(async () => {
	await t?.drop();
	t = undefined;
});

describe.each(dialects)(
	'migrating a database with data from 0007 to Last Active sync (0008, 0014) on %s',
	(dialect) => {
		it('numbers existing licenses in enterprise and user order, keeps their Last Active day, and never reuses a number afterwards (R19)', async () => {
			t = await createTestDb(dialect, { migrated: false });
			const { database } = t;
			// The schema as released before Last Active sync.
			const to0007 = await new Migrator({
				db: database.db,
				provider: { getMigrations: async () => migrations(dialect) }
			}).migrateTo('0007_purge_indexes');
			expect(to0007.error).toBeUndefined();

			const a = await makeEmptyEnterprise(database);
			const b = await makeEmptyEnterprise(database);
			const tracked = Date.UTC(2025, 7, 30, 23, 59);
			const login = Date.UTC(2024, 1, 2, 8);
			const active = await makeUser(database, { lastLoginAt: login });
			await recordActivity(database, active.id, tracked);
			// Activity from before tracking began does not count: the last login does (R19).
			const legacy = await makeUser(database, { lastLoginAt: login });
			await recordActivity(database, legacy.id, Date.UTC(2025, 0, 1));
			const never = await makeUser(database, { passwordHash: 'x' });
			const owner = await makeUser(database, { passwordHash: 'x' });
			for (const u of [never, legacy, active]) await license(database, b.id, u.id);
			for (const u of [active, never]) await license(database, a.id, u.id);
			await grantRole(database, a.id, owner.id, 'owner');

			await migrate(database);

			const rows = await database.db
				.selectFrom('licenses')
				.select(['enterprise_id', 'user_id', 'seq', 'activity_version', 'last_active_day'])
				.execute();
			const ordered = [...rows].sort((x, y) =>
				x.enterprise_id === y.enterprise_id
					? x.user_id < y.user_id
						? -1
						: 1
					: x.enterprise_id < y.enterprise_id
						? -1
						: 1
			);
			expect(ordered.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
			expect(rows.every((r) => Number(r.activity_version) === 0)).toBe(true);
			const dayOf = new Map(rows.map((r) => [r.user_id, r.last_active_day]));
			expect(Number(dayOf.get(active.id))).toBe(utcDay(tracked));
			expect(Number(dayOf.get(legacy.id))).toBe(utcDay(login));
			expect(dayOf.get(never.id)).toBeNull();

			// The numbers go on from there, and removing the newest license frees none.
			const late = await makeUser(database);
			await license(database, a.id, late.id);
			const seqOf = async (userID: string) =>
				Number(
					(
						await database.db
							.selectFrom('licenses')
							.select('seq')
							.where('enterprise_id', '=', a.id)
							.where('user_id', '=', userID)
							.executeTakeFirstOrThrow()
					).seq
				);
			expect(await seqOf(late.id)).toBe(6);
			await database.db.deleteFrom('licenses').where('user_id', '=', late.id).execute();
			const later = await makeUser(database);
			await license(database, a.id, later.id);
			expect(await seqOf(later.id)).toBe(7);

			// A console syncs the migrated enterprise: each license row carries its number.
			const patch = await pull(database, {
				enterpriseID: a.id,
				clientID: `migrated-${dialect}`,
				userID: owner.id,
				cookie: 0,
				activity: 'delta'
			});
			const seqs = patch.changes
				.filter((c) => c.table === 'licenses')
				.map((c) => (c.value as { seq: number }).seq)
				.sort((x, y) => x - y);
			expect(seqs).toHaveLength(3);
			expect(seqs.at(-1)).toBe(7);
		});
	}
);
