#!/usr/bin/env node
// Many consoles pulling after one change (targets: the last answer ≤ 100 ms after the change; the
// server's /healthz never held up). An enterprise of BENCH_USERS licensed users on SQLite, served by
// the production build; BENCH_CONSOLES consoles each hold a cookie from a full pull. Then, for
// BENCH_ROUNDS rounds: one license is removed through the sync API (as another console would), and
// every console pulls from its cookie at once, as the poke makes them do, while a probe asks
// /healthz every few milliseconds. Printed: the time from the pulls' start to the last answer, and
// the longest /healthz answer in that window (the event loop blocked behind the pulls' queries).
//
// The baseline runs in the same process on the same database as pulls ran before they were made
// for this: without the indexes that let a pull read only what changed (`*_enterprise_version` and
// `users_email_reversed`, migration 0016), and with every pull counting the domains' unclaimed
// users for itself (ROSTER_SHARE_DOMAIN_ROWS=0) instead of the consoles at one version sharing one
// count. Every answer must be 200 and carry the license's removal, or the run exits 1.
//
//   npm run build && node bench/pull-fanout.js
//   BENCH_USERS=100000 BENCH_CONSOLES=20 BENCH_ROUNDS=5 BENCH_PORT=4330 node bench/pull-fanout.js
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const here = import.meta.url;
const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const port = Number(process.env.BENCH_PORT ?? 4330);
const TARGET_MS = 100;
const base = `http://127.0.0.1:${port}`;
const OWNER = { email: 'owner@fanout-bench.test', password: 'fanout-bench-pass' };
if (!existsSync(join(root, 'build/index.js'))) {
	console.error('pull-fanout: no build; run `npm run build` first');
	process.exit(2);
}

const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);
const { sql } = await import('kysely');

const dir = mkdtempSync(join(tmpdir(), 'roster-bench-fanout-'));
const file = join(dir, 'roster.db');
let server = null;
let failed = false;

function startServer(env = {}) {
	server = spawn(process.execPath, [join(root, 'build/index.js')], {
		env: {
			...process.env,
			PORT: String(port),
			ORIGIN: base,
			DATA_DIR: dir,
			DATABASE_URL: '',
			...env
		},
		stdio: 'ignore'
	});
}

async function stopServer() {
	if (!server) return;
	const exited = new Promise((resolve) => server.once('exit', resolve));
	server.kill();
	await exited;
	server = null;
}

