import { mintInviteLink } from '../../src/lib/server/invites/links';
import { mintResetLink } from '../../src/lib/server/auth/reset-links';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, setDb, type Db } from '../../src/lib/server/db';
import {
	CopyRefused,
	copyToPostgres,
	type CopyReport
} from '../../src/lib/server/db/copy-to-postgres';
import { seedDemoIfEmpty, seedEnterprise } from '../../src/lib/server/seed';
import { login } from '../../src/lib/server/auth/login';
import { seal } from '../../src/lib/server/auth/secret-box';
import { resolveSession } from '../../src/lib/server/auth/session';
import { membershipIn } from '../../src/lib/server/enterprises.service';
import { push } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { ActivityWriter } from '../../src/lib/server/activity.service';
import type { PushBody } from '../../src/lib/domain/sync/protocol';
import { createTestDb, pgURL, type TestDb } from './support/databases';
import { installToken, scim } from './support/scim-client';

const run = promisify(execFile);
const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };
const META = { ip: '203.0.113.7', userAgent: 'migration spec' };

type Row = Record<string, unknown>;
type AnyDb = Kysely<Record<string, Row>>;

/** Every table the migrations made, from the SQLite schema (the migrator's own left out). */
async function tablesOf(database: Db): Promise<string[]> {
	const { rows } = await sql<{
		name: string;
	}>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(
		database.db
	);
	return rows.map((r) => r.name);
}

/** One value as both dialects should agree on it: numbers as numbers, bytes as hex. */
function normalise(value: unknown): unknown {
	if (typeof value === 'bigint') return Number(value);
	if (typeof value === 'boolean') return value ? 1 : 0;
	if (Buffer.isBuffer(value)) return value.toString('hex');
	return value;
}

