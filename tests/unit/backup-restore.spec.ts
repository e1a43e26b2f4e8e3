import 'fake-indexeddb/auto';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../src/lib/server/db';
import type { Dialect } from '../../src/lib/server/db/migrations';
import { seedEnterprise } from '../../src/lib/server/seed';
import { push } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { rosterPage } from '../../src/lib/server/sync/roster';
import type { PullResponse } from '../../src/lib/domain/sync/protocol';
import { runMutation } from '../../src/lib/domain/mutations';
import { RosterDB } from '../../src/lib/client/db';
import { SyncEngine, type SyncTransport } from '../../src/lib/client/sync-engine';
import { getLicense, licenseCount } from '../../src/lib/client/roster';
import { createTestDb, pgURL } from './support/databases';

// ARCHITECTURE.md, sync: "a cookie from the future (restored backup) → reset and full resync,
// keeping pending mutations". README, "Backup and restore", done here as an operator would.

const run = promisify(execFile);
const PG_DUMP = '/usr/bin/pg_dump';
const PG_RESTORE = '/usr/bin/pg_restore';

/** A running server's database, backed up while it is open and restored in place of it. */
interface Live {
	database: Db;
	backup(): Promise<void>;
	/** Stops using the database, puts the backup in its place and opens it as startup would. */
	restore(): Promise<void>;
	drop(): Promise<void>;
}

