import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../src/lib/server/db';
import { seedEnterprise } from '../../src/lib/server/seed';
import { push } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { RosterDB } from '../../src/lib/client/db';
import { runMutation } from '../../src/lib/domain/mutations';
import { SyncEngine, backoff, type SyncTransport } from '../../src/lib/client/sync/engine';
import { allLicenses, getLicense, licenseCount } from '../../src/lib/client/roster';
import { rosterPage } from '../../src/lib/server/sync/roster';

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

/** The same, with the roster paged in columns (7 users a page) as the app's fetch transport does. */
function chunkedTransport(userID: string) {
	const t = Object.assign(serverTransport(userID), { rosterPages: 0 });
	return Object.assign(t, {
		async pull(q: Parameters<SyncTransport['pull']>[0]) {
			if (t.offline) throw new TypeError('Failed to fetch');
			const { licenses, ...rest } = q;
			return {
				status: 200,
				body: await pull(database, {
					...rest,
					userID,
					licensesChunked: licenses === 'chunked'
				})
			};
		},
		async roster(q: { enterpriseID: string; after: string; through?: string }) {
			if (t.offline) throw new TypeError('Failed to fetch');
			t.rosterPages++;
			return { status: 200, body: await rosterPage(database, { ...q, limit: 7 }) };
		}
	});
}

