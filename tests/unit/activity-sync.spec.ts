import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb, type Db } from '../../src/lib/server/db';
import { ActivityWriter, recordSignIn } from '../../src/lib/server/activity.service';
import { activityCatchUpQuery, pull } from '../../src/lib/server/sync/pull';
import { push } from '../../src/lib/server/sync/push';
import { login } from '../../src/lib/server/auth/login';
import { hashPassword } from '../../src/lib/server/auth/password';
import { rosterPage } from '../../src/lib/server/sync/roster';
import { onPoke, startPokeRelay } from '../../src/lib/server/sync/poke';
import {
	ACTIVITY_POKE_INTERVAL_MS,
	markLastActiveMoved
} from '../../src/lib/server/sync/last-active';
import { utcDay } from '../../src/lib/domain/activity';
import { DAY_MS } from '../../src/lib/domain/seats';
import type { PullResponse } from '../../src/lib/domain/sync/protocol';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	recordActivity as seedActivity
} from './support/factories';

/** The Last Active days a pull's compact delta carries, by license number (seq). */
function deltaDays(patch: PullResponse): Map<number, number | null> {
	const out = new Map<number, number | null>();
	let seq = 0;
	patch.activity?.seqs.forEach((gap, i) => {
		seq += gap;
		out.set(seq, patch.activity!.days[i]!);
	});
	return out;
}

async function seqOf({ db }: Db, enterpriseID: string, userID: string): Promise<number> {
	const row = await db
		.selectFrom('licenses')
		.select('seq')
		.where('enterprise_id', '=', enterpriseID)
		.where('user_id', '=', userID)
		.executeTakeFirstOrThrow();
	return Number(row.seq);
}

