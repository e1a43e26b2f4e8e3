import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

// A data folder the server cannot write (procfs refuses new files even to root) stops the start
// with a message naming the database path and the fix, and a failed exit code; no bare
// SQLITE_CANTOPEN, no stack.

const root = new URL('../..', import.meta.url).pathname;

test('a server on a read-only data folder says which path and what to do, and exits non-zero', () => {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		DATA_DIR: '/proc',
		PORT: '0',
		ROSTER_NO_DEMO: 'true'
	};
	delete env.DATABASE_URL;
	const run = spawnSync(process.execPath, [join(root, 'build/index.js')], {
		env,
		encoding: 'utf8',
		timeout: 60_000
	});
	const output = run.stdout + run.stderr;
	expect(run.status).toBe(1);
	expect(output).toContain('cannot open the SQLite database /proc/roster.db');
	expect(output).toContain('Set DATA_DIR to a writable folder, or make /proc writable');
	expect(output).not.toMatch(/\n\s+at /);
});

test('with DATABASE_URL (several instances) and no SECRET_KEY the server says what to set and exits non-zero', () => {
	const env: NodeJS.ProcessEnv = {
		...process.env,
		// Never reached: the key is checked before the database is opened.
		DATABASE_URL: 'postgres://roster@127.0.0.1:1/roster',
		PORT: '0',
		ROSTER_NO_DEMO: 'true'
	};
	delete env.SECRET_KEY;
	delete env.DATA_DIR;
	const run = spawnSync(process.execPath, [join(root, 'build/index.js')], {
		env,
		encoding: 'utf8',
		timeout: 30_000
	});
	const output = run.stdout + run.stderr;
	expect(output).toContain(
		'SECRET_KEY is not set: with DATABASE_URL every instance must share one secret key'
	);
	expect(output).toContain('SECRET_KEY=$(openssl rand -hex 32)');
	expect(run.status).toBe(1);
	expect(output).not.toMatch(/\n\s+at /);
});
