import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../server/db';
import { seedEnterprise } from '../server/seed';
import { push } from '../server/sync/push';
import { pull } from '../server/sync/pull';
import { RosterDB } from './db';
import { SyncEngine, backoff, type SyncTransport } from './sync-engine';

let database: Db;
let enterpriseID: string;
let ownerID: string;

/** A transport straight into the server's push and pull, with a switch to go offline. */
function serverTransport(userID: string) {
	const t = {
		offline: false as boolean,
		pushes: 0,
		async push(body) {
			if (t.offline) throw new TypeError('Failed to fetch');
			t.pushes++;
			const out = await push(database, body, { userID, role: 'owner' });
			return out.ok
				? { status: 200, body: { results: out.results } }
				: { status: out.status, body: out.body };
		},
		async pull(q) {
			if (t.offline) throw new TypeError('Failed to fetch');
			return { status: 200, body: await pull(database, { ...q, userID }) };
		}
	} satisfies SyncTransport & { offline: boolean; pushes: number };
	return t;
}

function client(transport: SyncTransport) {
	const db = new RosterDB(`test-${randomUUID()}`);
	return new SyncEngine({ db, enterpriseID, userID: ownerID, role: 'owner', transport });
}

beforeAll(async () => {
	database = openDb({ file: join(mkdtempSync(join(tmpdir(), 'roster-engine-')), 'roster.db') });
	await migrate(database);
	const seeded = await seedEnterprise(database, {
		name: 'Engine Co',
		users: 30,
		seats: 33,
		invites: 0,
		domains: ['engine.test']
	});
	enterpriseID = seeded.enterpriseID;
	ownerID = (
		await database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'owner@engine.test')
			.executeTakeFirstOrThrow()
	).id;
});

afterAll(() => database.close());

