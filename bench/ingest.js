#!/usr/bin/env node
// Activity ingestion over HTTP (R19): events/s through the real `POST /api/client/activity` of the
// production build, one Node process on SQLite, 10,000 seeded users (target: ≥ 10,000 events/s),
// driven by autocannon with 100 events per request, against the baseline measured in the same run:
// the same route and server hit with one event per request (what a client that posts every
// "app opened" as it happens costs). Afterwards every stored row is counted against the 2xx answers.
// Needs a production build (npm run build).
//
//   node bench/ingest.js     BENCH_SECONDS=12 BENCH_CONNECTIONS=50 BENCH_USERS=10000 node bench/ingest.js
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { tsImport } from 'tsx/esm/api';

const root = new URL('..', import.meta.url).pathname;
const here = import.meta.url;
const TARGET = 10_000;
const BATCH = 100;
const seconds = Number(process.env.BENCH_SECONDS ?? 12);
const ROUNDS = 3;
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const users = Number(process.env.BENCH_USERS ?? 10_000);
const port = Number(process.env.BENCH_PORT ?? 4320);
if (!existsSync(join(root, 'build/index.js'))) {
	console.error('ingest: no build; run `npm run build` first');
	process.exit(2);
}

const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);

const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-ingest-'));
const file = join(dataDir, 'roster.db');
let database = openDb({ file });
await migrate(database);
await seedEnterprise(database, { name: 'Ingest Bench', users, invites: 0, seed: 7 });
const emails = (await database.db.selectFrom('users').select('email').execute()).map((r) =>
	r.email.toLowerCase()
);
const countEvents = async () =>
	Number(
		(
			await database.db
				.selectFrom('activity_events')
				.select((eb) => eb.fn.countAll().as('n'))
				.executeTakeFirstOrThrow()
		).n
	);
const seededEvents = await countEvents();
await database.close();

const key = randomBytes(24).toString('hex');
const server = spawn(process.execPath, [join(root, 'build/index.js')], {
	env: {
		...process.env,
		NODE_ENV: 'production',
		INGEST_KEY: key,
		PORT: String(port),
		ORIGIN: `http://127.0.0.1:${port}`,
		DATA_DIR: dataDir,
		DATABASE_URL: '',
		ROSTER_NO_DEMO: 'true'
	},
	stdio: ['ignore', 'ignore', 'inherit']
});

/** Request bodies of `size` events of random seeded users, within the last hour; cycled. */
function bodies(size, count = 400) {
	const now = Date.now();
	return Array.from({ length: count }, () =>
		JSON.stringify({
			events: Array.from({ length: size }, () => ({
				email: emails[Math.floor(Math.random() * emails.length)],
				at: now - Math.floor(Math.random() * 3_600_000)
			}))
		})
	);
}

/** Drives the route for `duration` s with `size` events per request. */
async function run(size, duration) {
	const pool = bodies(size);
	let next = 0;
	const result = await autocannon({
		url: `http://127.0.0.1:${port}/api/client/activity`,
		method: 'POST',
		connections,
		duration,
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		requests: [{ setupRequest: (req) => ({ ...req, body: pool[next++ % pool.length] }) }]
	});
	const ok = result['2xx'];
	if (result.non2xx || result.errors || result.timeouts) {
		throw new Error(
			`${size}/request: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`
		);
	}
	return {
		size,
		events: ok * size,
		eventsPerSecond: (ok * size) / result.duration,
		requestsPerSecond: ok / result.duration,
		p50: result.latency.p50,
		p99: result.latency.p99
	};
}

let exitCode = 1;
try {
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
		} catch {
			if (i > 600) throw new Error('server did not start');
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	// Warm up the JIT and SQLite's page cache on both paths before measuring.
	const runs = [await run(BATCH, 2), await run(1, 2)];
	// Alternate the two paths in rounds and take medians, so a load spike hits both alike.
	const oursRuns = [];
	const naiveRuns = [];
	for (let i = 0; i < ROUNDS; i++) {
		oursRuns.push(await run(BATCH, seconds / ROUNDS));
		naiveRuns.push(await run(1, seconds / ROUNDS));
	}
	runs.push(...oursRuns, ...naiveRuns);
	const median = (list, field) =>
		[...list.map((r) => r[field])].sort((a, b) => a - b)[Math.floor(list.length / 2)];
	const summary = (list) =>
		Object.fromEntries(
			['eventsPerSecond', 'requestsPerSecond', 'p50', 'p99'].map((f) => [f, median(list, f)])
		);
	const ours = summary(oursRuns);
	const naive = summary(naiveRuns);

	server.kill();
	await new Promise((r) => server.once('exit', r));
	database = openDb({ file });
	const stored = (await countEvents()) - seededEvents;
	await database.close();
	const sent = runs.reduce((n, r) => n + r.events, 0);
	// autocannon stops with one request in flight per connection and does not count its answer; the
	// server still commits it, so up to that many more rows than acknowledged events are expected.
	const inFlight = runs.reduce((n, r) => n + connections * r.size, 0);
	const durable = stored >= sent && stored - sent <= inFlight;

	const fmt = (n) => Math.round(n).toLocaleString('en-US');
	const line = (r, size) =>
		`${fmt(r.eventsPerSecond)} events/s, ${fmt(r.requestsPerSecond)} requests/s, p50 ${r.p50} ms, p99 ${r.p99} ms (${size} event${size > 1 ? 's' : ''}/request)`;
	console.log(
		`POST /api/client/activity, SQLite, ${fmt(users)} users, ${connections} connections, ${seconds} s per path (medians of ${ROUNDS} alternating rounds):`
	);
	console.log(`ours:     ${line(ours, BATCH)}; target ≥ ${fmt(TARGET)} events/s`);
	console.log(`baseline: ${line(naive, 1)}`);
	console.log(
		`ratio ours/baseline (events/s): ${(ours.eventsPerSecond / naive.eventsPerSecond).toFixed(2)}x`
	);
	console.log(
		`stored ${fmt(stored)} raw events for ${fmt(sent)} acknowledged and at most ${fmt(inFlight)} unanswered at the ends of runs (every acknowledged event durable: ${durable ? 'yes' : 'NO'}); load average ${loadavg()
			.map((l) => l.toFixed(1))
			.join(' ')} on ${availableParallelism()} cores`
	);
	const met = ours.eventsPerSecond >= TARGET && durable;
	console.log(met ? 'target met' : `TARGET MISSED`);
	exitCode = met ? 0 : 1;
} finally {
	server.kill();
	rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
