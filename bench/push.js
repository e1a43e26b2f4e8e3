#!/usr/bin/env node
// Pushed mutations applied per second on SQLite through the server's push() (target: ≥ 5,000/s),
// in batches of 100 (what the sync engine sends), against the naive baseline of one mutation per
// push call, measured in the same process on the same database. The mix is createTeam/renameTeam.
//
//   node bench/push.js            BENCH_MUTATIONS=10000 BENCH_BASELINE=2000 node bench/push.js
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const here = import.meta.url;
const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);
const { push } = await tsImport('../src/lib/server/sync/push.ts', here);

const TARGET = 5000;
const BATCH = 100;
const total = Number(process.env.BENCH_MUTATIONS ?? 10_000);
const baselineTotal = Number(process.env.BENCH_BASELINE ?? 2_000);

const dir = mkdtempSync(join(tmpdir(), 'roster-bench-push-'));
const database = openDb({ file: join(dir, 'roster.db') });
await migrate(database);
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
const pusher = { userID: owner.id, role: 'owner' };

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

/** Pushes `count` mutations from a new client in batches of `size`; returns mutations/s. */
async function run(count, size) {
	const clientID = `bench-${randomUUID()}`;
	const all = [...mutations(count)];
	const started = performance.now();
	for (let i = 0; i < all.length; i += size) {
		const out = await push(
			database,
			{
				enterpriseID: seeded.enterpriseID,
				clientGroupID: 'bench',
				clientID,
				mutations: all.slice(i, i + size)
			},
			pusher
		);
		if (!out.ok || out.results.some((r) => r.status !== 'applied'))
			throw new Error(`push refused or rejected a mutation: ${JSON.stringify(out).slice(0, 300)}`);
	}
	const seconds = (performance.now() - started) / 1000;
	return count / seconds;
}

const ROUNDS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
	// Warm up the JIT and SQLite's page cache on both paths before measuring.
	await run(500, BATCH);
	await run(200, 1);
	// Alternate the two paths in rounds and take medians, so a load spike hits both alike.
	const oursRuns = [];
	const naiveRuns = [];
	for (let i = 0; i < ROUNDS; i++) {
		oursRuns.push(await run(Math.round(total / ROUNDS), BATCH));
		naiveRuns.push(await run(Math.round(baselineTotal / ROUNDS), 1));
	}
	const ours = median(oursRuns);
	const naive = median(naiveRuns);
	const applied = await database.db
		.selectFrom('sync_clients')
		.select((eb) => eb.fn.sum('last_mutation_id').as('n'))
		.executeTakeFirstOrThrow();
	const fmt = (n) => Math.round(n).toLocaleString('en-US');
	console.log(
		`push() on SQLite, batches of ${BATCH}: ${fmt(ours)} mutations/s (${fmt(total)} mutations; target ≥ ${fmt(TARGET)}/s)`
	);
	console.log(
		`baseline, 1 mutation per push() call: ${fmt(naive)} mutations/s (${fmt(baselineTotal)} mutations)`
	);
	console.log(`ratio ours/baseline: ${(ours / naive).toFixed(2)}x`);
	console.log(
		`(medians of ${ROUNDS} alternating rounds; ${fmt(Number(applied.n))} mutations applied in all, each with its audit row; load average ${loadavg()
			.map((l) => l.toFixed(1))
			.join(' ')} on ${availableParallelism()} cores)`
	);
	console.log(ours >= TARGET ? `target met` : `TARGET MISSED: ${fmt(ours)}/s < ${fmt(TARGET)}/s`);
	process.exitCode = ours >= TARGET ? 0 : 1;
} finally {
	await database.close();
	rmSync(dir, { recursive: true, force: true });
}