describe('SyncEngine against the real server logic', () => {
	it('mirrors the enterprise on first sync', async () => {
		const engine = client(serverTransport(ownerID));
		await engine.sync();
		expect(await engine.db.licenses.count()).toBe(31);
		expect(await engine.db.teams.count()).toBe(6);
		expect((await engine.db.enterprise.toArray())[0]?.seats).toBe(33);
	});

	it('queues changes offline, keeps them, and lands each exactly once when back online', async () => {
		const transport = serverTransport(ownerID);
		const engine = client(transport);
		await engine.sync();
		transport.offline = true;
		const teamID = randomUUID();
		expect(await engine.mutate('createTeam', { teamID, name: 'Offline team' })).toEqual({
			ok: true
		});
		expect(await engine.mutate('renameTeam', { teamID, name: 'Renamed offline' })).toEqual({
			ok: true
		});
		await engine.sync();
		expect(await engine.db.outbox.count()).toBe(2);
		expect((await engine.db.teams.get(teamID))?.name).toBe('Renamed offline');
		expect(engine.state.online).toBe(false);
		transport.offline = false;
		await engine.sync();
		engine.stop();
		expect(await engine.db.outbox.count()).toBe(0);
		const rows = await database.db
			.selectFrom('teams')
			.select('name')
			.where('id', '=', teamID)
			.execute();
		expect(rows).toEqual([{ name: 'Renamed offline' }]);
		// Pushing the same ids again changes nothing on the server.
		await engine.sync();
		expect(
			await database.db.selectFrom('teams').select('id').where('id', '=', teamID).execute()
		).toHaveLength(1);
	});

	it('R6: an invite the server rejects moves to rejections and its optimistic effect disappears', async () => {
		const a = client(serverTransport(ownerID));
		const b = client(serverTransport(ownerID));
		await a.sync();
		await b.sync();
		const free = 33 - (await a.db.licenses.count()) - (await a.db.invites.count());
		// Device A takes every free seat while device B, unaware, invites one more person.
		for (let i = 0; i < free; i++) {
			expect(
				(
					await a.mutate('inviteUser', {
						inviteID: randomUUID(),
						email: `a${i}@engine.test`,
						teamIDs: [],
						role: 'member'
					})
				).ok
			).toBe(true);
		}
		await a.sync();
		const inviteID = randomUUID();
		expect(
			(
				await b.mutate('inviteUser', {
					inviteID,
					email: 'bob@engine.test',
					teamIDs: [],
					role: 'member'
				})
			).ok
		).toBe(true);
		expect(await b.db.invites.get(inviteID)).toBeDefined();
		await b.sync();
		a.stop();
		b.stop();
		const rejections = await b.db.rejections.toArray();
		expect(rejections).toHaveLength(1);
		expect(rejections[0]).toMatchObject({ name: 'inviteUser', code: 'NEEDS_TO_INCREASE_SEATS' });
		expect(await b.db.invites.get(inviteID)).toBeUndefined();
		expect(await b.db.outbox.count()).toBe(0);
		// Both devices converge on the server's invites.
		expect((await b.db.invites.toArray()).map((i) => i.email).sort()).toEqual(
			(await a.db.invites.toArray()).map((i) => i.email).sort()
		);
	});

	it('refuses locally what the mirror already shows to be impossible, and queues nothing', async () => {
		const engine = client(serverTransport(ownerID));
		await engine.sync();
		const result = await engine.mutate('renameTeam', { teamID: randomUUID(), name: 'Ghost' });
		engine.stop();
		expect(result).toMatchObject({ ok: false, code: 'NOT_FOUND' });
		expect(await engine.db.outbox.count()).toBe(0);
	});

	it('keeps queued changes when the session expires, and pushes them after signing in again', async () => {
		const inner = serverTransport(ownerID);
		let signedIn = true;
		const transport: SyncTransport = {
			push: (b) =>
				signedIn
					? inner.push(b)
					: Promise.resolve({ status: 401, body: { error: 'unauthorized' } }),
			pull: (q) =>
				signedIn ? inner.pull(q) : Promise.resolve({ status: 401, body: { error: 'unauthorized' } })
		};
		const engine = client(transport);
		await engine.sync();
		signedIn = false;
		const teamID = randomUUID();
		await engine.mutate('createTeam', { teamID, name: 'After expiry' });
		await engine.sync();
		expect(engine.state.signedOut).toBe(true);
		expect(await engine.db.outbox.count()).toBe(1);
		signedIn = true;
		engine.resume();
		await engine.sync();
		engine.stop();
		expect(await engine.db.outbox.count()).toBe(0);
		expect(
			await database.db.selectFrom('teams').select('id').where('id', '=', teamID).execute()
		).toHaveLength(1);
	});

	it('a concurrent rename comes back as a conflict; keep mine lands it, and both devices converge', async () => {
		const a = client(serverTransport(ownerID));
		const b = client(serverTransport(ownerID));
		await a.sync();
		const teamID = randomUUID();
		await a.mutate('createTeam', { teamID, name: 'Base' });
		await a.sync();
		await b.sync();
		await a.mutate('renameTeam', { teamID, name: 'From A', baseName: 'Base' });
		await a.sync();
		await b.mutate('renameTeam', { teamID, name: 'From B', baseName: 'Base' });
		await b.sync();
		const [conflict] = await b.db.rejections.toArray();
		expect(conflict).toMatchObject({
			code: 'CONFLICT',
			details: { mine: 'From B', theirs: 'From A' }
		});
		expect((await b.db.teams.get(teamID))?.name).toBe('From A');
		expect(
			await b.retry(conflict!.mutationID, { teamID, name: 'From B', baseName: 'From A' })
		).toEqual({ ok: true });
		await b.sync();
		await a.sync();
		a.stop();
		b.stop();
		expect((await a.db.teams.get(teamID))?.name).toBe('From B');
		expect((await b.db.teams.get(teamID))?.name).toBe('From B');
		expect(await b.db.rejections.count()).toBe(0);
	});

	it('backs off exponentially with jitter, capped at a minute', () => {
		expect(backoff(1, () => 0.5)).toBe(1000);
		expect(backoff(3, () => 0.5)).toBe(4000);
		expect(backoff(20, () => 0.5)).toBe(60_000);
		expect(backoff(2, () => 0)).toBe(1000);
	});
});
