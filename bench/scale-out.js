#!/usr/bin/env node
// Scale-out: the server's load figures through the real production build, side by side
// in one run for SQLite with one instance, PostgreSQL with one instance and PostgreSQL with two
// instances over the same database (load sent to both at once, figures summed). SQLite ×1 is the
// baseline: every figure prints its ratio to the SQLite ×1 figure measured in the same run. Each
// configuration starts on a fresh database (PostgreSQL: its own database at BENCH_PG_URL, dropped
// afterwards) seeded with BENCH_ENTERPRISES small enterprises and one of BENCH_PULL_USERS licensed
// users (seedEnterprise, multi-row inserts in one transaction; its time is printed too), then:
//
// - pull: BENCH_PULLS full initial syncs of the large enterprise, BENCH_CONSOLES at a time (spread
//   over the instances), each as the console does it: `GET /api/sync/pull` with cookie 0 and
//   `licenses=chunked`, then every `GET /api/sync/roster` page of its four id ranges at once, each
//   answer parsed. Median and p99 of the sync times, and rows delivered per second of the phase.
//   Every answer must be 200 and each sync must bring exactly the `rosterTotal` the pull announced.
// - push: authenticated `POST /api/sync/push` of BENCH_BATCH createTeam mutations, by autocannon on
//   BENCH_CONNECTIONS connections; every connection pushes as its own sync client with strictly
//   increasing mutation ids; each answer must be 200 with every mutation applied, and afterwards the
//   database must hold the teams the answers account for.
// - ingest: `POST /api/client/activity` with the ingest key (INGEST_KEY), BENCH_INGEST_BATCH events
//   of the large enterprise's users per request, by autocannon on BENCH_INGEST_CONNECTIONS
//   connections; each answer must be 200 with every event accepted, and afterwards the database must
//   hold the raw events the answers account for.
// - poke: how long a push takes to reach an SSE subscriber (`GET /api/sync/poke`): on the same
//   instance, and with two instances from instance 2 to instance 1 (LISTEN/NOTIFY).
//
// Push and ingest run BENCH_SECONDS each after a 2 s warm-up. A non-2xx answer, a connection error
// or a count that does not add up is reported in the table and makes the run exit 1.
// Needs a production build (npm run build); the load generator runs on the same machine.
//
//   node bench/scale-out.js
//   BENCH_SECONDS=10 BENCH_CONNECTIONS=10 BENCH_BATCH=20 BENCH_ENTERPRISES=4 \
//   BENCH_INGEST_CONNECTIONS=50 BENCH_INGEST_BATCH=100 BENCH_PULL_USERS=100000 BENCH_PULLS=12 \
//   BENCH_CONSOLES=4 BENCH_PORT=5090 BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres \
//   node bench/scale-out.js
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
const ingestConnections = Number(process.env.BENCH_INGEST_CONNECTIONS ?? 50);
const INGEST_BATCH = Number(process.env.BENCH_INGEST_BATCH ?? 100);
const PULL_USERS = Number(process.env.BENCH_PULL_USERS ?? 100_000);
const PULLS = Number(process.env.BENCH_PULLS ?? 12);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 4);
const basePort = Number(process.env.BENCH_PORT ?? 5090);
const pgURL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OWNER = { email: 'owner@scale-bench.test', password: 'scale-bench-pass' };
// As the console pages the roster (src/lib/client/sync-engine.ts): four id ranges at once.
const ROSTER_RANGES = [
	['', '3'],
	['3', '7'],
	['7', 'b'],
	['b', undefined]
];
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

const dbConfig = (dbEnv) =>
	dbEnv.DATABASE_URL ? { url: dbEnv.DATABASE_URL } : { file: join(dbEnv.DATA_DIR, 'roster.db') };

/** Runs `work(db)` on a connection of its own to the configuration's database. */
async function withDatabase(dbEnv, work) {
	const database = openDb(dbConfig(dbEnv));
	try {
		return await work(database.db);
	} finally {
		await database.close();
	}
}