async function waitForServer() {
	for (let i = 0; i < 600; i++) {
		try {
			if ((await fetch(`${base}/healthz`)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error('server did not start');
}

async function signIn() {
	const res = await fetch(`${base}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: base },
		body: JSON.stringify(OWNER)
	});
	if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
	return res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.join('; ');
}

async function getJSON(path, cookie) {
	const res = await fetch(`${base}${path}`, {
		headers: { cookie, 'accept-encoding': 'br, gzip' }
	});
	if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
	return res.json();
}

function pullPath(enterpriseID, clientID, cookie) {
	const q = new URLSearchParams({
		enterpriseID,
		clientID,
		cookie: String(cookie),
		licenses: 'chunked',
		activity: 'delta'
	});
	return `/api/sync/pull?${q}`;
}

/** The indexes that let a pull read only what changed since its cookie. */
async function pullIndexes(db) {
	const rows = await sql`select name from sqlite_master where type = 'index'
		and (name like '%\\_enterprise\\_version' escape '\\' or name = 'users_email_reversed')`.execute(
		db
	);
	return rows.rows.map((r) => r.name);
}

/**
 * ROUNDS rounds of: remove one license, then every console pulls from its cookie at once. Returns
 * each round's time to the last answer and longest /healthz answer, in ms.
 */
async function measure(label, session, enterpriseID, victims) {
	const consoles = [];
	for (let i = 0; i < CONSOLES; i++) {
		const clientID = `fanout-${label}-${i}-${randomUUID()}`;
		const full = await getJSON(pullPath(enterpriseID, clientID, 0), session);
		consoles.push({ clientID, cookie: full.cookie });
	}
	const pusher = { group: `pusher-${randomUUID()}`, client: `pusher-${randomUUID()}`, next: 1 };
	const rounds = [];
	for (let round = 0; round < ROUNDS; round++) {
		const victim = victims.pop();
		const pushed = await fetch(`${base}/api/sync/push`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: session, origin: base },
			body: JSON.stringify({
				enterpriseID,
				clientGroupID: pusher.group,
				clientID: pusher.client,
				mutations: [
					{
						id: pusher.next++,
						name: 'removeLicense',
						args: { userID: victim },
						createdAt: Date.now()
					}
				]
			})
		});
		const result = await pushed.json();
		if (pushed.status !== 200 || result.results?.[0]?.status !== 'applied') {
			throw new Error(`push: ${pushed.status} ${JSON.stringify(result)}`);
		}

		let probing = true;
		let worstHealth = 0;
		const probe = (async () => {
			while (probing) {
				const t = performance.now();
				// A kept-alive socket the server closed while idle resets: that try does not count.
				const ok = await fetch(`${base}/healthz`).then(
					(res) => res.ok,
					() => null
				);
				if (ok === false) throw new Error('/healthz did not answer 200');
				if (ok) worstHealth = Math.max(worstHealth, performance.now() - t);
				await new Promise((r) => setTimeout(r, 2));
			}
		})();
		const started = performance.now();
		const answers = await Promise.all(
			consoles.map(async (c) => {
				const body = await getJSON(pullPath(enterpriseID, c.clientID, c.cookie), session);
				c.cookie = body.cookie;
				return body;
			})
		);
		const last = performance.now() - started;
		probing = false;
		await probe;
		for (const body of answers) {
			const gone = body.changes.some((ch) => ch.table === 'licenses' && ch.op === 'del');
			if (!gone) {
				console.log(`  ${label}: a pull did not bring the removed license`);
				failed = true;
			}
		}
		rounds.push({ last, worstHealth });
	}
	return rounds;
}

const ms = (x) => `${x.toFixed(1)} ms`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
	const database = openDb({ file });
	await migrate(database);
	const seedStart = performance.now();
	const seeded = await seedEnterprise(database, {
		name: 'Fanout Bench',
		users: USERS,
		invites: 0,
		owner: OWNER.email,
		password: OWNER.password,
		seed: 21
	});
	const victims = (
		await database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', seeded.enterpriseID)
			.orderBy('user_id')
			.limit(ROUNDS * 2)
			.execute()
	).map((r) => r.user_id);
	const indexes = await pullIndexes(database.db);
	await database.close();
	console.log(
		`pull-fanout: ${CONSOLES} consoles pulling after one license removal, ${USERS.toLocaleString('en-US')} licensed users, SQLite, production build, ${availableParallelism()} cores; seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`
	);

	startServer();
	await waitForServer();
	let session = await signIn();
	const now = await measure('indexed', session, seeded.enterpriseID, victims);
	await stopServer();

	// The baseline: the same database without the pull indexes, each pull counting for itself.
	const bare = openDb({ file });
	for (const name of indexes) await sql`drop index ${sql.id(name)}`.execute(bare.db);
	await bare.close();
	startServer({ ROSTER_SHARE_DOMAIN_ROWS: '0' });
	await waitForServer();
	session = await signIn();
	const before = await measure('baseline', session, seeded.enterpriseID, victims);
	await stopServer();

	const row = (label, rounds) =>
		`  ${label}: last answer median ${ms(median(rounds.map((r) => r.last)))}, worst ${ms(Math.max(...rounds.map((r) => r.last)))}; /healthz longest ${ms(Math.max(...rounds.map((r) => r.worstHealth)))}`;
	console.log(row('now', now));
	console.log(row(`baseline: no pull indexes (${indexes.length}), a count per pull`, before));
	const ratio = median(before.map((r) => r.last)) / median(now.map((r) => r.last));
	const worstNow = Math.max(...now.map((r) => r.last));
	console.log(
		`  ${ratio.toFixed(1)}× faster than the baseline (medians); target: last answer ≤ ${TARGET_MS} ms → ${worstNow <= TARGET_MS ? 'met' : 'NOT met'}; ${ROUNDS} rounds each; load average ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
} catch (error) {
	console.error(error);
	failed = true;
} finally {
	await stopServer();
	rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
