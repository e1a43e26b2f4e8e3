import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLicensedUsers, seatUsageOf } from '../../src/lib/server/licenses.service';
import { ACTIVITY_TRACKING_START } from '../../src/lib/domain/activity';
import { DAY_MS } from '../../src/lib/domain/seats';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	NOW,
	invite,
	license,
	makeEmptyEnterprise,
	makeUser,
	recordActivity,
	tag
} from './support/factories';
import type { Db } from '../../src/lib/server/db';

/** A licensed user with the given name, email local part and activity. */
async function licensedUser(
	database: Db,
	enterpriseID: string,
	opts: { name: string; email?: string; activity?: number; lastLogin?: number }
) {
	const user = await makeUser(database, {
		name: opts.name,
		email: opts.email ?? `${opts.name.toLowerCase().replace(/\W+/g, '.')}.${tag()}@corp.test`,
		lastLoginAt: opts.lastLogin ?? null
	});
	await license(database, enterpriseID, user.id);
	if (opts.activity != null) await recordActivity(database, user.id, opts.activity);
	return user;
}

describe.each(dialects)('licenses on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	describe('seat usage', () => {
		it('R4: seats used = licensed users + pending invites of this enterprise only', async () => {
			const ent = await makeEmptyEnterprise(t.database, { seats: 10 });
			const other = await makeEmptyEnterprise(t.database, { seats: 10 });
			for (let i = 0; i < 3; i++) await licensedUser(t.database, ent.id, { name: `Licensed ${i}` });
			await invite(t.database, ent.id, { sentAt: NOW - DAY_MS });
			await invite(t.database, ent.id, { sentAt: NOW - 10 * DAY_MS });
			// Another enterprise's seats are its own (R1), even for a person licensed in both.
			const shared = await licensedUser(t.database, other.id, { name: 'Shared Person' });
			await invite(t.database, other.id);
			expect(await seatUsageOf(t.database, ent.id, NOW)).toEqual({
				purchased: 10,
				licensed: 3,
				pendingInvites: 2,
				used: 5,
				free: 5
			});
			await license(t.database, ent.id, shared.id);
			expect((await seatUsageOf(t.database, ent.id, NOW)).used).toBe(6);
			expect((await seatUsageOf(t.database, other.id, NOW)).used).toBe(2);
		});

		it('R5: an invite frees its seat once 30 days have passed since it was sent', async () => {
			const ent = await makeEmptyEnterprise(t.database, { seats: 5 });
			await licensedUser(t.database, ent.id, { name: 'Only User' });
			await invite(t.database, ent.id, { sentAt: NOW - 29 * DAY_MS }); // pending one more day
			await invite(t.database, ent.id, { sentAt: NOW - 30 * DAY_MS }); // expires right now
			await invite(t.database, ent.id, { sentAt: NOW - 45 * DAY_MS }); // long expired
			const today = await seatUsageOf(t.database, ent.id, NOW);
			expect(today).toMatchObject({ licensed: 1, pendingInvites: 1, used: 2, free: 3 });
			const tomorrow = await seatUsageOf(t.database, ent.id, NOW + DAY_MS);
			expect(tomorrow).toMatchObject({ pendingInvites: 0, used: 1, free: 4 });
		});

		it('R4: an over-full enterprise shows zero free seats, not a negative number', async () => {
			const ent = await makeEmptyEnterprise(t.database, { seats: 1 });
			await licensedUser(t.database, ent.id, { name: 'First' });
			await licensedUser(t.database, ent.id, { name: 'Second' });
			expect(await seatUsageOf(t.database, ent.id, NOW)).toMatchObject({ used: 2, free: 0 });
		});
	});

	describe('licensed users list', () => {
		const day = (n: number) => NOW - n * DAY_MS;

		it('R4: lists only this enterprise’s licensed users, with a total and pages', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const other = await makeEmptyEnterprise(t.database);
			const users = [];
			for (let i = 0; i < 5; i++) {
				users.push(
					await licensedUser(t.database, ent.id, { name: `Member ${i}`, activity: day(i) })
				);
			}
			await licensedUser(t.database, other.id, { name: 'Elsewhere' });
			await makeUser(t.database, { name: 'Unlicensed' });

			const first = await listLicensedUsers(t.database, ent.id, { limit: 2 });
			const second = await listLicensedUsers(t.database, ent.id, { limit: 2, offset: 2 });
			const third = await listLicensedUsers(t.database, ent.id, { limit: 2, offset: 4 });
			expect([first.total, second.total, third.total]).toEqual([5, 5, 5]);
			expect(first.users.map((u) => u.name)).toEqual(['Member 0', 'Member 1']);
			expect(second.users.map((u) => u.name)).toEqual(['Member 2', 'Member 3']);
			expect(third.users.map((u) => u.name)).toEqual(['Member 4']);
			expect(first.users[0]).toEqual({
				id: users[0]!.id,
				email: users[0]!.email,
				name: 'Member 0',
				lastActiveAt: day(0)
			});
		});

		it('search is case-insensitive over email and name, and the total follows it', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			await licensedUser(t.database, ent.id, {
				name: 'Grace Hopper',
				email: `ghopper.${tag()}@navy.test`
			});
			await licensedUser(t.database, ent.id, {
				name: 'Alan Turing',
				email: `alan.${tag()}@bletchley.test`
			});
			await licensedUser(t.database, ent.id, {
				name: 'Margaret Hamilton',
				email: `mh.${tag()}@NASA.test`
			});
			const names = async (query: string) => {
				const page = await listLicensedUsers(t.database, ent.id, { query, sort: 'email' });
				expect(page.total).toBe(page.users.length);
				return page.users.map((u) => u.name).sort();
			};
			expect(await names('HOPPER')).toEqual(['Grace Hopper']);
			expect(await names('grace h')).toEqual(['Grace Hopper']);
			expect(await names('@Bletchley')).toEqual(['Alan Turing']);
			expect(await names('nasa.TEST')).toEqual(['Margaret Hamilton']);
			expect(await names('  turing  ')).toEqual(['Alan Turing']);
			expect(await names('ha')).toEqual(['Margaret Hamilton']);
			expect(await names('nobody')).toEqual([]);
			expect(await names('')).toEqual(['Alan Turing', 'Grace Hopper', 'Margaret Hamilton']);
		});

		it("'%', '_' and '\\' in a search are literal characters, not wildcards", async () => {
			const ent = await makeEmptyEnterprise(t.database);
			await licensedUser(t.database, ent.id, {
				name: 'Ada Lovelace',
				email: `ada.${tag()}@corp.test`
			});
			await licensedUser(t.database, ent.id, {
				name: 'Sale 100% Off',
				email: `sale.${tag()}@corp.test`
			});
			await licensedUser(t.database, ent.id, {
				name: 'Snake Case',
				email: `snake_case.${tag()}@corp.test`
			});
			await licensedUser(t.database, ent.id, {
				name: 'Back\\slash',
				email: `back.${tag()}@corp.test`
			});
			const names = async (query: string) =>
				(await listLicensedUsers(t.database, ent.id, { query })).users.map((u) => u.name).sort();
			expect(await names('%')).toEqual(['Sale 100% Off']);
			expect(await names('_')).toEqual(['Snake Case']);
			expect(await names('a_a')).toEqual([]); // would match "Ada" if _ were a wildcard
			expect(await names('a%e')).toEqual([]); // would match "Ada Lovelace" if % were a wildcard
			expect(await names('\\')).toEqual(['Back\\slash']);
			expect(await names('0% o')).toEqual(['Sale 100% Off']);
		});

		// SQLite's built-in lower() folds ASCII only; the app registers a Unicode one.
		it('search finds names with an upper-case accented letter (Émile)', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			await licensedUser(t.database, ent.id, {
				name: 'Émile Zola',
				email: `ez.${tag()}@corp.test`
			});
			const page = await listLicensedUsers(t.database, ent.id, { query: 'émile' });
			expect(page.users.map((u) => u.name)).toEqual(['Émile Zola']);
		});

		it('R4: sorted by Last Active, most recent first, never-active users last', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			await licensedUser(t.database, ent.id, {
				name: 'Never',
				email: `a.never.${tag()}@corp.test`
			});
			await licensedUser(t.database, ent.id, { name: 'Old', activity: day(60) });
			await licensedUser(t.database, ent.id, { name: 'Today', activity: day(0) });
			await licensedUser(t.database, ent.id, { name: 'Login only', lastLogin: day(10) });
			await licensedUser(t.database, ent.id, { name: 'Week', activity: day(7) });
			const order = async (sort?: 'last-active-desc' | 'last-active-asc') =>
				(await listLicensedUsers(t.database, ent.id, { sort })).users.map((u) => u.name);
			expect(await order()).toEqual(['Today', 'Week', 'Login only', 'Old', 'Never']);
			expect(await order('last-active-desc')).toEqual([
				'Today',
				'Week',
				'Login only',
				'Old',
				'Never'
			]);
			// Least recently active first: the never-active users are the least recent of all.
			expect(await order('last-active-asc')).toEqual([
				'Never',
				'Old',
				'Login only',
				'Week',
				'Today'
			]);
		});

		it('sorted by email when asked', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const t1 = tag();
			for (const local of ['carol', 'alice', 'bob']) {
				await licensedUser(t.database, ent.id, { name: local, email: `${local}.${t1}@corp.test` });
			}
			const page = await listLicensedUsers(t.database, ent.id, { sort: 'email' });
			expect(page.users.map((u) => u.name)).toEqual(['alice', 'bob', 'carol']);
		});

		it('R19: a user last active before 2025-05-20 shows their last login instead', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const lastLogin = Date.UTC(2025, 3, 2, 9);
			const legacy = await licensedUser(t.database, ent.id, {
				name: 'Legacy',
				activity: ACTIVITY_TRACKING_START - 1,
				lastLogin
			});
			const loginOnly = await licensedUser(t.database, ent.id, { name: 'Login only', lastLogin });
			const oldNoLogin = await licensedUser(t.database, ent.id, {
				name: 'Old, no login',
				activity: Date.UTC(2025, 0, 1)
			});
			const tracked = await licensedUser(t.database, ent.id, {
				name: 'Tracked',
				activity: ACTIVITY_TRACKING_START,
				lastLogin
			});
			const { users } = await listLicensedUsers(t.database, ent.id);
			const lastActive = Object.fromEntries(users.map((u) => [u.id, u.lastActiveAt]));
			expect(lastActive).toEqual({
				[legacy.id]: lastLogin,
				[loginOnly.id]: lastLogin,
				[oldNoLogin.id]: null,
				[tracked.id]: ACTIVITY_TRACKING_START
			});
		});
	});
});
