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
import { SyncEngine, type SyncTransport } from '../../src/lib/client/sync/engine';
import { getLicense, licenseCount } from '../../src/lib/client/roster';
import { afterRestore, RESTORE_JUMP } from '../../src/lib/server/db/after-restore';
import { createTestDb, pgURL } from './support/databases';

// ARCHITECTURE.md, sync: "a cookie from the future (restored backup) → reset and full resync,
// keeping pending mutations". docs/operations.md, "Backup and restore", done here as an operator would.

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
	/** The environment that points the server (and `npm run after-restore`) at the database. */
	env(): Record<string, string>;
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
		},
		env: () => ({ DATA_DIR: dir, DATABASE_URL: '' })
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
		},
		env: () => ({ DATABASE_URL: current.database.url! })
	};
	return live;
}

/** A pull a device made: the cookie it sent and the server's answer. */
interface Pulled {
	device: string;
	cookie: number;
	response: PullResponse;
}

/**
 * A device of the owner, with the app's transport straight into the server's push, pull and roster
 * on whichever database the server has now; its pulls are recorded in `pulls`.
 */
function ownerDevice(
	l: Live,
	enterpriseID: string,
	ownerID: string,
	name: string,
	pulls: Pulled[]
) {
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
	return Object.assign(engine, { transport });
}

/** The names of an enterprise's teams on the server, sorted. */
async function teamsOn(l: Live, enterpriseID: string): Promise<string[]> {
	const rows = await l.database.db
		.selectFrom('teams')
		.select('name')
		.where('enterprise_id', '=', enterpriseID)
		.execute();
	return rows.map((t) => t.name).sort();
}

/** An enterprise's version (the cookie consoles get) on the server. */
async function versionOn(l: Live, enterpriseID: string): Promise<number> {
	const row = await l.database.db
		.selectFrom('enterprises')
		.select('version')
		.where('id', '=', enterpriseID)
		.executeTakeFirstOrThrow();
	return Number(row.version);
}

const pgTools = existsSync(PG_DUMP) && existsSync(PG_RESTORE);
if (pgURL && !pgTools)
	console.warn(`backup-restore: PostgreSQL case skipped: ${PG_DUMP} or ${PG_RESTORE} is missing`);
const cases: { dialect: Dialect; open: () => Promise<Live> }[] = [
	{ dialect: 'sqlite', open: sqliteLive },
	...(pgURL && pgTools ? [{ dialect: 'postgres' as const, open: postgresLive }] : [])
];

