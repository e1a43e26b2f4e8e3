#!/usr/bin/env node
// Pushed mutations applied per second through the server's push() on SQLite (target: ≥ 5,000/s) and
// on PostgreSQL (target: at least SQLite's figure, measured in the same run), in batches of 100
// (what the sync engine sends), against the naive baseline of one mutation per push call on the
// same database. The mix is createTeam/renameTeam. PostgreSQL runs in a database of its own at
// BENCH_PG_URL, created and dropped here (BENCH_PG_URL=off skips it). Then a per-phase table: the
// milliseconds and statements (round trips) of each phase of a batch, on both databases.
//
//   node bench/push.js
//   BENCH_MUTATIONS=10000 BENCH_BASELINE=2000 BENCH_PHASE_BATCHES=20 \
//   BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres node bench/push.js
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';

const here = import.meta.url;
const { openDb, migrate, seedEnterprise, push, startPokeRelay, PUSH_PHASES } = await tsImport(
	'./support/push-entry.ts',
	here
);

const TARGET = 5000;
const BATCH = 100;
const total = Number(process.env.BENCH_MUTATIONS ?? 10_000);
const baselineTotal = Number(process.env.BENCH_BASELINE ?? 2_000);
const phaseBatches = Number(process.env.BENCH_PHASE_BATCHES ?? 20);
const pgURL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(statement) {
	const client = new pg.Client({ connectionString: pgURL });
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}

// Statements run, counted by the phase they ran in (the hook's next report names it).
let statements = 0;
const onQuery = () => {
	statements++;
};

/** A fresh database of `dialect`, migrated and seeded; returns it and how to drop it. */
async function fresh(dialect) {
	let database;
	let drop;
	if (dialect === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'roster-bench-push-'));
		database = openDb({ file: join(dir, 'roster.db'), onQuery });
		drop = async () => rmSync(dir, { recursive: true, force: true });
	} else {
		const name = `roster_bench_push_${randomBytes(6).toString('hex')}`;
		await admin(`create database ${name}`);
		const url = new URL(pgURL);
		url.pathname = `/${name}`;
		database = openDb({ url: url.toString(), onQuery });
		drop = () => admin(`drop database if exists ${name} with (force)`);
	}
	await migrate(database);
	// Pokes go through the database as in production (PostgreSQL: NOTIFY, heard by a LISTEN).
	const stopRelay = startPokeRelay(database);
	const seeded = await seedEnterprise(database, {
		name: 'Push Bench',
		users: 200,
		seats: 1000,
		invites: 0,
		domains: ['push-bench.test']
	});
	const owner = await database.db
		.selectFrom('users')
		.select('id')
		.where('email', '=', seeded.owner)
		.executeTakeFirstOrThrow();
	return {
		database,
		enterpriseID: seeded.enterpriseID,
		pusher: { userID: owner.id, role: 'owner' },
		close: async () => {
			await stopRelay();
			await database.close();
			await drop();
		}
	};
}

/** The workload: 60% createTeam, 40% renameTeam of a team created earlier in the same stream. */
function* mutations(count) {
	// Names are unique per enterprise (R26): each stream names its teams apart from the others'.
	const run = randomUUID().slice(0, 8);
	const teams = [];
	for (let id = 1; id <= count; id++) {
		const createdAt = Date.now();
		if (teams.length === 0 || id % 5 < 3) {
			const teamID = randomUUID();
			teams.push(teamID);
			yield { id, name: 'createTeam', args: { teamID, name: `Team ${run} ${id}` }, createdAt };
		} else {
			const teamID = teams[(id * 7919) % teams.length];
			yield { id, name: 'renameTeam', args: { teamID, name: `Renamed ${run} ${id}` }, createdAt };
		}
	}
}

/**
 * Pushes `count` mutations from a new client in batches of `size` into `t`; returns mutations/s.
 * With `onPhase`, every batch's phases are reported to it.
 */
async function run(t, count, size, onPhase) {
	const clientID = `bench-${randomUUID()}`;
	const all = [...mutations(count)];
	const started = performance.now();
	for (let i = 0; i < all.length; i += size) {
		const out = await push(
			t.database,
			{
				enterpriseID: t.enterpriseID,
				clientGroupID: 'bench',
				clientID,
				mutations: all.slice(i, i + size)
			},
			t.pusher,
			undefined,
			onPhase
		);
		if (!out.ok || out.results.some((r) => r.status !== 'applied'))
			throw new Error(`push refused or rejected a mutation: ${JSON.stringify(out).slice(0, 300)}`);
	}
	const seconds = (performance.now() - started) / 1000;
	return count / seconds;
}

