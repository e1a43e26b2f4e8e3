#!/usr/bin/env node
// `npm start`: installs dependencies if missing, builds if the build is missing or older than the
// sources, then serves the app (SQLite at data/roster.db unless DATABASE_URL is set).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

function run(cmd, args) {
	const result = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
	if (result.status !== 0) process.exit(result.status ?? 1);
}

function newest(path) {
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let max = stat.mtimeMs;
	for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
	return max;
}

if (!existsSync('node_modules/.package-lock.json')) {
	console.log('Installing dependencies (npm ci)…');
	run('npm', ['ci', '--no-audit', '--no-fund']);
}

// scripts/serve.js is copied into the build as build/serve.js (what `node build` runs).
const inputs = [
	'src',
	'static',
	'package.json',
	'svelte.config.js',
	'vite.config.ts',
	'scripts/serve.js'
];
const built = existsSync('build/index.js') ? statSync('build/index.js').mtimeMs : 0;
if (built === 0 || Math.max(...inputs.filter(existsSync).map(newest)) > built) {
	console.log('Building Roster…');
	run('npx', ['vite', 'build', '--logLevel', 'warn']);
}

process.env.PORT ??= '3000';
// ORIGIN is not set here: unset, the app answers on any address it is reached at (localhost,
// 127.0.0.1, a LAN address) with the protocol it was served on (scripts/serve.js).
// Roster limits each request body itself (5 MB JSON API, 2 MB SCIM, 400 KB activity) and answers
// one 413 shape; adapter-node's own 512 KB default would refuse large SCIM groups and pushes first.
// Just above the app's largest own limit (5 MB): the app answers every oversize body itself, and
// no handler that reads a body whole (the sign-in form) can be made to buffer without end.
process.env.BODY_SIZE_LIMIT ??= '6M';
const scheme = process.env.TLS_CERT ? 'https' : 'http';
console.log(
	`Roster on ${scheme}://localhost:${process.env.PORT} (demo: owner@acme.test / roster-demo)`
);
await import(join(root, 'scripts/serve.js'));