/** A fresh, migrated and seeded database; returns the server env for it and how to drop it. */
async function freshDatabase(dialect) {
	let env;
	let drop;
	if (dialect === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'roster-bench-scale-'));
		env = { DATA_DIR: dir, DATABASE_URL: '' };
		drop = async () => rmSync(dir, { recursive: true, force: true });
	} else {
		const name = `roster_bench_${randomBytes(6).toString('hex')}`;
		await admin(`create database ${name}`);
		const url = new URL(pgURL);
		url.pathname = `/${name}`;
		env = { DATABASE_URL: url.toString() };
		drop = () => admin(`drop database if exists ${name} with (force)`);
	}
	const database = openDb(dbConfig(env));
	try {
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
		const started = performance.now();
		const large = await seedEnterprise(database, {
			name: 'Pull Bench',
			users: PULL_USERS,
			invites: 0,
			owner: OWNER.email,
			password: OWNER.password,
			seed: 99
		});
		const seedSeconds = (performance.now() - started) / 1000;
		const emails = (
			await database.db
				.selectFrom('users')
				.innerJoin('licenses', 'licenses.user_id', 'users.id')
				.select('users.email')
				.where('licenses.enterprise_id', '=', large.enterpriseID)
				.execute()
		).map((r) => r.email.toLowerCase());
		return { env, drop, enterpriseIDs, largeID: large.enterpriseID, seedSeconds, emails };
	} finally {
		await database.close();
	}
}

// Instances over one PostgreSQL database must share the key of the saved secrets (they refuse to start
// without it in production).
const SECRET_KEY = process.env.SECRET_KEY ?? randomBytes(32).toString('hex');

/** Starts one production server on `port`; resolves once /readyz answers 200. */
async function startServer(port, dbEnv, ingestKey) {
	const url = `http://127.0.0.1:${port}`;
	const child = spawn(process.execPath, [join(root, 'build/index.js')], {
		env: {
			...process.env,
			...dbEnv,
			NODE_ENV: 'production',
			INGEST_KEY: ingestKey,
			SECRET_KEY,
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
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
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

/** Notes a bad answer (the first few are printed). */
function complain(tally, what, status, body) {
	tally.bad++;
	if (tally.bad <= 3) console.error(`${what} answered ${status}: ${String(body).slice(0, 200)}`);
}

/**
 * Pushes through `url` for `duration` s on `count` connections. Each in-flight request holds a sync
 * client of its own (a pool of them), so every client's mutation ids go up by BATCH per answer.
 */
async function pushLoad(url, count, duration, cookie, enterpriseIDs, tally) {
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
						args: { teamID: randomUUID(), name: `Bench team ${randomUUID()}` },
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
						complain(tally, 'push', status, body);
					}
				}
			}
		]
	});
	tally.errors += result.errors + result.timeouts;
	return result;
}

/** Request bodies of INGEST_BATCH events of the large enterprise's users, in the last hour; cycled. */
function ingestBodies(emails, count = 400) {
	const now = Date.now();
	return Array.from({ length: count }, () =>
		JSON.stringify({
			events: Array.from({ length: INGEST_BATCH }, () => ({
				email: emails[Math.floor(Math.random() * emails.length)],
				at: now - Math.floor(Math.random() * 3_600_000)
			}))
		})
	);
}

/** Posts activity batches to `url` for `duration` s on `count` connections. */
async function ingestLoad(url, count, duration, key, pool, tally) {
	let next = 0;
	const result = await autocannon({
		url: `${url}/api/client/activity`,
		method: 'POST',
		connections: count,
		duration,
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		requests: [
			{
				setupRequest: (req) => ({ ...req, body: pool[next++ % pool.length] }),
				onResponse: (status, body) => {
					let accepted = -1;
					if (status === 200) {
						try {
							accepted = JSON.parse(body).accepted;
						} catch {
							// counted as bad below
						}
					}
					if (accepted === INGEST_BATCH) tally.accepted += INGEST_BATCH;
					else complain(tally, 'activity', status, body);
				}
			}
		]
	});
	tally.errors += result.errors + result.timeouts;
	return result;
}

/** GETs `path` on `url` and parses the answer; a non-200 answer throws. */
async function getJSON(url, path, cookie) {
	const response = await fetch(`${url}${path}`, { headers: { cookie } });
	const text = await response.text();
	if (response.status !== 200) {
		throw Object.assign(new Error(`GET ${path.split('?')[0]} answered ${response.status}`), {
			body: text
		});
	}
	return JSON.parse(text);
}

/**
 * One console's full initial sync over HTTP, as the sync engine does it: the full pull with the
 * licenses left to the roster, then the roster pages of four id ranges at once. Returns its time and
 * rows; throws on any non-200 answer or a roster that does not add up to the announced total.
 */
