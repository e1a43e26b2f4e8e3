import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncTransport } from '../../src/lib/client/sync/engine';
import { Device } from './support/devices';
import { FaultyNetwork } from './support/faulty-transport';
import { Prng } from './support/prng';
import { freshFullPull, openServer, pick, type TestServer } from './support/server';

// Deterministic scenarios distilled from the randomized runs: each names one way a device
// could lose, duplicate or misreport an admin's change, and asserts what the admin must see.

let server: TestServer;
let net: FaultyNetwork;
const devices: Device[] = [];

async function device(name: string, transport?: SyncTransport): Promise<Device> {
	const d = await Device.open({
		name,
		clientID: `${name}-${devices.length}`,
		enterpriseID: server.enterpriseID,
		userID: server.owner.userID,
		transport: transport ?? net.transport(name)
	});
	devices.push(d);
	return d;
}

beforeEach(async () => {
	// 6 licensed (owner + 5), 8 seats: 2 free.
	server = await openServer({ users: 5, seats: 8 });
	// A clean network unless a scenario injects a fault.
	net = new FaultyNetwork({
		database: server.database,
		enterpriseID: server.enterpriseID,
		pusher: server.owner,
		rng: new Prng(1),
		pushFaults: { none: 1 },
		pullFaults: { none: 1 }
	});
});

afterEach(async () => {
	for (const d of devices.splice(0)) await d.close();
	await server.close();
});

const rng = new Prng(42);

describe('sync engine edge cases found by the fault-injection runs', () => {
	it('an offline device with 100 or more queued changes finishes syncing (no push livelock)', async () => {
		const a = await device('a');
		await a.sync();
		const teamIDs: string[] = [];
		for (let i = 0; i < 100; i++) {
			const teamID = rng.uuid();
			teamIDs.push(teamID);
			expect((await a.mutate('createTeam', { teamID, name: `Offline ${i}` })).result.ok).toBe(true);
		}
		await a.sync();
		expect(net.violations).toEqual([]);
		expect(await a.db.outbox.count()).toBe(0);
		expect(net.served.push).toBeLessThanOrEqual(3);
		const rows = await server.database.db
			.selectFrom('teams')
			.select('id')
			.where('id', 'in', teamIDs)
			.execute();
		expect(rows).toHaveLength(100);
	});

	it('R6: a rejection learned from pull (answer lost after commit) removes its optimistic invite', async () => {
		const a = await device('a');
		const b = await device('b');
		await a.sync();
		await b.sync();
		// B takes both free seats; A, not yet aware, invites someone.
		for (const n of [1, 2]) {
			const out = await b.mutate('inviteUser', {
				inviteID: rng.uuid(),
				email: `b${n}@proof.test`,
				teamIDs: [],
				role: 'member'
			});
			expect(out.result.ok).toBe(true);
		}
		await b.sync();
		const inviteID = rng.uuid();
		const queued = await a.mutate('inviteUser', {
			inviteID,
			email: 'late@proof.test',
			teamIDs: [],
			role: 'member'
		});
		expect(queued.result.ok).toBe(true);
		// The server rejects it (no free seat), commits the rejection, and the answer is lost.
		net.inject('push', 'dropResponse');
		await a.sync();
		expect(a.engine.state.online).toBe(false);
		await a.sync();
		expect(await a.db.outbox.count()).toBe(0);
		expect(await a.db.rejections.get(queued.mutationID!)).toMatchObject({
			code: 'NEEDS_TO_INCREASE_SEATS'
		});
		// The admin must not keep seeing an invite (and a used seat) the server never accepted.
		expect(await a.db.invites.get(inviteID)).toBeUndefined();
		expect(pick(await a.snapshot())).toEqual((await freshFullPull(server)).snapshot);
	});

	it('no rejection is lost when more than 100 are recorded after an answer went missing', async () => {
		const a = await device('a');
		const b = await device('b');
		await a.sync();
		await b.sync();
		const team = (await a.db.teams.toArray())[0]!;
		// B deletes the team; A, still showing it, renames it 50 times offline.
		expect((await b.mutate('deleteTeam', { teamID: team.id })).result.ok).toBe(true);
		await b.sync();
		const ids: number[] = [];
		const rename = async (i: number) => {
			const out = await a.mutate('renameTeam', { teamID: team.id, name: `Rename ${i}` });
			expect(out.result.ok).toBe(true);
			ids.push(out.mutationID!);
		};
		for (let i = 0; i < 50; i++) await rename(i);
		// All 50 are rejected (NOT_FOUND) and recorded on the server; the answer is lost.
		net.inject('push', 'dropResponse');
		await a.sync();
		// Still offline-looking, the admin keeps working: 150 more renames.
		for (let i = 50; i < 200; i++) await rename(i);
		await a.sync();
		await a.sync();
		expect(net.violations).toEqual([]);
		expect(await a.db.outbox.count()).toBe(0);
		const rejected = (await a.db.rejections.toArray()).map((r) => r.mutationID);
		const missing = ids.filter((id) => !rejected.includes(id));
		// Every rename the server refused must be in "Sync issues"; none may vanish silently.
		expect(
			missing.length,
			`${missing.length} rejections never shown to the admin (ids ${missing[0]}..${missing.at(-1)})`
		).toBe(0);
	});

	it('a push refused as too large (413 from a proxy) does not wedge later changes', async () => {
		let tooLarge = 1;
		const inner = net.transport('a');
		const transport: SyncTransport = {
			push: (body) =>
				tooLarge-- > 0
					? Promise.resolve({ status: 413, body: { message: 'payload too large' } })
					: inner.push(body),
			pull: (q) => inner.pull(q)
		};
		const a = await device('a', transport);
		await a.sync();
		const refusedID = rng.uuid();
		await a.mutate('createTeam', { teamID: refusedID, name: 'Refused by proxy' });
		await a.sync();
		// A 413 for one small change is the proxy's problem: the change stays queued and is retried.
		expect(tooLarge).toBeLessThan(0);
		const teamID = rng.uuid();
		await a.mutate('createTeam', { teamID, name: 'After the 413' });
		await a.sync();
		await a.sync();
		// The later change reaches the server; the device is not stuck on "expects change 1".
		expect(a.engine.state.lastError).toBeNull();
		expect(await a.db.outbox.count()).toBe(0);
		expect(
			await server.database.db
				.selectFrom('teams')
				.select('id')
				.where('id', 'in', [teamID, refusedID])
				.execute()
		).toHaveLength(2);
	});
});