const ROUNDS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Throughput of both paths, then the per-phase figures of `phaseBatches` batches of BATCH. */
async function measure(dialect) {
	const t = await fresh(dialect);
	try {
		// Warm up the JIT and the database's cache on both paths before measuring.
		await run(t, 500, BATCH);
		await run(t, 200, 1);
		// Alternate the two paths in rounds and take medians, so a load spike hits both alike.
		const oursRuns = [];
		const naiveRuns = [];
		for (let i = 0; i < ROUNDS; i++) {
			oursRuns.push(await run(t, Math.round(total / ROUNDS), BATCH));
			naiveRuns.push(await run(t, Math.round(baselineTotal / ROUNDS), 1));
		}
		const ms = Object.fromEntries(PUSH_PHASES.map((p) => [p, 0]));
		const count = Object.fromEntries(PUSH_PHASES.map((p) => [p, 0]));
		statements = 0;
		await run(t, phaseBatches * BATCH, BATCH, (phase, took) => {
			ms[phase] += took;
			count[phase] += statements;
			statements = 0;
		});
		const applied = await t.database.db
			.selectFrom('sync_clients')
			.select((eb) => eb.fn.sum('last_mutation_id').as('n'))
			.executeTakeFirstOrThrow();
		return {
			dialect,
			ours: median(oursRuns),
			naive: median(naiveRuns),
			applied: Number(applied.n),
			phases: PUSH_PHASES.map((p) => ({
				phase: p,
				ms: ms[p] / phaseBatches,
				statements: count[p] / phaseBatches
			}))
		};
	} finally {
		await t.close();
	}
}

const usePg = pgURL !== 'off';
const lite = await measure('sqlite');
const post = usePg ? await measure('postgres') : null;
const load = () =>
	`load average ${loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')} on ${availableParallelism()} cores`;

for (const r of [lite, post].filter(Boolean)) {
	const name = r.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
	const target =
		r.dialect === 'sqlite' ? `target ≥ ${fmt(TARGET)}/s` : `target ≥ SQLite's ${fmt(lite.ours)}/s`;
	console.log(
		`push() on ${name}, batches of ${BATCH}: ${fmt(r.ours)} mutations/s (${fmt(total)} mutations; ${target})`
	);
	console.log(
		`  baseline, 1 mutation per push() call: ${fmt(r.naive)} mutations/s (${fmt(baselineTotal)} mutations); ratio ours/baseline ${(r.ours / r.naive).toFixed(2)}x`
	);
}
if (post)
	console.log(
		`ratio PostgreSQL/SQLite (batches of ${BATCH}): ${(post.ours / lite.ours).toFixed(2)}x`
	);

// The per-phase table: ms and statements per batch of BATCH, each database side by side.
const cols = [lite, post].filter(Boolean);
const head = [
	'phase (per batch of ' + BATCH + ')',
	...cols.flatMap((r) => [`${r.dialect} ms`, `${r.dialect} stmts`])
];
const rows = PUSH_PHASES.map((p, i) => [
	p,
	...cols.flatMap((r) => [r.phases[i].ms.toFixed(2), r.phases[i].statements.toFixed(1)])
]);
rows.push([
	'total',
	...cols.flatMap((r) => [
		r.phases.reduce((n, x) => n + x.ms, 0).toFixed(2),
		r.phases.reduce((n, x) => n + x.statements, 0).toFixed(1)
	])
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) =>
	cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log('');
console.log(line(head));
for (const row of rows) console.log(line(row));
console.log(
	`(${phaseBatches} batches of ${BATCH} createTeam/renameTeam, timed phase by phase after the throughput rounds; the poke is awaited only while timed; statements include begin and commit)`
);
console.log(
	`(throughput: medians of ${ROUNDS} alternating rounds; ${cols.map((r) => `${fmt(r.applied)} mutations applied on ${r.dialect}`).join(', ')}, each with its audit row; ${load()})`
);
const misses = [];
if (lite.ours < TARGET) misses.push(`SQLite ${fmt(lite.ours)}/s < ${fmt(TARGET)}/s`);
if (post && post.ours < lite.ours)
	misses.push(`PostgreSQL ${fmt(post.ours)}/s < SQLite's ${fmt(lite.ours)}/s`);
console.log(misses.length ? `TARGET MISSED: ${misses.join('; ')}` : 'targets met');
process.exitCode = misses.length ? 1 : 0;
