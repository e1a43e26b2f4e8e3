import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../src/lib/server/db';
import { seedEnterprise } from '../../src/lib/server/seed';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { onPoke, startPokeRelay } from '../../src/lib/server/sync/poke';
import { afterRestore, RESTORE_JUMP } from '../../src/lib/server/db/after-restore';
import type { PushBody } from '../../src/lib/domain/sync/protocol';

interface Harness {
	name: string;
	open(): Promise<Db>;
	drop(): Promise<void>;
}

function sqlite(): Harness {
	return {
		name: 'sqlite',
		open: async () =>
			openDb({ file: join(mkdtempSync(join(tmpdir(), 'roster-sync-')), 'roster.db') }),
		drop: async () => {}
	};
}

function postgres(url: string): Harness {
	const name = `roster_sync_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
	const admin = () => new pg.Client({ connectionString: url });
	return {
		name: 'postgres',
		async open() {
			const c = admin();
			await c.connect();
			await c.query(`create database ${name}`);
			await c.end();
			const u = new URL(url);
			u.pathname = `/${name}`;
			return openDb({ url: u.toString() });
		},
		async drop() {
			const c = admin();
			await c.connect();
			await c.query(`drop database if exists ${name} with (force)`);
			await c.end();
		}
	};
}

const harnesses = [
	sqlite(),
	...(process.env.TEST_DATABASE_URL ? [postgres(process.env.TEST_DATABASE_URL)] : [])
];

describe.each(harnesses)('sync push/pull on $name', (h) => {
	let database: Db;
	let enterpriseID: string;
	let owner: Pusher;
	let billing: Pusher;
	let clientSeq = 0;

	beforeAll(async () => {
		database = await h.open();
		await migrate(database);
		const seeded = await seedEnterprise(database, {
			name: 'Sync Co',
			users: 20,
			seats: 25,
			invites: 0,
			admins: [{ email: 'billing@sync.test', name: 'Bill', role: 'billing' }],
			domains: ['sync.test']
		});
		enterpriseID = seeded.enterpriseID;
		const ownerRow = await database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'owner@sync.test')
			.executeTakeFirstOrThrow();
		const billingRow = await database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'billing@sync.test')
			.executeTakeFirstOrThrow();
		owner = { userID: ownerRow.id, role: 'owner' };
		billing = { userID: billingRow.id, role: 'billing' };
	});

	afterAll(async () => {
		await database.close();
		await h.drop();
	});

	function body(mutations: PushBody['mutations'], clientID = `c${++clientSeq}`): PushBody {
		return { enterpriseID, clientGroupID: 'g', clientID, mutations };
	}

	it('applies a createTeam once, and replays it as alreadyApplied', async () => {
		const teamID = randomUUID();
		const b = body([
			{ id: 1, name: 'createTeam', args: { teamID, name: 'Core' }, createdAt: Date.now() }
		]);
		const first = await push(database, b, owner);
		expect(first).toEqual({ ok: true, results: [{ id: 1, status: 'applied' }] });
		const again = await push(database, b, owner);
		expect(again).toEqual({ ok: true, results: [{ id: 1, status: 'alreadyApplied' }] });
		const teams = await database.db
			.selectFrom('teams')
			.select('name')
			.where('id', '=', teamID)
			.execute();
		expect(teams).toEqual([{ name: 'Core' }]);
	});

	it('refuses a gap with outOfOrder and applies nothing', async () => {
		const teamID = randomUUID();
		const out = await push(
			database,
			body([{ id: 2, name: 'createTeam', args: { teamID, name: 'Gap' }, createdAt: 0 }]),
			owner
		);
		expect(out).toEqual({ ok: false, status: 409, body: { error: 'outOfOrder', expected: 1 } });
		expect(
			await database.db.selectFrom('teams').select('id').where('id', '=', teamID).executeTakeFirst()
		).toBeUndefined();
	});

	it('R6: rejects an invite with no free seat, records it, and moves lastMutationID on', async () => {
		const clientID = `seat-${randomUUID()}`;
		const usage = await database.db
			.selectFrom('licenses')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', enterpriseID)
			.executeTakeFirstOrThrow();
		const free = 25 - Number(usage.n);
		const mutations = Array.from({ length: free + 1 }, (_, i) => ({
			id: i + 1,
			name: 'inviteUser',
			args: { inviteID: randomUUID(), email: `new${i}@sync.test`, teamIDs: [], role: 'member' },
			createdAt: Date.now()
		}));
		const out = await push(database, body(mutations, clientID), owner);
		if (!out.ok) throw new Error('push refused');
		expect(out.results.slice(0, free).every((r) => r.status === 'applied')).toBe(true);
		const last = out.results[free];
		expect(last).toMatchObject({
			status: 'rejected',
			code: 'NEEDS_TO_INCREASE_SEATS',
			details: { needed: 1, free: 0, purchased: 25 }
		});
		const patch = await pull(database, { enterpriseID, clientID, userID: owner.userID, cookie: 0 });
		expect(patch.lastMutationID).toBe(free + 1);
		expect(patch.rejections.map((r) => r.id)).toEqual([free + 1]);
	});

	it('R2: billing cannot create teams; the rejection says so', async () => {
		const out = await push(
			database,
			body([
				{ id: 1, name: 'createTeam', args: { teamID: randomUUID(), name: 'Nope' }, createdAt: 0 }
			]),
			billing
		);
		expect(out.ok && out.results[0]).toMatchObject({ status: 'rejected', code: 'NOT_PERMITTED' });
	});

	it('rejects unknown mutations and bad args without wedging', async () => {
		const out = await push(
			database,
			body([
				{ id: 1, name: 'dropAllTables', args: {}, createdAt: 0 },
				{ id: 2, name: 'createTeam', args: { teamID: 'not-a-uuid', name: '' }, createdAt: 0 }
			]),
			owner
		);
		expect(out.ok && out.results.map((r) => r.code)).toEqual(['UNKNOWN_MUTATION', 'INVALID_ARGS']);
	});

	it('pull sends changes since the cookie, tombstones for deletes, and the cookie never goes backwards', async () => {
		const clientID = `pull-${randomUUID()}`;
		const first = await pull(database, { enterpriseID, clientID, userID: owner.userID, cookie: 0 });
		expect(first.reset).toBe(true);
		expect(first.changes.filter((c) => c.table === 'licenses').length).toBeGreaterThan(20);
		const teamID = randomUUID();
		await push(
			database,
			body([{ id: 1, name: 'createTeam', args: { teamID, name: 'Temp' }, createdAt: 0 }], clientID),
			owner
		);
		const second = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: first.cookie
		});
		expect(second.cookie).toBeGreaterThan(first.cookie);
		expect(second.changes).toContainEqual({
			table: 'teams',
			op: 'put',
			key: teamID,
			value: { id: teamID, name: 'Temp', source: 'manual' }
		});
		expect(second.lastMutationID).toBe(1);
		await push(
			database,
			body([{ id: 2, name: 'deleteTeam', args: { teamID }, createdAt: 0 }], clientID),
			owner
		);
		const third = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: second.cookie
		});
		expect(third.changes).toContainEqual({ table: 'teams', op: 'del', key: teamID });
		expect(third.cookie).toBeGreaterThan(second.cookie);
		const fromFuture = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: third.cookie + 1000
		});
		expect(fromFuture.reset).toBe(true);
		expect(fromFuture.cookie).toBe(third.cookie);
	});

	it.runIf(h.name === 'postgres')(
		'relays pokes sent by another instance through LISTEN/NOTIFY',
		async () => {
			const stop = startPokeRelay(database);
			try {
				const heard = new Promise<void>((resolve) => {
					const off = onPoke(enterpriseID, () => {
						off();
						resolve();
					});
				});
				// Another app instance is just another connection that notifies.
				const other = new pg.Client({ connectionString: database.url });
				await other.connect();
				// The relay connects in the background; notify until it hears.
				// A notify still in flight when the connection ends rejects; that is not a failure here.
				const timer = setInterval(
					() =>
						void other.query(`select pg_notify('roster_poke', $1)`, [enterpriseID]).catch(() => {}),
					100
				);
				await heard;
				clearInterval(timer);
				await other.end();
			} finally {
				await stop();
			}
		}
	);

	it('R9/R10: organizations and team links are created, re-roled, unlinked and deleted through push; pull follows with tombstones', async () => {
		const clientID = `org-${randomUUID()}`;
		const orgID = randomUUID();
		const teamID = randomUUID();
		const before = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: 0
		});
		const now = Date.now();
		const out = await push(
			database,
			body(
				[
					{ id: 1, name: 'createOrg', args: { orgID, name: 'Research' }, createdAt: now },
					{ id: 2, name: 'createTeam', args: { teamID, name: 'Lab' }, createdAt: now },
					{
						id: 3,
						name: 'linkTeamToOrg',
						args: { teamID, orgID, role: 'member' },
						createdAt: now
					},
					{ id: 4, name: 'linkTeamToOrg', args: { teamID, orgID, role: 'admin' }, createdAt: now },
					{
						id: 5,
						name: 'renameOrg',
						args: { orgID, name: 'R&D', baseName: 'Research' },
						createdAt: now
					}
				],
				clientID
			),
			owner
		);
		expect(out.ok && out.results.map((r) => r.status)).toEqual([
			'applied',
			'applied',
			'applied',
			'applied',
			'applied'
		]);
		const mid = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: before.cookie
		});
		expect(mid.changes).toEqual(
			expect.arrayContaining([
				{ table: 'organizations', op: 'put', key: orgID, value: { id: orgID, name: 'R&D' } },
				{
					table: 'teamOrgLinks',
					op: 'put',
					key: `${teamID}:${orgID}`,
					value: { teamID, orgID, role: 'admin' }
				}
			])
		);
		const audit = await database.db
			.selectFrom('audit_log')
			.select('action')
			.where('enterprise_id', '=', enterpriseID)
			.where('action', 'in', ['createOrg', 'linkTeamToOrg', 'renameOrg'])
			.execute();
		expect(audit.map((a) => a.action).sort()).toEqual([
			'createOrg',
			'linkTeamToOrg',
			'linkTeamToOrg',
			'renameOrg'
		]);
		const out2 = await push(
			database,
			body(
				[
					{ id: 6, name: 'unlinkTeamFromOrg', args: { teamID, orgID }, createdAt: now },
					{ id: 7, name: 'deleteOrg', args: { orgID }, createdAt: now },
					// Renaming what is gone is refused, and says so.
					{ id: 8, name: 'renameOrg', args: { orgID, name: 'Ghost' }, createdAt: now }
				],
				clientID
			),
			owner
		);
		expect(out2.ok && out2.results.map((r) => [r.status, r.code])).toEqual([
			['applied', undefined],
			['applied', undefined],
			['rejected', 'NOT_FOUND']
		]);
		const after = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: mid.cookie
		});
		expect(after.changes).toEqual(
			expect.arrayContaining([
				{ table: 'teamOrgLinks', op: 'del', key: `${teamID}:${orgID}` },
				{ table: 'organizations', op: 'del', key: orgID }
			])
		);
	});

	it('R9: billing cannot create organizations; R1: an id of another enterprise is never touched', async () => {
		const refused = await push(
			database,
			body([
				{ id: 1, name: 'createOrg', args: { orgID: randomUUID(), name: 'Nope' }, createdAt: 0 }
			]),
			billing
		);
		expect(refused.ok && refused.results[0]?.code).toBe('NOT_PERMITTED');
		// Another enterprise's organization, addressed by its id from this enterprise.
		const other = await seedEnterprise(database, {
			name: 'Other Org Co',
			users: 2,
			invites: 0,
			domains: ['other-org.test']
		});
		const theirs = await database.db
			.selectFrom('organizations')
			.select(['id', 'name'])
			.where('enterprise_id', '=', other.enterpriseID)
			.executeTakeFirst();
		expect(theirs).toBeDefined();
		const out = await push(
			database,
			body([
				{ id: 1, name: 'createOrg', args: { orgID: theirs!.id, name: 'Hijack' }, createdAt: 0 },
				{ id: 2, name: 'deleteOrg', args: { orgID: theirs!.id }, createdAt: 0 }
			]),
			owner
		);
		expect(out.ok).toBe(true);
		const still = await database.db
			.selectFrom('organizations')
			.select(['name', 'enterprise_id'])
			.where('id', '=', theirs!.id)
			.executeTakeFirst();
		expect(still).toEqual({ name: theirs!.name, enterprise_id: other.enterpriseID });
	});

	it('R4/R5: invites are resent, re-roled and revoked; the seat count changes, never below use; pull follows', async () => {
		const clientID = `inv-${randomUUID()}`;
		const inviteID = randomUUID();
		const now = Date.now();
		const start = await pull(database, { enterpriseID, clientID, userID: owner.userID, cookie: 0 });
		const seatsBefore = (
			start.changes.find((c) => c.table === 'enterprise')?.value as { seats: number }
		).seats;
		const out = await push(
			database,
			body(
				[
					{ id: 1, name: 'setSeatCount', args: { seats: seatsBefore + 5 }, createdAt: now },
					{
						id: 2,
						name: 'inviteUser',
						args: { inviteID, email: `inv-${clientID}@sync.test`, role: 'member' },
						createdAt: now
					},
					{ id: 3, name: 'changeInviteRole', args: { inviteID, role: 'admin' }, createdAt: now },
					{ id: 4, name: 'resendInvite', args: { inviteID }, createdAt: now },
					{ id: 5, name: 'revokeInvite', args: { inviteID }, createdAt: now },
					{ id: 6, name: 'setSeatCount', args: { seats: 1 }, createdAt: now }
				],
				clientID
			),
			owner
		);
		expect(out.ok && out.results.map((r) => r.code ?? r.status)).toEqual([
			'applied',
			'applied',
			'applied',
			'applied',
			'applied',
			'SEATS_IN_USE'
		]);
		const after = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: start.cookie
		});
		expect(after.changes).toEqual(
			expect.arrayContaining([
				{ table: 'invites', op: 'del', key: inviteID },
				expect.objectContaining({
					table: 'enterprise',
					op: 'put',
					value: expect.objectContaining({ seats: seatsBefore + 5 })
				})
			])
		);
		expect(
			await database.db.selectFrom('invites').select('id').where('id', '=', inviteID).execute()
		).toEqual([]);
		// Billing changes the seat count (R2), but cannot revoke invites.
		const billingOut = await push(
			database,
			body([
				{ id: 1, name: 'setSeatCount', args: { seats: seatsBefore + 6 }, createdAt: now },
				{ id: 2, name: 'revokeInvite', args: { inviteID: randomUUID() }, createdAt: now }
			]),
			billing
		);
		expect(billingOut.ok && billingOut.results.map((r) => r.code ?? r.status)).toEqual([
			'applied',
			'NOT_PERMITTED'
		]);
	});

	it('R17: the global storage rule and an override are set and cleared through push; pull follows', async () => {
		const clientID = `pol-${randomUUID()}`;
		const orgID = randomUUID();
		const now = Date.now();
		const start = await pull(database, { enterpriseID, clientID, userID: owner.userID, cookie: 0 });
		const out = await push(
			database,
			body(
				[
					{ id: 1, name: 'createOrg', args: { orgID, name: 'Policy Org' }, createdAt: now },
					{
						id: 2,
						name: 'setStoragePolicy',
						args: { orgID: null, local: true, cloud: false, git: true },
						createdAt: now
					},
					{
						id: 3,
						name: 'setStoragePolicy',
						args: { orgID, local: false, cloud: false, git: true },
						createdAt: now
					},
					{
						id: 4,
						name: 'setStoragePolicy',
						args: { orgID: null, local: true, cloud: true, git: false },
						createdAt: now
					}
				],
				clientID
			),
			owner
		);
		expect(out.ok && out.results.map((r) => r.status)).toEqual([
			'applied',
			'applied',
			'applied',
			'applied'
		]);
		const mid = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: start.cookie
		});
		expect(mid.changes).toEqual(
			expect.arrayContaining([
				{
					table: 'storagePolicies',
					op: 'put',
					key: 'global',
					value: { key: 'global', orgID: null, local: true, cloud: true, git: false }
				},
				{
					table: 'storagePolicies',
					op: 'put',
					key: orgID,
					value: { key: orgID, orgID, local: false, cloud: false, git: true }
				}
			])
		);
		const rows = await database.db
			.selectFrom('storage_policies')
			.select('org_id')
			.where('enterprise_id', '=', enterpriseID)
			.execute();
		expect(rows.filter((r) => r.org_id === null)).toHaveLength(1); // one global rule, updated
		const cleared = await push(
			database,
			body(
				[{ id: 5, name: 'clearStoragePolicyOverride', args: { orgID }, createdAt: now }],
				clientID
			),
			owner
		);
		expect(cleared.ok).toBe(true);
		const after = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: mid.cookie
		});
		expect(after.changes).toContainEqual({ table: 'storagePolicies', op: 'del', key: orgID });
		const billingPull = await pull(database, {
			enterpriseID,
			clientID: `billing-pol-${randomUUID()}`,
			userID: billing.userID,
			cookie: 0
		});
		expect(billingPull.changes.some((c) => c.table === 'storagePolicies')).toBe(false);
	});

	it('R2/R8: the owner names and removes co-owners and billing admins through push; pull follows by email', async () => {
		const clientID = `adm-${randomUUID()}`;
		const now = Date.now();
		const someone = await database.db
			.selectFrom('users')
			.innerJoin('licenses', 'licenses.user_id', 'users.id')
			.select(['users.id', 'users.email'])
			.where('licenses.enterprise_id', '=', enterpriseID)
			.where('users.id', '!=', owner.userID)
			.executeTakeFirstOrThrow();
		const email = someone.email.toLowerCase();
		const start = await pull(database, { enterpriseID, clientID, userID: owner.userID, cookie: 0 });
		expect(start.changes).toContainEqual(
			expect.objectContaining({ table: 'admins', key: 'owner@sync.test' })
		);
		const out = await push(
			database,
			body(
				[
					{ id: 1, name: 'addCoOwner', args: { email: someone.email }, createdAt: now },
					{
						id: 2,
						name: 'addCoOwner',
						args: { email: 'nobody-here@sync.test' },
						createdAt: now
					},
					{ id: 3, name: 'removeCoOwner', args: { email: 'owner@sync.test' }, createdAt: now }
				],
				clientID
			),
			owner
		);
		expect(out.ok && out.results.map((r) => r.code ?? r.status)).toEqual([
			'applied',
			'NOT_FOUND',
			'CANNOT_REMOVE_OWNER'
		]);
		const mid = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: start.cookie
		});
		expect(mid.changes).toContainEqual({
			table: 'admins',
			op: 'put',
			key: email,
			value: expect.objectContaining({ email, userID: someone.id, role: 'co-owner' })
		});
		// The new co-owner may not name others (R2: the owner's right only).
		const theirs = await push(
			database,
			body([{ id: 1, name: 'addCoOwner', args: { email: 'billing@sync.test' }, createdAt: now }]),
			{ userID: someone.id, role: 'co-owner' }
		);
		expect(theirs.ok && theirs.results[0]?.code).toBe('NOT_PERMITTED');
		const removed = await push(
			database,
			body([{ id: 4, name: 'removeCoOwner', args: { email }, createdAt: now }], clientID),
			owner
		);
		expect(removed.ok && removed.results[0]?.status).toBe('applied');
		const after = await pull(database, {
			enterpriseID,
			clientID,
			userID: owner.userID,
			cookie: mid.cookie
		});
		expect(after.changes).toContainEqual({ table: 'admins', op: 'del', key: email });
		const role = await database.db
			.selectFrom('account_roles')
			.select('role')
			.where('enterprise_id', '=', enterpriseID)
			.where('user_id', '=', someone.id)
			.executeTakeFirstOrThrow();
		expect(role.role).toBe('member');
	});

	it('R2: billing pulls licenses and invites, never teams or organizations', async () => {
		const patch = await pull(database, {
			enterpriseID,
			clientID: `billing-${randomUUID()}`,
			userID: billing.userID,
			cookie: 0
		});
		const tables = new Set(patch.changes.map((c) => c.table));
		expect(tables.has('licenses')).toBe(true);
		expect(tables.has('enterprise')).toBe(true);
		for (const hidden of ['teams', 'teamMembers', 'organizations', 'teamOrgLinks', 'orgMembers']) {
			expect(tables.has(hidden as never)).toBe(false);
		}
	});

	// Last: it moves every version of this database past the restore.
	it('after a restore, a cookie below the floor is reset even once the version passes it; one at or above the floor gets a patch', async () => {
		const clientID = `floor-${randomUUID()}`;
		const userID = owner.userID;
		const before = await pull(database, { enterpriseID, clientID, userID, cookie: 0 });
		const [jump] = (await afterRestore(database, 0)).filter((j) => j.id === enterpriseID);
		expect(jump).toEqual({
			id: enterpriseID,
			slug: expect.any(String),
			from: before.cookie,
			to: before.cookie + RESTORE_JUMP
		});
		const floor = jump!.to;
		const teamID = randomUUID();
		const created = await push(
			database,
			body(
				[{ id: 1, name: 'createTeam', args: { teamID, name: 'After' }, createdAt: 0 }],
				clientID
			),
			owner
		);
		expect(created.ok && created.results[0]?.status).toBe('applied');
		// The version is far past the old cookie, which the cookie alone would take as "behind".
		const old = await pull(database, { enterpriseID, clientID, userID, cookie: before.cookie });
		expect(old.reset).toBe(true);
		expect(old.cookie).toBe(floor + 1);
		expect(old.changes.filter((c) => c.table === 'licenses').length).toBeGreaterThan(20);
		expect(old.changes).toContainEqual({
			table: 'teams',
			op: 'put',
			key: teamID,
			value: { id: teamID, name: 'After', source: 'manual' }
		});
		// Roster chunks taken before the restore are paged again, never kept.
		const chunks = await pull(database, {
			enterpriseID,
			clientID,
			userID,
			cookie: 0,
			licensesSince: before.cookie
		});
		expect(chunks.rosterKept).toBeUndefined();
		expect(chunks.rosterChunked).toBe(true);
		// Cookies issued at or after the jump are trusted: an ordinary patch.
		const atFloor = await pull(database, { enterpriseID, clientID, userID, cookie: floor });
		expect(atFloor.reset).toBe(false);
		expect(atFloor.changes.map((c) => `${c.table} ${c.op} ${c.key}`)).toEqual([
			`enterprise put ${enterpriseID}`,
			`teams put ${teamID}`
		]);
		const current = await pull(database, { enterpriseID, clientID, userID, cookie: old.cookie });
		expect(current).toMatchObject({ reset: false, changes: [], cookie: floor + 1 });
		const kept = await pull(database, {
			enterpriseID,
			clientID,
			userID,
			cookie: 0,
			licensesSince: floor
		});
		expect(kept.rosterKept).toBe(true);
	});
});
