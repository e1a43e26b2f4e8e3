#!/usr/bin/env node
// `npm test`: unit and database tests (vitest; SQLite, plus PostgreSQL when TEST_DATABASE_URL is
// set), then a production build and the browser tests (Playwright on the system Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumPath } from './chromium.js';
import { testSummary } from './test-summary.js';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

function run(cmd, args, env = {}) {
	const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
	return result.status ?? 1;
}

if (!existsSync('node_modules/.package-lock.json')) {
	console.log('Installing dependencies (npm ci)…');
	if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}

if (!chromiumPath()) {
	const root_ = process.getuid?.() === 0;
	if (root_ && existsSync('/usr/bin/apt-get')) {
		console.log('Installing Debian chromium for the browser tests…');
		run('apt-get', ['update', '-qq']);
		run('apt-get', ['install', '-y', '-qq', 'chromium']);
	}
	if (!chromiumPath()) {
		console.error(
			'No Chromium found. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH.'
		);
		process.exit(1);
	}
}

const out = mkdtempSync(join(tmpdir(), 'roster-test-'));
const vitestJson = join(out, 'vitest.json');
const playwrightJson = join(out, 'playwright.json');

if (run('npx', ['svelte-kit', 'sync']) !== 0) process.exit(1);
const unit = run('npx', [
	'vitest',
	'run',
	'--reporter=default',
	'--reporter=json',
	`--outputFile.json=${vitestJson}`
]);

let e2e = 1;
if (run('npx', ['vite', 'build', '--logLevel', 'warn']) === 0) {
	e2e = run('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson });
}

function read(path) {
	try {
		return JSON.parse(readFileSync(path, 'utf8'));
	} catch {
		return null;
	}
}

const summary = testSummary(read(vitestJson), read(playwrightJson), { unit, e2e });
console.log(`\n${summary.lines.join('\n')}`);
process.exit(summary.ok ? 0 : 1);