describe.each(cases)('backup and restore on $dialect', ({ open }) => {
	const lives: Live[] = [];
	const engines: SyncEngine[] = [];
	afterAll(async () => {
		for (const e of engines) e.stop();
		for (const l of lives) await l.drop();
	});

	it('consoles whose cookies are from after the backup are reset to the restored data, keep their queued changes, and each lands exactly once', async () => {
		const l = await open();
		lives.push(l);
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

		// Two devices of the owner; every pull is recorded.
		const pulls: Pulled[] = [];
		const device = (name: string) => {
			const engine = ownerDevice(l, enterpriseID, ownerID, name, pulls);
			engines.push(engine);
			return engine;
		};
		const serverTeams = () => teamsOn(l, enterpriseID);
		const mirrorTeams = async (e: SyncEngine) =>
			(await e.db.teams.toArray()).map((t) => t.name).sort();
		const cookieOf = async (e: SyncEngine) => (await e.db.meta.get('cookie'))?.value as number;
		const version = () => versionOn(l, enterpriseID);

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
		// queue, pushes it and rebuilds from scratch (its cookie alone could not tell; no after-restore here).
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

	it('after `npm run after-restore`, a console with nothing queued is reset even once new pushes pass its cookie, and a queued change lands once', async () => {
		const l = await open();
		lives.push(l);
		const { enterpriseID } = await seedEnterprise(l.database, {
			name: 'Floor Co',
			users: 12,
			seats: 20,
			invites: 0,
			domains: ['floor.test']
		});
		const ownerID = (
			await l.database.db
				.selectFrom('users')
				.select('id')
				.where('email', '=', 'owner@floor.test')
				.executeTakeFirstOrThrow()
		).id;
		const pulls: Pulled[] = [];
		const device = (name: string) => {
			const engine = ownerDevice(l, enterpriseID, ownerID, name, pulls);
			engines.push(engine);
			return engine;
		};
		const cookieOf = async (e: SyncEngine) => (await e.db.meta.get('cookie'))?.value as number;
		const licensedOnServer = async () =>
			(
				await l.database.db
					.selectFrom('licenses')
					.select('user_id')
					.where('enterprise_id', '=', enterpriseID)
					.execute()
			).length;
		/** What an admin sees on a device matches what the server holds. */
		const expectMirrorsServer = async (e: SyncEngine) => {
			expect((await e.db.teams.toArray()).map((t) => t.name).sort()).toEqual(
				await teamsOn(l, enterpriseID)
			);
			expect(await licenseCount(e.db)).toBe(await licensedOnServer());
			expect(await cookieOf(e)).toBe(await versionOn(l, enterpriseID));
		};

		// A reads only; C will queue a change; X makes the changes the restore loses.
		const a = device('a');
		const c = device('c');
		const x = device('x');
		for (const e of [a, c, x]) await e.sync();
		await l.backup();
		const atBackup = await versionOn(l, enterpriseID);

		const victim = (
			await l.database.db
				.selectFrom('licenses')
				.select('user_id')
				.where('enterprise_id', '=', enterpriseID)
				.where('user_id', '!=', ownerID)
				.orderBy('user_id')
				.executeTakeFirstOrThrow()
		).user_id;
		await x.mutate('createTeam', { teamID: randomUUID(), name: 'Lost with the restore' });
		await x.mutate('removeLicense', { userID: victim });
		await x.sync();
		x.stop();
		await a.sync();
		await c.sync();
		const future = atBackup + 2;
		expect(await cookieOf(a)).toBe(future);
		expect(await a.db.teams.toArray()).toContainEqual(
			expect.objectContaining({ name: 'Lost with the restore' })
		);
		expect(await getLicense(a.db, victim)).toBeUndefined();
		c.transport.offline = true;
		await c.mutate('createTeam', { teamID: randomUUID(), name: 'Queued on C' });

		await l.restore();
		expect(await versionOn(l, enterpriseID)).toBe(atBackup);
		// The operator's command, on the database the server's environment names, while it runs.
		const cli = await run('node_modules/.bin/tsx', ['scripts/after-restore.ts'], {
			env: { ...process.env, ...l.env() }
		});
		expect(cli.stdout).toMatch(/floor-co\s+version \d+ → \d+ \(floor\)/);
		const floor = await versionOn(l, enterpriseID);
		expect(floor).toBeGreaterThanOrEqual(atBackup + RESTORE_JUMP);
		expect(cli.stdout).toContain(`version ${atBackup} → ${floor}`);

		// Another console pushes after the restore, so the version passes A's old cookie anyway.
		const w = device('w');
		await w.sync();
		for (const name of ['After 1', 'After 2', 'After 3']) {
			await w.mutate('createTeam', { teamID: randomUUID(), name });
			await w.sync();
		}
		expect(await versionOn(l, enterpriseID)).toBe(floor + 3);

		// A has nothing queued: its old cookie is below the floor, so it is reset, not patched.
		expect(await a.db.outbox.count()).toBe(0);
		await a.sync();
		const answered = pulls.find((p) => p.device === 'a' && p.cookie === future);
		expect(answered?.response.reset).toBe(true);
		expect(await a.db.teams.toArray()).not.toContainEqual(
			expect.objectContaining({ name: 'Lost with the restore' })
		);
		expect(await getLicense(a.db, victim)).toBeDefined();
		await expectMirrorsServer(a);

		// C's first pull after the restore: its queued change is kept and lands once.
		c.transport.offline = false;
		await c.sync();
		expect(await c.db.outbox.count()).toBe(0);
		expect(pulls.some((p) => p.device === 'c' && p.cookie === future && p.response.reset)).toBe(
			true
		);
		const teams = await teamsOn(l, enterpriseID);
		expect(teams.filter((n) => n === 'Queued on C')).toHaveLength(1);
		expect(teams).not.toContain('Lost with the restore');
		await a.sync();
		await w.sync();
		for (const e of [a, c, w]) await expectMirrorsServer(e);

		// Running it again by mistake only rebuilds the consoles once more.
		await afterRestore(l.database);
		for (const e of [a, c, w]) await e.sync();
		expect(await teamsOn(l, enterpriseID)).toEqual(teams);
		for (const e of [a, c, w]) await expectMirrorsServer(e);
	});
});