async function fullSync(url, cookie, enterpriseID) {
	const started = performance.now();
	const q = new URLSearchParams({
		enterpriseID,
		clientID: `console-${randomUUID()}`,
		cookie: '0',
		after: '0',
		licenses: 'chunked'
	});
	const patch = await getJSON(url, `/api/sync/pull?${q}`, cookie);
	if (!patch.rosterChunked)
		throw new Error('the full pull did not hand the licenses to the roster');
	let users = 0;
	const range = async ([from, through]) => {
		let after = from;
		for (;;) {
			const page = new URLSearchParams({ enterpriseID, after });
			if (through !== undefined) page.set('through', through);
			const body = await getJSON(url, `/api/sync/roster?${page}`, cookie);
			users += body.ids.length;
			if (body.next === null || body.ids.length === 0) return;
			after = body.next;
		}
	};
	await Promise.all(ROSTER_RANGES.map(range));
	const ms = performance.now() - started;
	if (users !== patch.rosterTotal) {
		throw new Error(`the roster brought ${users} users of the ${patch.rosterTotal} announced`);
	}
	return { ms, rows: users + patch.changes.length, users };
}

/** PULLS full syncs, CONSOLES at a time, console i on instance i mod n. */
async function pullPhase(servers, cookie, enterpriseID) {
	// Warm up: one sync per instance (JIT, page cache), not measured.
	await Promise.all(servers.map((s) => fullSync(s.url, cookie, enterpriseID)));
	const times = [];
	const outcome = { rows: 0, users: 0, failed: 0 };
	let issued = 0;
	const started = performance.now();
	const consoleLoop = async (c) => {
		const server = servers[c % servers.length];
		while (issued < PULLS) {
			issued++;
			try {
				const sync = await fullSync(server.url, cookie, enterpriseID);
				times.push(sync.ms);
				outcome.rows += sync.rows;
				outcome.users = sync.users;
			} catch (err) {
				outcome.failed++;
				if (outcome.failed <= 3) console.error(`pull: ${err.message} ${err.body ?? ''}`);
			}
		}
	};
	await Promise.all(Array.from({ length: CONSOLES }, (_, c) => consoleLoop(c)));
	const wall = (performance.now() - started) / 1000;
	times.sort((a, b) => a - b);
	const at = (p) => (times.length ? times[Math.ceil(p * times.length) - 1] : null);
	return {
		median: at(0.5),
		p99: at(0.99),
		rowsPerSecond: outcome.rows / wall,
		users: outcome.users,
		syncs: times.length,
		failed: outcome.failed
	};
}

