#!/usr/bin/env node
// Scale-out (issue 8): authenticated `POST /api/sync/push` of createTeam batches through the real
// production build, driven by autocannon, side by side in one run: SQLite with one instance,
// PostgreSQL with one instance, PostgreSQL with two instances over the same database (autocannon
// against both at once, figures summed). Each configuration starts on a fresh database (PostgreSQL:
// its own database at BENCH_PG_URL, dropped afterwards). Every connection pushes as its own sync
// client with strictly increasing mutation ids; each answer must be 200 with every mutation
// applied, and afterwards the database must hold the teams the answers account for. With two
// instances it also measures how long a push through instance 2 takes to poke instance 1 (SSE).
// Needs a production build (npm run build).
//
//   node bench/scale-out.js
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=10 BENCH_BATCH=20 BENCH_ENTERPRISES=4 node bench/scale-out.js
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const here = import.meta.url;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 20);
// Pushes of one enterprise serialise on its row lock; several spread the load as real tenants do.
const ENTERPRISES = Number(process.env.BENCH_ENTERPRISES ?? 1);
const basePort = Number(process.env.BENCH_PORT ?? 5090);
const pgURL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OWNER = { email: 'owner@scale-bench.test', password: 'scale-bench-pass' };
if (!existsSync(join(root, 'build/index.js'))) {
	console.error('scale-out: no build; run `npm run build` first');
	process.exit(2);
}

const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);

async function admin(statement) {
	const client = new pg.Client({ connectionString: pgURL });
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}

/** A fresh, migrated and seeded database; returns the server env for it and how to drop it. */
async function freshDatabase(dialect) {
	let config;
	let env;
	let drop;
	if (dialect === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'roster-bench-scale-'));
		config = { file: join(dir, 'roster.db') };
		env = { DATA_DIR: dir, DATABASE_URL: '' };
		drop = async () => rmSync(dir, { recursive: true, force: true });
	} else {
		const name = `roster_bench_${randomBytes(6).toString('hex')}`;
		await admin(`create database ${name}`);
		const url = new URL(pgURL);
		url.pathname = `/${name}`;
		config = { url: url.toString() };
		env = { DATABASE_URL: url.toString() };
		drop = () => admin(`drop database if exists ${name} with (force)`);
	}
	const database = openDb(config);
	await migrate(database);
	const enterpriseIDs = [];
	for (let i = 0; i < ENTERPRISES; i++) {
		const seeded = await seedEnterprise(database, {
			name: `Scale Bench ${i + 1}`,
			users: 200,
			invites: 0,
			owner: OWNER.email,
			password: OWNER.password,
			seed: 8 + i
		});
		enterpriseIDs.push(seeded.enterpriseID);
	}
	await database.close();
	return { env, drop, enterpriseIDs };
}

/** Starts one production server on `port`; resolves once /readyz answers 200. */
async function startServer(port, dbEnv) {
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, [join(root, 'build/index.js')], {
		env: {
			...process.env,
			...dbEnv,
			NODE_ENV: 'production',
			INGEST_KEY: randomBytes(24).toString('hex'),
			PORT: String(port),
			ORIGIN: url,
			ROSTER_NO_DEMO: 'true'
		},
		stdio: ['ignore', 'ignore', 'inherit']
	});
	const exited = new Promise((resolve) => child.on('exit', resolve));
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`${url}/readyz`)).ok) break;
		} catch {
			// not listening yet
		}
		if (child.exitCode !== null || i > 600) throw new Error(`server on ${port} did not start`);
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		url,
		stop: async () => {
			child.kill('SIGTERM');
			await exited;
		}
	};
}

async function signIn(url) {
	const response = await fetch(`${url}/api/auth/login`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(OWNER)
	});
	if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
	return response.headers.getSetCookie()[0].split(';')[0];
}

/**
 * Pushes through `url` for `duration` s on `count` connections. Each in-flight request holds a sync
 * client of its own (a pool of them), so every client's mutation ids go up by BATCH per answer.
 */
async function load(url, count, duration, cookie, enterpriseIDs, tally) {
	const idle = [];
	let made = 0;
	const takeClient = () =>
		idle.pop() ?? {
			clientID: `bench-${randomUUID()}`,
			enterpriseID: enterpriseIDs[made++ % enterpriseIDs.length],
			next: 1
		};
	const result = await autocannon({
		url: `${url}/api/sync/push`,
		method: 'POST',
		connections: count,
		duration,
		headers: { cookie, 'content-type': 'application/json' },
		requests: [
			{
				setupRequest: (req, context) => {
					const client = takeClient();
					context.client = client;
					const mutations = Array.from({ length: BATCH }, (_, i) => ({
						id: client.next + i,
						name: 'createTeam',
						args: { teamID: randomUUID(), name: `Bench team ${client.next + i}` },
						createdAt: Date.now()
					}));
					return {
						...req,
						body: JSON.stringify({
							enterpriseID: client.enterpriseID,
							clientGroupID: client.clientID,
							clientID: client.clientID,
							mutations
						})
					};
				},
				onResponse: (status, body, context) => {
					const client = context.client;
					const applied = status === 200 ? body.split('"applied"').length - 1 : 0;
					if (applied === BATCH) {
						client.next += BATCH;
						tally.applied += BATCH;
						idle.push(client);
					} else {
						// A client whose batch did not apply cleanly is not reused (its ids are unknown).
						tally.bad++;
						if (tally.bad <= 3) console.error(`push answered ${status}: ${body.slice(0, 200)}`);
					}
				}
			}
		]
	});
	tally.errors += result.errors + result.timeouts;
	return result;
}

