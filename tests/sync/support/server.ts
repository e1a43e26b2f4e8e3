import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDb, type Db } from '../../../src/lib/server/db';
import { seedEnterprise } from '../../../src/lib/server/seed';
import { pull } from '../../../src/lib/server/sync/pull';
import type { Pusher } from '../../../src/lib/server/sync/push';
import type { Change } from '../../../src/lib/domain/sync/protocol';

/** A real SQLite database (temp file) with one seeded enterprise, as the sync specs need it. */
export interface TestServer {
	database: Db;
	enterpriseID: string;
	owner: Pusher;
	/** Licensed users other than the owner, by id. */
	licensedUserIDs: string[];
	/** Users on the enterprise's domain without a license. */
	unlicensedUserIDs: string[];
	seats: number;
	close(): Promise<void>;
}

/** Opens a fresh migrated SQLite file and seeds one enterprise with a small seat headroom. */
export async function openServer(opts: {
	users: number;
	seats: number;
	unmanaged?: number;
	seed?: number;
	name?: string;
}): Promise<TestServer> {
	const dir = mkdtempSync(join(tmpdir(), 'roster-sync-proof-'));
	const database = openDb({ file: join(dir, 'roster.db') });
	await migrate(database);
	const seeded = await seedEnterprise(database, {
		name: opts.name ?? 'Proof Co',
		users: opts.users,
		unmanaged: opts.unmanaged ?? 0,
		seats: opts.seats,
		invites: 0,
		domains: ['proof.test'],
		seed: opts.seed ?? 1
	});
	const ownerRow = await database.db
		.selectFrom('users')
		.select('id')
		.where('email', '=', seeded.owner)
		.executeTakeFirstOrThrow();
	const licensed = await database.db
		.selectFrom('licenses')
		.select('user_id')
		.where('enterprise_id', '=', seeded.enterpriseID)
		.execute();
	const users = await database.db.selectFrom('users').select('id').execute();
	const licensedSet = new Set(licensed.map((l) => l.user_id));
	return {
		database,
		enterpriseID: seeded.enterpriseID,
		owner: { userID: ownerRow.id, role: 'owner' },
		licensedUserIDs: [...licensedSet].filter((id) => id !== ownerRow.id).sort(),
		unlicensedUserIDs: users
			.map((u) => u.id)
			.filter((id) => !licensedSet.has(id))
			.sort(),
		seats: opts.seats,
		async close() {
			await database.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Seats as R4 counts them, read straight from SQL: licensed users + unexpired invites. */
export async function seatUsage(
	database: Db,
	enterpriseID: string,
	now = Date.now()
): Promise<{ purchased: number; licensed: number; pendingInvites: number; used: number }> {
	const { db } = database;
	const [ent, lic, inv] = await Promise.all([
		db
			.selectFrom('enterprises')
			.select('seats')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow(),
		db
			.selectFrom('licenses')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', enterpriseID)
			.executeTakeFirstOrThrow(),
		db
			.selectFrom('invites')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', enterpriseID)
			.where('expires_at', '>', now)
			.executeTakeFirstOrThrow()
	]);
	const licensed = Number(lic.n);
	const pendingInvites = Number(inv.n);
	return {
		purchased: Number(ent.seats),
		licensed,
		pendingInvites,
		used: licensed + pendingInvites
	};
}

/** The enterprise's current version: the cookie a pull right now would return. */
export async function serverVersion(database: Db, enterpriseID: string): Promise<number> {
	const row = await database.db
		.selectFrom('enterprises')
		.select('version')
		.where('id', '=', enterpriseID)
		.executeTakeFirstOrThrow();
	return Number(row.version);
}

/** A mirror as plain data: table → key → value, comparable with `toEqual`. */
export type MirrorSnapshot = Record<string, Record<string, unknown>>;

/** The tables the convergence checks compare. */
export const COMPARED_TABLES = [
	'enterprise',
	'teams',
	'teamMembers',
	'licenses',
	'invites'
] as const;

/** Applies a pull patch to a plain snapshot, the way the mirror applies it (deletes cascade for teams). */
export function applyPatch(snapshot: MirrorSnapshot, changes: Change[]): void {
	for (const c of changes) {
		const table = (snapshot[c.table] ??= {});
		if (c.op === 'del') {
			delete table[c.key];
			if (c.table === 'teams') {
				for (const t of ['teamMembers', 'teamOrgLinks']) {
					const rows = snapshot[t] ?? {};
					for (const [k, v] of Object.entries(rows))
						if ((v as { teamID: string }).teamID === c.key) delete rows[k];
				}
			}
		} else if (c.table === 'teamMembers' || c.table === 'teamOrgLinks') {
			table[c.key] = { key: c.key, ...(c.value as object) };
		} else if (c.table === 'licenses') {
			// A license's number only names it on the wire (pulled Last Active changes); the mirror's
			// list of licensed users, which the devices' snapshots read, does not show it.
			const { seq: _seq, ...shown } = c.value as { seq?: number };
			table[c.key] = shown;
		} else {
			table[c.key] = c.value;
		}
	}
}

/** What a brand-new device would mirror right now: a full pull (cookie 0) as a snapshot. */
export async function freshFullPull(
	server: Pick<TestServer, 'database' | 'enterpriseID' | 'owner'>
): Promise<{ cookie: number; snapshot: MirrorSnapshot }> {
	const res = await pull(server.database, {
		enterpriseID: server.enterpriseID,
		clientID: 'proof-observer',
		userID: server.owner.userID,
		cookie: 0
	});
	const snapshot: MirrorSnapshot = {};
	applyPatch(snapshot, res.changes);
	return { cookie: res.cookie, snapshot: pick(snapshot) };
}

/** Only the compared tables, every one present. */
export function pick(snapshot: MirrorSnapshot): MirrorSnapshot {
	return Object.fromEntries(COMPARED_TABLES.map((t) => [t, { ...(snapshot[t] ?? {}) }]));
}