/** A table's rows, normalised and in one order (by every column, compared in JS, not by collation). */
async function rowsOf(database: Db, table: string): Promise<Row[]> {
	const { rows } = await sql<Row>`select * from ${sql.table(table)}`.execute(
		database.db as unknown as AnyDb
	);
	const normalised = rows.map((r) =>
		Object.fromEntries(
			Object.keys(r)
				.sort()
				.map((k) => [k, normalise(r[k])])
		)
	);
	const key = (r: Row) => JSON.stringify(Object.values(r));
	return normalised.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A PostgreSQL database of its own with its URL, for the script. */
async function freshPostgres(): Promise<TestDb & { url: string }> {
	const t = await createTestDb('postgres', { migrated: false });
	return Object.assign(t, { url: t.database.url! });
}

describe.skipIf(!pgURL)('SQLite → PostgreSQL (npm run migrate-to-postgres), on the demo', () => {
	let dir: string;
	let file: string;
	let source: Db;
	let target: TestDb;
	let report: CopyReport;
	let enterpriseID: string;
	let ownerID: string;
	let sqliteSecret: string;
	let sqliteCookie: number;
	const clientID = `before-${randomUUID()}`;
	const doomedTeam = randomUUID();

	const body = (id: number, name: string, args: unknown, client = clientID): PushBody => ({
		enterpriseID,
		clientGroupID: `group-${client}`,
		clientID: client,
		mutations: [{ id, name, args, createdAt: Date.now() }]
	});

	beforeAll(async () => {
		// The demo as `npm start` loads it, then used for a while: sessions, a failed sign-in, sync
		// clients, a rejection, a tombstone, SCIM, so that every table has rows to compare.
		dir = mkdtempSync(join(tmpdir(), 'roster-migrate-'));
		file = join(dir, 'roster.db');
		const writer = openDb({ file });
		await migrate(writer);
		expect(await seedDemoIfEmpty(writer)).toBe(true);
		const signedIn = await login(writer, OWNER, META);
		if (!signedIn.ok) throw new Error(`demo owner cannot sign in: ${signedIn.code}`);
		sqliteSecret = signedIn.secret;
		ownerID = signedIn.userID;
		expect((await login(writer, { ...OWNER, password: 'wrong' }, META)).ok).toBe(false);
		enterpriseID = (await membershipIn(writer, ownerID, { slug: 'acme' }))!.id;
		const owner = { userID: ownerID, role: 'owner' as const };
		const keep = randomUUID();
		for (const [id, name, args] of [
			[1, 'createTeam', { teamID: keep, name: 'Kept through the move' }],
			[2, 'createTeam', { teamID: doomedTeam, name: 'Deleted before the move' }],
			[3, 'deleteTeam', { teamID: doomedTeam }],
			[4, 'renameTeam', { teamID: randomUUID(), name: 'Nobody' }] // rejected: NOT_FOUND
		] as const) {
			const out = await push(writer, body(id, name, args), owner);
			expect(out.ok).toBe(true);
		}
		// Email on (never sent here): an invite queues its email; an invite and a reset link exist.
		process.env.SMTP_URL = 'smtp://127.0.0.1:9';
		const inviteID = randomUUID();
		try {
			const invited = await push(
				writer,
				body(1, 'inviteUser', { inviteID, email: 'moving@elsewhere.test' }, 'inviting-client'),
				{ ...owner, linkOrigin: 'https://roster.test' }
			);
			expect(invited.ok).toBe(true);
		} finally {
			delete process.env.SMTP_URL;
		}
		await mintInviteLink(writer.db, enterpriseID, inviteID, 'https://roster.test', 'email');
		await mintResetLink(writer.db, ownerID, 'https://roster.test');
		const billing = await writer.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', 'billing@acme.test')
			.executeTakeFirstOrThrow();
		await push(writer, body(1, 'createTeam', { teamID: randomUUID(), name: 'No' }, 'billing'), {
			userID: billing.id,
			role: 'billing'
		});
		// An API client's activity request with an Idempotency-Key (R19).
		await new ActivityWriter(writer).submit(
			[{ email: 'owner@acme.test', at: Date.now() }],
			'migrate-spec-request'
		);
		sqliteCookie = (await pull(writer, { enterpriseID, clientID, userID: ownerID, cookie: 0 }))
			.cookie;
		setDb(writer);
		const token = await installToken(writer, enterpriseID);
		const provisioned = await scim('POST', '/scim/v2/Users', {
			token,
			body: {
				schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
				userName: 'provisioned@acme.test',
				name: { givenName: 'Pro', familyName: 'Visioned' },
				externalId: 'okta-1',
				active: true
			}
		});
		expect(provisioned.status).toBe(201);
		setDb(undefined);
		// Single sign-on: settings with a sealed secret, a linked subject, a sign-in under way.
		await writer.db
			.insertInto('sso_configs')
			.values({
				enterprise_id: enterpriseID,
				issuer: 'https://login.acme.test',
				client_id: 'roster',
				client_secret: seal('client-secret', enterpriseID, { SECRET_KEY: 'k'.repeat(32) }),
				required: 1,
				tested_at: Date.now(),
				updated_at: Date.now()
			})
			.execute();
		await writer.db
			.insertInto('sso_identities')
			.values({
				enterprise_id: enterpriseID,
				issuer: 'https://login.acme.test',
				subject: 'okta-owner',
				user_id: ownerID,
				created_at: Date.now()
			})
			.execute();
		await writer.db
			.insertInto('sso_logins')
			.values({
				id: 'a'.repeat(64),
				enterprise_id: enterpriseID,
				state: 'state',
				nonce: 'nonce',
				code_verifier: 'verifier',
				redirect_uri: 'http://localhost:3000/login/sso/callback',
				next: '/',
				expires_at: Date.now() + 600_000
			})
			.execute();
		await writer.close();

		source = openDb({ file, readonly: true });
		target = await createTestDb('postgres', { migrated: false });
		report = await copyToPostgres(source, target.database, { batchSize: 700 });
	});

	afterAll(async () => {
		setDb(undefined);
		await source?.close();
		await target?.drop();
		if (dir) rmSync(dir, { recursive: true, force: true });
	});

	it('copies every table the migrations made, parents before children, and the counts match', async () => {
		const tables = await tablesOf(source);
		expect(report.tables.map((t) => t.table).sort()).toEqual(tables);
		for (const t of report.tables) expect(t.target, t.table).toBe(t.source);
		const position = new Map(report.tables.map((t, i) => [t.table, i]));
		expect(position.get('enterprises')!).toBeLessThan(position.get('licenses')!);
		expect(position.get('users')!).toBeLessThan(position.get('licenses')!);
		expect(position.get('teams')!).toBeLessThan(position.get('team_members')!);
		expect(position.get('sync_clients')!).toBeLessThan(position.get('sync_results')!);
		expect(position.get('invites')!).toBeLessThan(position.get('invite_tokens')!);
		expect(position.get('users')!).toBeLessThan(position.get('password_resets')!);
		// The demo plus its use leaves no table empty, so every comparison below means something.
		const empty = report.tables.filter((t) => t.source === 0).map((t) => t.table);
		expect(empty).toEqual([]);
		expect(report.tables.find((t) => t.table === 'users')!.source).toBeGreaterThan(5000);
	});

	it('every row of every table is the same on PostgreSQL', async () => {
		for (const table of await tablesOf(source)) {
			const [before, after] = await Promise.all([
				rowsOf(source, table),
				rowsOf(target.database, table)
			]);
			expect(after.length, table).toBe(before.length);
			const first = after.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(before[i]));
			if (first >= 0) expect({ table, row: after[first] }).toEqual({ table, row: before[first] });
		}
	});

	it('the migrated database works: the demo owner signs in, a console keeps syncing, versions and ids continue after the copied ones', async () => {
		const pgDb = target.database;
		const maxOf = async (table: string, column: string) => {
			const { rows } = await sql<{
				m: number | null;
			}>`select max(${sql.ref(column)}) as m from ${sql.table(table)}`.execute(pgDb.db);
			return Number(rows[0]?.m ?? 0);
		};
		const versioned = await sql<{ table_name: string }>`select table_name
			from information_schema.columns
			where table_schema = current_schema() and column_name = 'version'`.execute(pgDb.db);
		expect(versioned.rows.length).toBeGreaterThanOrEqual(10);
		let copiedVersion = 0;
		for (const { table_name } of versioned.rows)
			copiedVersion = Math.max(copiedVersion, await maxOf(table_name, 'version'));
		const copiedAudit = await maxOf('audit_log', 'id');
		const copiedTombstone = await maxOf('tombstones', 'id');
		expect(copiedTombstone).toBeGreaterThan(0);

		// A session made on SQLite still holds; a new sign-in works with the demo password.
		expect((await resolveSession(pgDb, sqliteSecret))?.user.email).toBe(OWNER.email);
		const signedIn = await login(pgDb, OWNER, META);
		expect(signedIn.ok).toBe(true);
		if (!signedIn.ok) return;
		const me = await resolveSession(pgDb, signedIn.secret);
		expect(me?.user.id).toBe(ownerID);
		const member = await membershipIn(pgDb, ownerID, { id: enterpriseID });
		expect(member?.role).toBe('owner');

		// The console that synced against SQLite goes on with its next mutation id and its cookie.
		const newTeam = randomUUID();
		const out = await push(
			pgDb,
			body(5, 'createTeam', { teamID: newTeam, name: 'Made on PostgreSQL' }),
			{ userID: ownerID, role: member!.role }
		);
		expect(out).toEqual({ ok: true, results: [{ id: 5, status: 'applied' }] });
		const gone = await push(pgDb, body(6, 'deleteTeam', { teamID: newTeam }), {
			userID: ownerID,
			role: 'owner'
		});
		expect(gone).toEqual({ ok: true, results: [{ id: 6, status: 'applied' }] });
		const patch = await pull(pgDb, {
			enterpriseID,
			clientID,
			userID: ownerID,
			cookie: sqliteCookie
		});
		expect(patch.reset).toBe(false);
		expect(patch.lastMutationID).toBe(6);
		expect(patch.cookie).toBeGreaterThan(copiedVersion);
		expect(patch.cookie).toBeGreaterThan(sqliteCookie);
		expect(patch.changes).toContainEqual({ table: 'teams', op: 'del', key: newTeam });
		// Serial ids continue after the copied ones (a sequence left at 1 would collide).
		expect(await maxOf('audit_log', 'id')).toBeGreaterThan(copiedAudit);
		expect(await maxOf('tombstones', 'id')).toBeGreaterThan(copiedTombstone);
		expect(report.sequences.map((s) => `${s.table}.${s.column}`).sort()).toEqual([
			'activity_events.id',
			'audit_log.id',
			'licenses.seq',
			'scim_requests.id',
			'tombstones.id'
		]);
		// A new device gets the whole enterprise, the kept team included, the deleted one not.
		const fresh = await pull(pgDb, {
			enterpriseID,
			clientID: `after-${randomUUID()}`,
			userID: ownerID,
			cookie: 0
		});
		const teams = fresh.changes.filter((c) => c.table === 'teams').map((c) => c.value);
		expect(teams).toContainEqual(expect.objectContaining({ name: 'Kept through the move' }));
		expect(teams.some((t) => (t as { id: string }).id === doomedTeam)).toBe(false);
	});

	it('refuses a target that already holds data, and changes nothing there', async () => {
		const before = await rowsOf(target.database, 'teams');
		const refused = copyToPostgres(source, target.database);
		await expect(refused).rejects.toBeInstanceOf(CopyRefused);
		await expect(refused).rejects.toMatchObject({ code: 'targetNotEmpty' });
		await expect(refused).rejects.toThrow(/already holds data/);
		expect(await rowsOf(target.database, 'teams')).toEqual(before);

		// A server started on the new database first loaded the demo there: also refused.
		const started = await createTestDb('postgres');
		try {
			await seedEnterprise(started.database, { name: 'Demo', users: 3, invites: 0 });
			await expect(copyToPostgres(source, started.database)).rejects.toMatchObject({
				code: 'targetNotEmpty'
			});
		} finally {
			await started.drop();
		}
	});

	it('refuses a source that is not on the current schema, and writes nothing to the target', async () => {
		const old = await createTestDb('sqlite', { migrated: false });
		const empty = await freshPostgres();
		try {
			await expect(copyToPostgres(old.database, empty.database)).rejects.toMatchObject({
				code: 'sourceNotCurrent'
			});
			const { rows } = await sql<{ n: number }>`select count(*)::int as n
				from information_schema.tables where table_schema = current_schema()`.execute(empty.database.db);
			expect(rows[0]?.n).toBe(0);
		} finally {
			await old.drop();
			await empty.drop();
		}
	});

	it('the script copies with a per-table report, and refuses a non-empty target with exit code 1', async () => {
		const empty = await freshPostgres();
		const env = { ...process.env, DATABASE_URL: empty.url };
		const script = ['tsx', 'scripts/migrate-to-postgres.ts', '--from', file];
		try {
			const ok = await run('npx', script, { env });
			expect(ok.stdout).toMatch(/^ {2}users\s+\d+ → +\d+$/m);
			expect(ok.stdout).toMatch(/done: [\d,]+ rows in \d+ tables, counts match/);
			const again = await run('npx', script, { env }).then(
				() => ({ code: 0, stderr: '' }),
				(err: { code: number; stderr: string }) => err
			);
			expect(again.code).toBe(1);
			expect(again.stderr).toMatch(
				/^migrate-to-postgres: the PostgreSQL database already holds data/
			);
		} finally {
			await empty.drop();
		}
	});
});