/** Milliseconds from a push through `from` until an SSE subscriber on `to` hears the poke. */
async function pokeLatency(from, to, cookie, enterpriseID) {
	const controller = new AbortController();
	const response = await fetch(`${to}/api/sync/poke?enterpriseID=${enterpriseID}`, {
		headers: { cookie },
		signal: controller.signal
	});
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	await reader.read(); // ": connected"
	const clientID = `poke-${randomUUID()}`;
	const times = [];
	for (let id = 1; id <= 5; id++) {
		const started = performance.now();
		const heard = (async () => {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) throw new Error('poke stream ended');
				if (value.includes('data:')) return performance.now() - started;
			}
		})();
		const pushed = await fetch(`${from}/api/sync/push`, {
			method: 'POST',
			headers: { cookie, 'content-type': 'application/json' },
			body: JSON.stringify({
				enterpriseID,
				clientGroupID: clientID,
				clientID,
				mutations: [
					{
						id,
						name: 'createTeam',
						args: { teamID: randomUUID(), name: `Poke ${id}` },
						createdAt: Date.now()
					}
				]
			})
		});
		if (!pushed.ok) throw new Error(`poke push answered ${pushed.status}`);
		times.push(await heard);
	}
	controller.abort();
	return times.sort((a, b) => a - b)[2];
}

async function teamsIn(dbEnv) {
	const database = openDb(
		dbEnv.DATABASE_URL ? { url: dbEnv.DATABASE_URL } : { file: join(dbEnv.DATA_DIR, 'roster.db') }
	);
	try {
		const row = await database.db
			.selectFrom('teams')
			.select((eb) => eb.fn.countAll().as('n'))
			.where('name', 'like', 'Bench team %')
			.executeTakeFirstOrThrow();
		return Number(row.n);
	} finally {
		await database.close();
	}
}

/** One configuration: fresh database, `instances` servers, warm-up, measured run, checks. */
async function measure(label, dialect, instances) {
	const fresh = await freshDatabase(dialect);
	const servers = [];
	try {
		for (let i = 0; i < instances; i++) servers.push(await startServer(basePort + i, fresh.env));
		const cookie = await signIn(servers[0].url);
		const per = Math.max(1, Math.round(connections / instances));
		const warm = { applied: 0, bad: 0, errors: 0 };
		await Promise.all(servers.map((s) => load(s.url, per, 2, cookie, fresh.enterpriseIDs, warm)));
		const tally = { applied: 0, bad: 0, errors: 0 };
		const results = await Promise.all(
			servers.map((s) => load(s.url, per, seconds, cookie, fresh.enterpriseIDs, tally))
		);
		const poke =
			instances > 1
				? await pokeLatency(servers[1].url, servers[0].url, cookie, fresh.enterpriseIDs[0])
				: null;
		for (const s of servers) await s.stop();
		servers.length = 0;
		const stored = await teamsIn(fresh.env);
		const answered = warm.applied + tally.applied;
		// Requests still in flight when autocannon stopped may have committed without an answer.
		const ceiling = answered + 2 * per * instances * BATCH;
		if (tally.bad || warm.bad || stored < answered || stored > ceiling) {
			throw new Error(
				`${label}: ${tally.bad + warm.bad} pushes not applied; ${stored} teams stored for ${answered} applied`
			);
		}
		const ok = results.reduce((n, r) => n + r['2xx'], 0);
		const duration = Math.max(...results.map((r) => r.duration));
		return {
			label,
			pushes: ok / duration,
			mutations: tally.applied / duration,
			p50: Math.max(...results.map((r) => r.latency.p50)),
			p99: Math.max(...results.map((r) => r.latency.p99)),
			errors: tally.errors,
			poke
		};
	} finally {
		for (const s of servers) await s.stop();
		await fresh.drop();
	}
}

const runs = [
	await measure('SQLite ×1', 'sqlite', 1),
	await measure('PostgreSQL ×1', 'postgres', 1),
	await measure('PostgreSQL ×2', 'postgres', 2)
];
const fmt = (n) => (n === null ? '—' : Math.round(n).toLocaleString('en-US'));
const rows = [
	[`pushes/s (${BATCH} createTeam each)`, (r) => fmt(r.pushes)],
	['mutations applied/s', (r) => fmt(r.mutations)],
	['push latency p50 (ms)', (r) => fmt(r.p50)],
	['push latency p99 (ms)', (r) => fmt(r.p99)],
	['connection errors/timeouts', (r) => String(r.errors)],
	[
		'poke 2 → 1 across instances (ms, median of 5)',
		(r) => (r.poke === null ? '—' : r.poke.toFixed(1))
	]
];
const width = Math.max(...rows.map(([name]) => name.length));
console.log(`${''.padEnd(width)}  ${runs.map((r) => r.label.padStart(14)).join('  ')}`);
for (const [name, cell] of rows) {
	console.log(`${name.padEnd(width)}  ${runs.map((r) => cell(r).padStart(14)).join('  ')}`);
}
console.log(
	`(${seconds} s per configuration after a 2 s warm-up, ${connections} connections in all, split between instances, pushing to ${ENTERPRISES} enterprise(s); p50/p99 of two instances is the worse of the two; every answer checked 200 with all mutations applied and the stored teams counted; load generator on the same machine; load average ${loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')} on ${availableParallelism()} cores)`
);
