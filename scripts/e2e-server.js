#!/usr/bin/env node
// The server the browser tests run against: the production build on a fresh SQLite database
// (the demo enterprise loads on start), plus extra enterprises for the switcher and isolation tests.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const port = process.env.PORT ?? '4173';
const env = {
	...process.env,
	PORT: port,
	ORIGIN: `http://localhost:${port}`,
	DATA_DIR: mkdtempSync(join(tmpdir(), 'roster-e2e-')),
	// As `npm start`: the app's own body limits are the only ones (scripts/start.js).
	BODY_SIZE_LIMIT: process.env.BODY_SIZE_LIMIT ?? '6M',
	// Idle keep-alive connections stay open longer than a test's pause between two requests on one
	// API context: with Node's 5 s, a request now and then met a socket the server was closing
	// (ECONNRESET), the race every client of a keep-alive server has.
	KEEP_ALIVE_TIMEOUT: process.env.KEEP_ALIVE_TIMEOUT ?? '30',
	// One access line per request would bury the test output; warnings and errors still show.
	LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn'
};
delete env.DATABASE_URL;

// `node build` runs Roster's own entry (build/serve.js), as `npm start` does.
const server = spawn(process.execPath, [join(root, 'build')], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

async function ready() {
	for (let i = 0; i < 600; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error('server did not start');
}

function seed(args) {
	const r = spawnSync('npx', ['tsx', 'scripts/seed.ts', ...args], {
		cwd: root,
		env,
		stdio: 'inherit'
	});
	if (r.status !== 0) throw new Error(`seed ${args.join(' ')} failed`);
}

await ready();
// The demo owner also owns Globex (enterprise switcher); Initech belongs to someone else.
seed([
	'--enterprise',
	'Globex',
	'--users',
	'120',
	'--domains',
	'globex.test',
	'--owner',
	'owner@acme.test',
	'--password',
	'roster-demo'
]);
seed([
	'--enterprise',
	'Initech',
	'--users',
	'40',
	'--domains',
	'initech.test',
	'--owner',
	'owner@initech.test',
	'--password',
	'initech-pass',
	// The security tests attack other tenants with this enterprise's SCIM token.
	'--scim-token',
	'initech-scim-token'
]);
// Playwright waits for this port: it answers once the seeding above is done.
createServer((_req, res) => res.end('ready')).listen(
	Number(process.env.E2E_READY_PORT ?? Number(port) + 1)
);
console.log('e2e server ready');