async function sqliteLive(): Promise<Live> {
	const dir = mkdtempSync(join(tmpdir(), 'roster-restore-'));
	const file = join(dir, 'roster.db');
	const copy = join(dir, 'roster-backup.db');
	const live: Live = {
		database: openDb({ file }),
		async backup() {
			// Another connection, as `sqlite3 roster.db ".backup …"` would be, while the server's is
			// open and its last commits are still in the WAL.
			expect(existsSync(`${file}-wal`)).toBe(true);
			const conn = new SQLite(file);
			try {
				await conn.backup(copy);
			} finally {
				conn.close();
			}
		},
		async restore() {
			await live.database.close();
			copyFileSync(copy, file);
			rmSync(`${file}-wal`, { force: true });
			rmSync(`${file}-shm`, { force: true });
			live.database = openDb({ file });
			await migrate(live.database);
		},
		async drop() {
			await live.database.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
	await migrate(live.database);
	return live;
}

async function postgresLive(): Promise<Live> {
	const dir = mkdtempSync(join(tmpdir(), 'roster-restore-'));
	const dump = join(dir, 'roster.dump');
	let current = await createTestDb('postgres');
	const live: Live = {
		database: current.database,
		async backup() {
			await run(PG_DUMP, ['-Fc', '-f', dump, current.database.url!]);
		},
		async restore() {
			// `createdb roster && pg_restore --no-owner -d roster roster.dump`, then the app points at it.
			const restored = await createTestDb('postgres', { migrated: false });
			await run(PG_RESTORE, ['--no-owner', '-d', restored.database.url!, dump]);
			await current.drop();
			current = restored;
			live.database = restored.database;
			await migrate(live.database);
		},
		async drop() {
			await current.drop();
			rmSync(dir, { recursive: true, force: true });
		}
	};
	return live;
}

const pgTools = existsSync(PG_DUMP) && existsSync(PG_RESTORE);
if (pgURL && !pgTools)
	console.warn(`backup-restore: PostgreSQL case skipped: ${PG_DUMP} or ${PG_RESTORE} is missing`);
const cases: { dialect: Dialect; open: () => Promise<Live> }[] = [
	{ dialect: 'sqlite', open: sqliteLive },
	...(pgURL && pgTools ? [{ dialect: 'postgres' as const, open: postgresLive }] : [])
];

describe.each(cases)('backup and restore on $dialect', ({ open }) => {
	let live: Live | undefined;
	const engines: SyncEngine[] = [];
	afterAll(async () => {
		for (const e of engines) e.stop();
		await live?.drop();
	});

	it('consoles whose cookies are from after the backup are reset to the restored data, keep their queued changes, and each lands exactly once', async () => {
		live = await open();
		const l = live;
		const seeded = await seedEnterprise(l.database, {
			name: 'Restore Co',
			users: 12,
			seats: 20,
			invites: 0,
			domains: ['restore.test']
		});
		const enterpriseID = seeded.enterpriseID;
		const ownerID = (
			await l.database.db
				.selectFrom('users')
				.select('id')
				.where('email', '=', 'owner@restore.test')
				.executeTakeFirstOrThrow()
		).id;

		// Two devices of the owner. Each has the app's transport, straight into the server's push, pull
		// and roster on whichever database the server has now; every pull is recorded.
		const pulls: { device: string; cookie: number; response: PullResponse }[] = [];
		const device = (name: string) => {
			const transport = {
				offline: false as boolean,
				async push(body) {
					if (transport.offline) throw new TypeError('Failed to fetch');
					const out = await push(l.database, body, { userID: ownerID, role: 'owner' });
					return out.ok
						? { status: 200, body: { results: out.results } }
						: { status: out.status, body: out.body };
				},
				async pull(q) {
					if (transport.offline) throw new TypeError('Failed to fetch');
					const { licenses, ...rest } = q;
					const response = await pull(l.database, {
						...rest,
						userID: ownerID,
						licensesChunked: licenses === 'chunked'
					});
					pulls.push({ device: name, cookie: q.cookie, response });
					return { status: 200, body: response };
				},
				async roster(q) {
					if (transport.offline) throw new TypeError('Failed to fetch');
					return { status: 200, body: await rosterPage(l.database, { ...q, limit: 5 }) };
				}
			} satisfies SyncTransport & { offline: boolean };
			const engine = new SyncEngine({
				db: new RosterDB(`restore-${name}-${randomUUID()}`),
				enterpriseID,
				userID: ownerID,
				role: 'owner',
				transport,
				mutations: async () => ({ runMutation })
			});
			engines.push(engine);
			return Object.assign(engine, { transport });
		};
		const serverTeams = async () =>
			(
				await l.database.db
					.selectFrom('teams')
					.select('name')
					.where('enterprise_id', '=', enterpriseID)
					.execute()
			)
				.map((t) => t.name)
				.sort();
		const mirrorTeams = async (e: SyncEngine) =>
			(await e.db.teams.toArray()).map((t) => t.name).sort();
		const cookieOf = async (e: SyncEngine) => (await e.db.meta.get('cookie'))?.value as number;
		const version = async () =>
			Number(
				(
					await l.database.db
						.selectFrom('enterprises')
						.select('version')
						.where('id', '=', enterpriseID)
						.executeTakeFirstOrThrow()
				).version
			);

		const a = device('a');
		const b = device('b');
		await a.sync();
		const kept = randomUUID();
		expect(await a.mutate('createTeam', { teamID: kept, name: 'Before the backup' })).toEqual({
			ok: true
		});
		await a.sync();
		await b.sync();
		await l.backup();
		const atBackup = await version();

		// After the backup: a team and a freed seat, confirmed, and both devices' cookies move on.
		const victim = (
			await l.database.db
				.selectFrom('licenses')
				.select('user_id')
				.where('enterprise_id', '=', enterpriseID)
				.where('user_id', '!=', ownerID)
				.orderBy('user_id')
				.executeTakeFirstOrThrow()
		).user_id;
		await a.mutate('createTeam', { teamID: randomUUID(), name: 'Lost with the restore' });
		await a.mutate('removeLicense', { userID: victim });
		await a.sync();
		await b.sync();
		expect(await a.db.outbox.count()).toBe(0);
		const future = atBackup + 2;
		expect(await cookieOf(a)).toBe(future);
		expect(await cookieOf(b)).toBe(future);
		expect(await getLicense(b.db, victim)).toBeUndefined();
		const licensedAfter = await licenseCount(b.db);

		// Offline while the server is restored, changes queue up on both devices: on A as many as
		// it lost, so once they land the server's version is back at A's cookie.
		a.transport.offline = true;
		b.transport.offline = true;
		await a.mutate('createTeam', { teamID: randomUUID(), name: 'Queued on A' });
		await a.mutate('renameTeam', {
			teamID: kept,
			name: 'Renamed on A',
			baseName: 'Before the backup'
		});
		await b.mutate('createTeam', { teamID: randomUUID(), name: 'Queued on B' });
		await l.restore();
		expect(await version()).toBe(atBackup);
		expect(await serverTeams()).not.toContain('Lost with the restore');

		// B lost nothing of its own: its queued change lands, and the server answers its cookie from
		// the future with a reset and a full snapshot.
		b.transport.offline = false;
		await b.sync();
		const answered = pulls.find((p) => p.device === 'b' && p.cookie === future);
		expect(answered?.response.reset).toBe(true);
		expect(answered!.response.cookie).toBe(atBackup + 1);
		expect(await b.db.outbox.count()).toBe(0);

		// A lost two confirmed changes: the server expects an id A already used, so A renumbers its
		// queue, pushes it and rebuilds from scratch (its cookie alone could not tell: see the todo).
		a.transport.offline = false;
		await a.sync();
		expect(await a.db.outbox.count()).toBe(0);
		expect(pulls.some((p) => p.device === 'a' && p.cookie === 0 && p.response.reset)).toBe(true);
		await b.sync();

		const teams = await serverTeams();
		for (const name of ['Queued on A', 'Renamed on A', 'Queued on B'])
			expect(
				teams.filter((n) => n === name),
				name
			).toHaveLength(1);
		expect(teams).not.toContain('Before the backup');
		expect(teams).not.toContain('Lost with the restore');
		const audited = await l.database.db
			.selectFrom('audit_log')
			.select(['action', 'target'])
			.where('enterprise_id', '=', enterpriseID)
			.where('target', 'in', ['Queued on A', 'Before the backup', 'Queued on B'])
			.orderBy('id')
			.execute();
		// R24: each queued change is audited once (the rename under the team's old name).
		expect(audited.map((r) => `${r.action} ${r.target}`).sort()).toEqual([
			'createTeam Before the backup',
			'createTeam Queued on A',
			'createTeam Queued on B',
			'renameTeam Before the backup'
		]);
		// Both mirrors show the restored server, not the lost history: the freed seat is taken again.
		for (const e of [a, b]) {
			expect(await mirrorTeams(e)).toEqual(teams);
			expect(await getLicense(e.db, victim)).toBeDefined();
			expect(await licenseCount(e.db)).toBe(licensedAfter + 1);
			expect(await cookieOf(e)).toBe(await version());
		}

		// Syncing again sends nothing twice.
		await a.sync();
		await b.sync();
		const again = await serverTeams();
		expect(again).toEqual(teams);
	});
});

// Found while writing the spec above; see README, "Backup and restore".
it.todo(
	'a console with nothing queued whose cookie the restored server reaches again before it pulls is reset too (needs a history tag in the cookie)'
);
