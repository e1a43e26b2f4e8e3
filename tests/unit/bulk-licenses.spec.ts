import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../../src/lib/server/audit.service';
import { seatUsageOf } from '../../src/lib/server/licenses.service';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { rosterPage } from '../../src/lib/server/sync/roster';
import { pull } from '../../src/lib/server/sync/pull';
import { MAX_BULK_PEOPLE } from '../../src/lib/domain/seats';
import type { PushBody } from '../../src/lib/domain/sync/protocol';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { NOW, grantRole, license, makeEmptyEnterprise, makeUser } from './support/factories';

// Bulk changes on licensed users, through the server's push as the console sends them: one
// mutation for many people, decided by the server (R6, R7, R8, R10).
describe.each(dialects)('bulk license changes on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	/** An enterprise with an owner (licensed) and `people` more licensed users. */
	async function enterprise(people: number, seats = people + 1) {
		const ent = await makeEmptyEnterprise(t.database, { seats });
		const owner = await makeUser(t.database);
		await license(t.database, ent.id, owner.id);
		await grantRole(t.database, ent.id, owner.id, 'owner');
		const users = [];
		for (let i = 0; i < people; i++) {
			const u = await makeUser(t.database);
			await license(t.database, ent.id, u.id);
			users.push(u);
		}
		const pusher: Pusher = { userID: owner.id, role: 'owner' };
		let next = 0;
		const send = async (name: string, args: unknown) => {
			const body: PushBody = {
				enterpriseID: ent.id,
				clientGroupID: 'g',
				clientID: `c-${ent.id}`,
				mutations: [{ id: ++next, name, args, createdAt: Date.now() }]
			};
			const out = await push(t.database, body, pusher);
			if (!out.ok) throw new Error(`push refused: ${JSON.stringify(out)}`);
			return out.results[0]!;
		};
		return { ent, owner, users, send };
	}

	const licensed = (enterpriseID: string) =>
		seatUsageOf(t.database, enterpriseID, Date.now()).then((s) => s.licensed);

	it('R7: one removeLicenses frees every selected seat at once and audits each person', async () => {
		const { ent, users, send } = await enterprise(5);
		const gone = users.slice(0, 3);
		expect(await send('removeLicenses', { userIDs: gone.map((u) => u.id) })).toEqual({
			id: 1,
			status: 'applied'
		});
		expect(await licensed(ent.id)).toBe(3);
		for (const u of gone) {
			const { entries } = await listAuditEntries(t.database, ent.id, { target: u.email, limit: 5 });
			expect(entries.map((e) => e.action)).toEqual(['removeLicense']);
		}
		// The rest keep theirs.
		const { entries } = await listAuditEntries(t.database, ent.id, {
			target: users[4]!.email,
			limit: 5
		});
		expect(entries).toEqual([]);
	});

	it('R8: a removeLicenses that names the owner is refused whole, and no seat is freed', async () => {
		const { ent, owner, users, send } = await enterprise(3);
		const result = await send('removeLicenses', { userIDs: [users[0]!.id, owner.id] });
		expect(result).toMatchObject({ status: 'rejected', code: 'CANNOT_REMOVE_OWNER' });
		expect(await licensed(ent.id)).toBe(4);
	});

	it('R1: removeLicenses leaves the same person licensed in another enterprise alone', async () => {
		const a = await enterprise(2);
		const b = await enterprise(0);
		await license(t.database, b.ent.id, a.users[0]!.id);
		await a.send('removeLicenses', { userIDs: [a.users[0]!.id] });
		expect(await licensed(a.ent.id)).toBe(2);
		expect(await licensed(b.ent.id)).toBe(2);
	});

	it(`a bulk change names at most ${MAX_BULK_PEOPLE} people: more is refused as invalid, nothing changes`, async () => {
		const { ent, users, send } = await enterprise(1);
		const many = [users[0]!.id, ...Array.from({ length: MAX_BULK_PEOPLE }, () => randomUUID())];
		expect(await send('removeLicenses', { userIDs: many })).toMatchObject({
			status: 'rejected',
			code: 'INVALID_ARGS'
		});
		expect(await licensed(ent.id)).toBe(2);
	});

	it('R6, R10: addTeamMembers adds licensed people to a team on a full enterprise; the unlicensed are left out', async () => {
		// Every seat is taken: adding licensed people to a team still works (R6).
		const { ent, users, send } = await enterprise(3);
		const outsider = await makeUser(t.database);
		const teamID = randomUUID();
		await send('createTeam', { teamID, name: 'Platform' });
		const result = await send('addTeamMembers', {
			teamID,
			userIDs: [...users.slice(0, 2).map((u) => u.id), outsider.id]
		});
		expect(result.status).toBe('applied');
		const members = await t.database.db
			.selectFrom('team_members')
			.select('user_id')
			.where('team_id', '=', teamID)
			.execute();
		expect(members.map((m) => m.user_id).sort()).toEqual(
			users
				.slice(0, 2)
				.map((u) => u.id)
				.sort()
		);
		expect(await seatUsageOf(t.database, ent.id, Date.now())).toMatchObject({
			licensed: 4,
			free: 0
		});
	});

	it('the mirror learns how and when each license was given, in roster pages and pulled rows', async () => {
		const { ent, owner, users } = await enterprise(1);
		await t.database.db
			.updateTable('licenses')
			.set({ source: 'scim' })
			.where('user_id', '=', users[0]!.id)
			.execute();
		const page = await rosterPage(t.database, { enterpriseID: ent.id, after: '', limit: 10 });
		const at = page.ids.indexOf(users[0]!.id);
		expect(page.sources![at]).toBe('scim');
		expect(page.since![at]).toBe(NOW);
		const pulled = await pull(t.database, {
			enterpriseID: ent.id,
			clientID: `c-${ent.id}`,
			userID: owner.id,
			cookie: 0
		});
		const row = pulled.changes.find(
			(c) => c.op === 'put' && c.table === 'licenses' && c.key === users[0]!.id
		);
		expect(row).toMatchObject({ value: { source: 'scim', since: NOW } });
	});
});