describe.each(dialects)('Last Active reaches synced consoles (R19, R20) on %s', (dialect) => {
	let t: TestDb;
	let writer: ActivityWriter;
	let enterpriseID: string;
	let ownerID: string;
	// The clock is set, at midday UTC: whether two instants share a UTC day must not depend on when
	// the suite runs (a run a second after midnight would otherwise see a "same day" change a date).
	// Only Date is faked; timers run for real (the writer's linger, the poke window).
	const today = Date.UTC(2026, 2, 10, 12);

	beforeAll(async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		vi.setSystemTime(today);
		t = await createTestDb(dialect);
		writer = new ActivityWriter(t.database, { lingerMs: 1 });
		enterpriseID = (await makeEmptyEnterprise(t.database)).id;
		// A console's cookie 0 means "nothing yet": start where a real enterprise does.
		await t.database.db
			.updateTable('enterprises')
			.set({ version: 1 })
			.where('id', '=', enterpriseID)
			.execute();
		ownerID = (await makeUser(t.database, { passwordHash: 'x' })).id;
		await grantRole(t.database, enterpriseID, ownerID, 'owner');
	});
	afterAll(async () => {
		await t.drop();
		vi.useRealTimers();
	});

	// As this version's consoles pull: asking for Last Active changes as the compact delta.
	const pullAs = (cookie: number, database: Db = t.database) =>
		pull(database, {
			enterpriseID,
			clientID: `console-${dialect}`,
			userID: ownerID,
			cookie,
			activity: 'delta'
		});
	// As an older console pulls (its app cached from before the delta): no `activity=delta`.
	const pullAsOlderConsole = (cookie: number) =>
		pull(t.database, { enterpriseID, clientID: `old-console-${dialect}`, userID: ownerID, cookie });

	async function licensedUser(opts: { lastLoginAt?: number; activeAt?: number } = {}) {
		const user = await makeUser(t.database, { lastLoginAt: opts.lastLoginAt ?? null });
		await license(t.database, enterpriseID, user.id);
		if (opts.activeAt !== undefined) await seedActivity(t.database, user.id, opts.activeAt);
		return { ...user, seq: await seqOf(t.database, enterpriseID, user.id) };
	}

	it('an event moves the date in an incremental pull from a cookie taken before it', async () => {
		const user = await licensedUser({ activeAt: today - 120 * DAY_MS });
		const before = await pullAs(0);
		expect(before.changes.find((c) => c.key === user.id)).toBeDefined();

		const result = await writer.submit([{ email: user.email, at: today }]);
		expect(result).toMatchObject({ accepted: 1, ignored: 0 });

		const after = await pullAs(before.cookie);
		expect(after.cookie).toBeGreaterThan(before.cookie);
		expect(deltaDays(after)).toEqual(new Map([[user.seq, utcDay(today)]]));
		// Compact: the user is not re-sent as a whole license row.
		expect(after.changes.filter((c) => c.table === 'licenses')).toEqual([]);
	});

	it('an older console that does not ask for the delta gets a moved date as a whole license row, as before (compatibility)', async () => {
		const user = await licensedUser({ activeAt: today - 40 * DAY_MS });
		const { cookie } = await pullAsOlderConsole(0);
		await writer.submit([{ email: user.email, at: today }]);

		const old = await pullAsOlderConsole(cookie);
		expect(old.activity).toBeUndefined();
		const row = old.changes.find((c) => c.table === 'licenses' && c.key === user.id);
		expect(row).toMatchObject({ op: 'put', value: { id: user.id, lastActiveAt: today } });
		// A console that asks for the delta gets the compact form of the same change instead.
		const current = await pullAs(cookie);
		expect(deltaDays(current).get(user.seq)).toBe(utcDay(today));
		expect(current.changes.find((c) => c.key === user.id)).toBeUndefined();
	});

	it('a second event the same day moves nothing', async () => {
		const user = await licensedUser();
		await writer.submit([{ email: user.email, at: today - 1000 }]);
		const { cookie } = await pullAs(0);
		await writer.submit([{ email: user.email, at: today }]);
		const after = await pullAs(cookie);
		expect(after.cookie).toBe(cookie);
		expect(after.activity).toBeUndefined();
	});

	it('a sign-in moves the date of a user without tracked activity', async () => {
		const user = await licensedUser({ lastLoginAt: Date.UTC(2024, 0, 3) });
		const { cookie } = await pullAs(0);
		await recordSignIn(t.database, user.id, today);
		const after = await pullAs(cookie);
		expect(deltaDays(after).get(user.seq)).toBe(utcDay(today));
	});

	it('signing in through the sign-in form path moves the date too', async () => {
		const user = await makeUser(t.database, {
			passwordHash: await hashPassword('a long enough password'),
			lastLoginAt: Date.UTC(2024, 0, 3)
		});
		await license(t.database, enterpriseID, user.id);
		const seq = await seqOf(t.database, enterpriseID, user.id);
		const { cookie } = await pullAs(0);
		const signedIn = await login(
			t.database,
			{ email: user.email, password: 'a long enough password' },
			{ ip: '203.0.113.9', userAgent: 'activity spec' }
		);
		expect(signedIn.ok).toBe(true);
		const after = await pullAs(cookie);
		expect(deltaDays(after).get(seq)).toBe(utcDay(today));
	});

	it('a sign-in stores its login and the moved date in one transaction: when the date cannot be recorded, no login is stored either (R19)', async () => {
		const user = await licensedUser({ lastLoginAt: Date.UTC(2024, 0, 3) });
		const { cookie } = await pullAs(0);
		// Moving the enterprise's version fails (as a lost connection or a deadlock would).
		if (dialect === 'sqlite') {
			await sql`create trigger refuse_bump before update of version on enterprises begin select raise(abort, 'version is frozen'); end`.execute(
				t.database.db
			);
		} else {
			await sql`alter table enterprises add constraint refuse_bump check (id <> ${sql.lit(enterpriseID)} or version <= ${sql.lit(cookie)})`.execute(
				t.database.db
			);
		}
		try {
			await expect(recordSignIn(t.database, user.id, today)).rejects.toThrow();
		} finally {
			await sql
				.raw(
					dialect === 'sqlite'
						? 'drop trigger refuse_bump'
						: 'alter table enterprises drop constraint refuse_bump'
				)
				.execute(t.database.db);
		}
		const stored = await t.database.db
			.selectFrom('users')
			.select('last_login_at')
			.where('id', '=', user.id)
			.executeTakeFirstOrThrow();
		expect(Number(stored.last_login_at)).toBe(Date.UTC(2024, 0, 3));
		// So the retry (the next sign-in the same day) still moves the date to every console.
		await recordSignIn(t.database, user.id, today + 1000);
		expect(deltaDays(await pullAs(cookie)).get(user.seq)).toBe(utcDay(today));
	});

	it("never gives a license number twice, even after the newest license is removed (a console would apply the new user's dates to the removed one)", async () => {
		const first = await licensedUser();
		await t.database.db
			.deleteFrom('licenses')
			.where('enterprise_id', '=', enterpriseID)
			.where('user_id', '=', first.id)
			.execute();
		const second = await licensedUser();
		expect(second.seq).toBeGreaterThan(first.seq);
		// SQLite: a number given explicitly (a copy, a restore) moves the counter past it too
		// (PostgreSQL's sequence is moved past copied numbers by the copy itself).
		if (dialect !== 'sqlite') return;
		const given = await makeUser(t.database);
		await t.database.db
			.insertInto('licenses')
			.values({
				enterprise_id: enterpriseID,
				user_id: given.id,
				source: 'console',
				created_at: Date.now(),
				seq: second.seq + 50
			})
			.execute();
		expect((await licensedUser()).seq).toBeGreaterThan(second.seq + 50);
	});

	it('marks moved dates with set-based SQL: a few statements however many enterprises license the users, each enterprise moved by one', async () => {
		const users = await Promise.all(Array.from({ length: 3 }, () => makeUser(t.database)));
		const enterprises: string[] = [];
		for (let i = 0; i < 30; i++) {
			const id = (await makeEmptyEnterprise(t.database)).id;
			enterprises.push(id);
			for (const u of users) await license(t.database, id, u.id);
		}
		const versions = async () =>
			new Map(
				(
					await t.database.db
						.selectFrom('enterprises')
						.select(['id', 'version'])
						.where('id', 'in', enterprises)
						.execute()
				).map((e) => [e.id, Number(e.version)])
			);
		const before = await versions();
		let statements = 0;
		const counting = t.database.db.withPlugin({
			transformQuery: (args) => {
				statements++;
				return args.node;
			},
			transformResult: async (args) => args.result
		});
		const moved = await counting.transaction().execute((trx) =>
			markLastActiveMoved(
				trx,
				dialect,
				users.map((u) => u.id)
			)
		);
		expect(moved).toEqual([...enterprises].sort());
		// Find the enterprises, lock them (PostgreSQL), move them, stamp the licenses: not 2 per enterprise.
		expect(statements).toBeLessThanOrEqual(4);
		const after = await versions();
		for (const id of enterprises) expect(after.get(id)).toBe(before.get(id)! + 1);
		const stamped = await t.database.db
			.selectFrom('licenses')
			.innerJoin('enterprises', 'enterprises.id', 'licenses.enterprise_id')
			.select(['licenses.activity_version', 'enterprises.version'])
			.where('licenses.enterprise_id', 'in', enterprises)
			.execute();
		expect(stamped).toHaveLength(90);
		for (const r of stamped) expect(Number(r.activity_version)).toBe(Number(r.version));
	});

	it('the catch-up query reads one covering index, licenses_activity_catch_up, and no activity rows (EXPLAIN)', async () => {
		// Enough licenses that a planner has a choice to make.
		const many = await Promise.all(Array.from({ length: 300 }, () => makeUser(t.database)));
		await t.database.db
			.insertInto('licenses')
			.values(
				many.map((u) => ({
					enterprise_id: enterpriseID,
					user_id: u.id,
					source: 'console' as const,
					created_at: today
				}))
			)
			.execute();
		const { cookie } = await pullAs(0);
		const compiled = activityCatchUpQuery(t.database.db, enterpriseID, cookie - 1).compile();
		expect(compiled.sql).not.toMatch(/activity_summary|users/);
		let plan: string;
		if (dialect === 'sqlite') {
			await sql`analyze`.execute(t.database.db);
			const rows = await t.database.db.executeQuery<{ detail: string }>(
				CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters])
			);
			plan = rows.rows.map((r) => r.detail).join('\n');
			expect(plan).toContain('USING COVERING INDEX licenses_activity_catch_up');
		} else {
			await sql`analyze licenses`.execute(t.database.db);
			plan = await t.database.db.transaction().execute(async (trx) => {
				// A test table is small: take the sequential scan off the table, so the plan shows which
				// index the query would use on a real enterprise.
				await sql`set local enable_seqscan = off`.execute(trx);
				const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>(
					CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters])
				);
				return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
			});
			expect(plan).toMatch(/Index Only Scan using licenses_activity_catch_up/);
		}
	});

	it('report thresholds are a synced setting: owner and co-owners set them, consoles pull them (R20)', async () => {
		const { cookie } = await pullAs(0);
		const send = (id: number, args: unknown, role: 'owner' | 'billing' = 'owner') =>
			push(
				t.database,
				{
					enterpriseID,
					clientGroupID: `thresholds-${dialect}-${role}`,
					clientID: `thresholds-${dialect}-${role}`,
					mutations: [{ id, name: 'setActivityThresholds', args, createdAt: Date.now() }]
				},
				{ userID: ownerID, role }
			);
		expect(await send(1, { activeDays: 30, naAfterDays: 45 })).toMatchObject({
			ok: true,
			results: [{ id: 1, status: 'applied' }]
		});
		expect(await send(2, { activeDays: 60, naAfterDays: 45 })).toMatchObject({
			results: [{ id: 2, status: 'rejected', code: 'INVALID_ARGS' }]
		});
		expect(await send(1, { activeDays: 7, naAfterDays: 8 }, 'billing')).toMatchObject({
			results: [{ id: 1, status: 'rejected' }]
		});
		const after = await pullAs(cookie);
		expect(after.changes.find((c) => c.table === 'enterprise')?.value).toMatchObject({
			activeDays: 30,
			naAfterDays: 45
		});
	});

	it('roster pages name each license by the number the delta uses', async () => {
		const user = await licensedUser();
		const page = await rosterPage(t.database, { enterpriseID, after: '', limit: 10_000 });
		expect(page.seqs![page.ids.indexOf(user.id)]).toBe(user.seq);
	});

	it('a burst of events pokes each enterprise at most once per few seconds, not once per event', async () => {
		const stopRelay = startPokeRelay(t.database);
		const quiet = (await makeEmptyEnterprise(t.database)).id;
		const users = await Promise.all(Array.from({ length: 5 }, () => makeUser(t.database)));
		for (const u of users) await license(t.database, quiet, u.id);
		let pokes = 0;
		const stop = onPoke(quiet, () => pokes++);
		try {
			// Let the relay's LISTEN connection come up (PostgreSQL).
			await new Promise((r) => setTimeout(r, 300));
			for (const u of users) await writer.submit([{ email: u.email, at: today }]);
			await new Promise((r) => setTimeout(r, 500));
			expect(pokes).toBe(1);
			// The rest of the burst is one more poke when the window closes.
			await new Promise((r) => setTimeout(r, ACTIVITY_POKE_INTERVAL_MS));
			expect(pokes).toBe(2);
		} finally {
			stop();
			await stopRelay();
		}
	});

	it.runIf(dialect === 'postgres')(
		'an event ingested by one instance reaches a console pulling from another',
		async () => {
			const user = await licensedUser({ activeAt: today - 3 * DAY_MS });
			const other = openDb({ url: t.database.url! });
			try {
				const { cookie } = await pullAs(0, other);
				const otherWriter = new ActivityWriter(other, { lingerMs: 1 });
				await Promise.all([
					otherWriter.submit([{ email: user.email, at: today }]),
					writer.submit([{ email: user.email, at: today - 5 }])
				]);
				const after = await pullAs(cookie, other);
				expect(deltaDays(after).get(user.seq)).toBe(utcDay(today));
			} finally {
				await other.close();
			}
		}
	);
});
