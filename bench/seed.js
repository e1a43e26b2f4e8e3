#!/usr/bin/env node
// `npm run seed` time for 100,000 users on SQLite (target: well under a minute), against the baseline
// of inserting the same users one row per statement, each in its own transaction (measured on 5,000
// and scaled), in the same run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';

const root = new URL('..', import.meta.url).pathname;
const users = Number(process.env.BENCH_USERS ?? 100_000);
const dataDir = mkdtempSync(join(tmpdir(), 'roster-bench-seed-'));
const env = { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' };

let t = performance.now();
execFileSync('npx', ['tsx', 'scripts/seed.ts', '--enterprise', 'Bench', '--users', String(users)], {
	cwd: root,
	env,
	stdio: 'inherit'
});
const ours = (performance.now() - t) / 1000;

// Naive: autocommit insert per user into the same schema (after our seed created it).
const db = new Database(join(dataDir, 'roster.db'));
db.pragma('journal_mode = WAL');
// The users' index of reversed emails calls reverse(), which the server's connection defines.
db.function('reverse', { deterministic: true }, (v) =>
	typeof v === 'string' ? Array.from(v).reverse().join('') : v
);
const insert = db.prepare(
	'insert into users (id, email, name, password_hash, last_login_at, created_at) values (?, ?, ?, null, null, ?)'
);
const sample = 5000;
t = performance.now();
for (let i = 0; i < sample; i++)
	insert.run(randomUUID(), `naive.${i}@naive.test`, `Naive ${i}`, Date.now());
const naive = ((performance.now() - t) / 1000) * (users / sample);
db.close();
console.log(
	`seed ${users.toLocaleString('en-US')} users (whole enterprise, process start included): ${ours.toFixed(1)} s`
);
console.log(
	`baseline, user rows alone one autocommit insert each (scaled from ${sample}): ${naive.toFixed(1)} s`
);
console.log(`ratio baseline/ours: ${(naive / ours).toFixed(2)}x`);