/** Milliseconds from a push through `from` until an SSE subscriber on `to` hears the poke. */
async function pokeLatency(from, to, cookie, enterpriseID) {
	const controller = new AbortController();
	const response = await fetch(`${to}/api/sync/poke?enterpriseID=${enterpriseID}`, {
		headers: { cookie },
		signal: controller.signal
	});
	if (response.status !== 200) throw new Error(`poke subscription answered ${response.status}`);
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
						args: { teamID: randomUUID(), name: `Poke ${randomUUID()}` },
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

const countRows = (db, table, where) =>
	db
		.selectFrom(table)
		.select((eb) => eb.fn.countAll().as('n'))
		.$call(where ?? ((q) => q))
		.executeTakeFirstOrThrow()
		.then((row) => Number(row.n));
const benchTeams = (q) => q.where('name', 'like', 'Bench team %');

const sum = (results, field) => results.reduce((n, r) => n + r[field], 0);
const worst = (results, field) => Math.max(...results.map((r) => r.latency[field]));
const longest = (results) => Math.max(...results.map((r) => r.duration));

/** One configuration: fresh database, `instances` servers, pull, push, ingest and poke phases. */
async function measure(label, dialect, instances) {
	const loadAtStart = loadavg()[0];
	console.error(`scale-out: ${label}: seeding ${PULL_USERS.toLocaleString('en-US')} users…`);
	const fresh = await freshDatabase(dialect);
	const servers = [];
	const problems = [];
	try {
		const ingestKey = randomBytes(24).toString('hex');
		for (let i = 0; i < instances; i++) {
			servers.push(await startServer(basePort + i, fresh.env, ingestKey));
		}
		const cookie = await signIn(servers[0].url);

		console.error(`scale-out: ${label}: pull, ${PULLS} full syncs…`);
		const pull = await pullPhase(servers, cookie, fresh.largeID);
		if (pull.failed) problems.push(`${pull.failed} of ${PULLS} full syncs failed`);

		console.error(`scale-out: ${label}: push…`);
		const per = Math.max(1, Math.round(connections / instances));
		const pushWarm = { applied: 0, bad: 0, errors: 0 };
		await Promise.all(
			servers.map((s) => pushLoad(s.url, per, 2, cookie, fresh.enterpriseIDs, pushWarm))
		);
		const pushTally = { applied: 0, bad: 0, errors: 0 };
		const pushed = await Promise.all(
			servers.map((s) => pushLoad(s.url, per, seconds, cookie, fresh.enterpriseIDs, pushTally))
		);

		console.error(`scale-out: ${label}: ingest…`);
		const eventsBefore = await withDatabase(fresh.env, (db) => countRows(db, 'activity_events'));
		const pool = ingestBodies(fresh.emails);
		const perIngest = Math.max(1, Math.round(ingestConnections / instances));
		const ingestWarm = { accepted: 0, bad: 0, errors: 0 };
		await Promise.all(
			servers.map((s) => ingestLoad(s.url, perIngest, 2, ingestKey, pool, ingestWarm))
		);
		const ingestTally = { accepted: 0, bad: 0, errors: 0 };
		const ingested = await Promise.all(
			servers.map((s) => ingestLoad(s.url, perIngest, seconds, ingestKey, pool, ingestTally))
		);

		const poke = await pokeLatency(servers[0].url, servers[0].url, cookie, fresh.enterpriseIDs[0]);
		const pokeAcross =
			instances > 1
				? await pokeLatency(servers[1].url, servers[0].url, cookie, fresh.enterpriseIDs[0])
				: null;
		for (const s of servers) await s.stop();
		servers.length = 0;

		// Requests still in flight when autocannon stopped may have committed without an answer (one
		// per connection per run), and a batch answered with an error may have committed too.
		const [teams, events] = await withDatabase(fresh.env, (db) =>
			Promise.all([countRows(db, 'teams', benchTeams), countRows(db, 'activity_events')])
		);
		const pushBad = pushWarm.bad + pushTally.bad;
		const teamsAnswered = pushWarm.applied + pushTally.applied;
		const teamsCeiling = teamsAnswered + (2 * per * instances + pushBad) * BATCH;
		if (pushBad) problems.push(`${pushBad} pushes not answered 200 with every mutation applied`);
		if (pushWarm.errors + pushTally.errors)
			problems.push(`${pushWarm.errors + pushTally.errors} push connection errors/timeouts`);
		if (teams < teamsAnswered || teams > teamsCeiling)
			problems.push(`${teams} teams stored for ${teamsAnswered} applied (at most ${teamsCeiling})`);
		const ingestBad = ingestWarm.bad + ingestTally.bad;
		const eventsStored = events - eventsBefore;
		const eventsAnswered = ingestWarm.accepted + ingestTally.accepted;
		const eventsCeiling = eventsAnswered + (2 * perIngest * instances + ingestBad) * INGEST_BATCH;
		if (ingestBad) problems.push(`${ingestBad} activity posts not answered 200 with all accepted`);
		if (ingestWarm.errors + ingestTally.errors)
			problems.push(`${ingestWarm.errors + ingestTally.errors} ingest connection errors/timeouts`);
		if (eventsStored < eventsAnswered || eventsStored > eventsCeiling) {
			problems.push(
				`${eventsStored} events stored for ${eventsAnswered} accepted (at most ${eventsCeiling})`
			);
		}

		const pushDuration = longest(pushed);
		const ingestDuration = longest(ingested);
		return {
			label,
			seedSeconds: fresh.seedSeconds,
			pull,
			pushes: sum(pushed, '2xx') / pushDuration,
			mutations: pushTally.applied / pushDuration,
			pushP50: worst(pushed, 'p50'),
			pushP99: worst(pushed, 'p99'),
			pushBad: pushBad + pushWarm.errors + pushTally.errors,
			teams: `${teams.toLocaleString('en-US')} / ${teamsAnswered.toLocaleString('en-US')}`,
			events: ingestTally.accepted / ingestDuration,
			ingestP50: worst(ingested, 'p50'),
			ingestP99: worst(ingested, 'p99'),
			ingestBad: ingestBad + ingestWarm.errors + ingestTally.errors,
			eventsStored: `${eventsStored.toLocaleString('en-US')} / ${eventsAnswered.toLocaleString('en-US')}`,
			poke,
			pokeAcross,
			load: `${loadAtStart.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
			problems
		};
	} finally {
		for (const s of servers) await s.stop();
		await fresh.drop();
	}
}

const started = performance.now();
const runs = [
	await measure('SQLite ×1', 'sqlite', 1),
	await measure('PostgreSQL ×1', 'postgres', 1),
	await measure('PostgreSQL ×2', 'postgres', 2)
];
const base = runs[0];
const int = (n) => Math.round(n).toLocaleString('en-US');
const ms1 = (n) => n.toFixed(1);
/** A figure and its ratio to the SQLite ×1 figure (`baseOf` picks the baseline's value). */
const figure =
	(get, format, baseOf = get) =>
	(r) => {
		const value = get(r);
		if (value === null || value === undefined) return '—';
		const b = baseOf(base);
		const ratio = b ? ` (${(value / b).toFixed(2)}×)` : '';
		return `${format(value)}${ratio}`;
	};
const plain = (get) => (r) => String(get(r));
const rows = [
	[`push: pushes/s (${BATCH} createTeam each)`, figure((r) => r.pushes, int)],
	['push: mutations applied/s', figure((r) => r.mutations, int)],
	['push: latency p50 (ms)', figure((r) => r.pushP50, int)],
	['push: latency p99 (ms)', figure((r) => r.pushP99, int)],
	['push: failed answers + conn. errors', plain((r) => r.pushBad)],
	['push: teams stored / applied', plain((r) => r.teams)],
	[`ingest: events/s (${INGEST_BATCH} per request)`, figure((r) => r.events, int)],
	['ingest: latency p50 (ms)', figure((r) => r.ingestP50, int)],
	['ingest: latency p99 (ms)', figure((r) => r.ingestP99, int)],
	['ingest: failed answers + conn. errors', plain((r) => r.ingestBad)],
	['ingest: events stored / accepted', plain((r) => r.eventsStored)],
	[`pull ${int(PULL_USERS)}: full sync median (ms)`, figure((r) => r.pull.median, int)],
	[`pull ${int(PULL_USERS)}: full sync p99 (ms)`, figure((r) => r.pull.p99, int)],
	[`pull ${int(PULL_USERS)}: rows/s, all consoles`, figure((r) => r.pull.rowsPerSecond, int)],
	[
		`pull ${int(PULL_USERS)}: syncs ok / failed`,
		plain((r) => `${r.pull.syncs} / ${r.pull.failed}`)
	],
	[`seed ${int(PULL_USERS)} users (s)`, figure((r) => r.seedSeconds, ms1)],
	['poke, same instance (ms, median of 5)', figure((r) => r.poke, ms1)],
	[
		'poke 2 → 1 across instances (ms, median of 5)',
		figure(
			(r) => r.pokeAcross,
			ms1,
			(b) => b.poke
		)
	],
	['load average (1 min), start → end', plain((r) => r.load)]
];
const cells = rows.map(([, cell]) => runs.map(cell));
const width = Math.max(...rows.map(([name]) => name.length));
const col = Math.max(14, ...cells.flat().map((c) => c.length));
console.log(`${''.padEnd(width)}  ${runs.map((r) => r.label.padStart(col)).join('  ')}`);
rows.forEach(([name], i) => {
	console.log(`${name.padEnd(width)}  ${cells[i].map((c) => c.padStart(col)).join('  ')}`);
});
console.log(
	`(ratios: the figure ÷ SQLite ×1's in this run; for latencies and times above 1 is slower; the cross-instance poke is compared with SQLite ×1's same-instance poke. Push and ingest: ${seconds} s each after a 2 s warm-up, ${connections} push connections pushing to ${ENTERPRISES} enterprise(s) and ${ingestConnections} ingest connections in all, split between instances; p50/p99 of two instances is the worse of the two. Pull: ${PULLS} full syncs of ${int(PULL_USERS)} licensed users (pull + roster pages in 4 ranges, every answer parsed) after one warm-up per instance, ${CONSOLES} consoles at a time spread over the instances; p99 of ${PULLS} syncs is the slowest. Every answer checked 200 and its contents counted, stored teams and events counted afterwards; load generator on the same machine; ${((performance.now() - started) / 60_000).toFixed(1)} min; load average ${loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')} on ${availableParallelism()} cores)`
);
const problems = runs.flatMap((r) => r.problems.map((p) => `${r.label}: ${p}`));
for (const p of problems) console.log(`PROBLEM ${p}`);
process.exit(problems.length ? 1 : 0);