function client(transport: SyncTransport) {
	const db = new RosterDB(`test-${randomUUID()}`);
	return new SyncEngine({
		db,
		enterpriseID,
		userID: ownerID,
		role: 'owner',
		transport,
		mutations: async () => ({ runMutation })
	});
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
		expect(await licenseCount(engine.db)).toBe(31);
		expect(await engine.db.teams.count()).toBe(6);
		expect((await engine.db.enterprise.toArray())[0]?.seats).toBe(33);
	});

	it('a full sync pages the licensed users into columnar chunks, with progress, and reads them back', async () => {
		const transport = chunkedTransport(ownerID);
		const engine = client(transport);
		const progress: { done: number; total: number }[] = [];
		engine.subscribe((s) => {
			if (s.loading) progress.push(s.loading);
		});
		await engine.sync();
		// 31 users in four id ranges at 7 a page: at least five pages, each stored as one chunk.
		expect(transport.rosterPages).toBeGreaterThanOrEqual(5);
		expect(await engine.db.rosterChunks.count()).toBeGreaterThanOrEqual(5);
		expect(await engine.db.licenses.count()).toBe(0); // nothing on top of the chunks yet
		expect(await licenseCount(engine.db)).toBe(31);
		const done = progress.map((p) => p.done);
		expect(done[0]).toBe(0);
		expect(done.at(-1)).toBe(31);
		expect(done).toEqual([...done].sort((a, b) => a - b));
		expect(progress.every((p) => p.total === 31)).toBe(true);
		expect(engine.state.loading).toBeNull();
		const server = await database.db
			.selectFrom('licenses')
			.innerJoin('users', 'users.id', 'licenses.user_id')
			.select(['users.id', 'users.email'])
			.where('licenses.enterprise_id', '=', enterpriseID)
			.execute();
		const mirrored = await allLicenses(engine.db);
		expect(mirrored.map((l) => [l.id, l.email]).sort()).toEqual(
			server.map((l) => [l.id, l.email]).sort()
		);
		engine.stop();
	});

	it('R7: removing a license on top of the chunks, offline, counts at once and lands once; a second full sync starts a new generation', async () => {
		const transport = chunkedTransport(ownerID);
		const engine = client(transport);
		await engine.sync();
		const victim = (await allLicenses(engine.db)).find((l) => l.id !== ownerID)!;
		transport.offline = true;
		expect(await engine.mutate('removeLicense', { userID: victim.id })).toEqual({ ok: true });
		expect(await getLicense(engine.db, victim.id)).toBeUndefined();
		expect(await licenseCount(engine.db)).toBe(30);
		// Removing it again is a no-op (idempotent intent): the count does not go down twice.
		expect((await engine.mutate('removeLicense', { userID: victim.id })).ok).toBe(true);
		expect(await licenseCount(engine.db)).toBe(30);
		transport.offline = false;
		await engine.sync();
		expect(await engine.db.outbox.count()).toBe(0);
		expect(await licenseCount(engine.db)).toBe(30);
		expect(
			await database.db
				.selectFrom('licenses')
				.select('user_id')
				.where('enterprise_id', '=', enterpriseID)
				.where('user_id', '=', victim.id)
				.execute()
		).toEqual([]);
		// A device that syncs from scratch gets the same roster without the removed user.
		const fresh = client(chunkedTransport(ownerID));
		await fresh.sync();
		expect(await licenseCount(fresh.db)).toBe(30);
		expect(await getLicense(fresh.db, victim.id)).toBeUndefined();
		// A reset (say, after a restore) replaces the chunks with a new generation, never mixing two.
		await engine.db.meta.put({ key: 'cookie', value: 1e9 });
		await engine.sync();
		const gens = new Set((await engine.db.rosterChunks.toArray()).map((c) => c.gen));
		expect(gens).toEqual(new Set([2]));
		expect(await licenseCount(engine.db)).toBe(30);
		engine.stop();
		fresh.stop();
	});

	it('a rebuild after a rejection keeps the roster chunks and fetches only the license changes since them', async () => {
		const ta = chunkedTransport(ownerID);
		const a = client(ta);
		const b = client(chunkedTransport(ownerID));
		await a.sync();
		await b.sync();
		const pagesAfterFirstSync = ta.rosterPages;
		const team = (await a.db.teams.toArray())[0]!;
		const [gone, member] = (await allLicenses(a.db)).filter((l) => l.id !== ownerID);
		// Device B removes a license and deletes a team; device A, not yet aware, adds to that team.
		expect(await b.mutate('removeLicense', { userID: gone!.id })).toEqual({ ok: true });
		expect(await b.mutate('deleteTeam', { teamID: team.id })).toEqual({ ok: true });
		await b.sync();
		expect((await a.mutate('addTeamMember', { teamID: team.id, userID: member!.id })).ok).toBe(
			true
		);
		await a.sync();
		expect((await a.db.rejections.toArray()).map((r) => r.code)).toEqual(['NOT_FOUND']);
		// The rejection rebuilt the mirror without paging a single user again.
		expect(ta.rosterPages).toBe(pagesAfterFirstSync);
		expect(await a.db.teams.get(team.id)).toBeUndefined();
		expect(await getLicense(a.db, gone!.id)).toBeUndefined();
		expect(await licenseCount(a.db)).toBe(await licenseCount(b.db));
		const byID = (rows: { id: string }[]) => rows.map((r) => r.id).sort();
		expect(byID(await allLicenses(a.db))).toEqual(byID(await allLicenses(b.db)));
		a.stop();
		b.stop();
	});

	it('R24: a change made offline is audited as a queued offline change; one made online is not', async () => {
		const transport = serverTransport(ownerID);
		const engine = client(transport);
		await engine.sync();
		const online = randomUUID();
		await engine.mutate('createTeam', { teamID: online, name: 'Made online' });
		await engine.sync();
		transport.offline = true;
		await engine.sync(); // the engine learns it is offline
		const offline = randomUUID();
		await engine.mutate('createTeam', { teamID: offline, name: 'Made offline' });
		transport.offline = false;
		await engine.sync();
		engine.stop();
		const audit = await database.db
			.selectFrom('audit_log')
			.select(['target', 'queued'])
			.where('action', '=', 'createTeam')
			.where('target', 'in', ['Made online', 'Made offline'])
			.execute();
		expect(Object.fromEntries(audit.map((a) => [a.target, Number(a.queued)]))).toEqual({
			'Made online': 0,
			'Made offline': 1
		});
	});

	it('out of storage: a new change is refused with a clear message and the queued ones are kept', async () => {
		const transport = serverTransport(ownerID);
		const engine = client(transport);
		await engine.sync();
		transport.offline = true;
		const kept = randomUUID();
		expect(await engine.mutate('createTeam', { teamID: kept, name: 'Kept' })).toEqual({ ok: true });
		// The device fills up: IndexedDB refuses the next write as browsers do.
		const full = () => {
			throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
		};
		engine.db.outbox.hook('creating', full);
		const refused = randomUUID();
		const result = await engine.mutate('createTeam', { teamID: refused, name: 'Refused' });
		expect(result.ok).toBe(false);
		expect(result.ok ? '' : result.message).toMatch(
			/out of storage space.*queued changes are kept/
		);
		expect(await engine.db.teams.get(refused)).toBeUndefined(); // the optimistic write rolled back
		expect((await engine.db.outbox.toArray()).map((r) => r.name)).toEqual(['createTeam']);
		engine.db.outbox.hook('creating').unsubscribe(full);
		transport.offline = false;
		await engine.sync();
		engine.stop();
		expect(await engine.db.outbox.count()).toBe(0);
		expect(
			await database.db
				.selectFrom('teams')
				.select('id')
				.where('id', 'in', [kept, refused])
				.execute()
		).toEqual([{ id: kept }]);
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
		const free = 33 - (await licenseCount(a.db)) - (await a.db.invites.count());
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
