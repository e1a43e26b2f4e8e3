// What the browser benches share: a fresh SQLite database seeded with one large enterprise, the
// production build served on it, and headless Chromium to drive the console.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { chromiumPath, CHROMIUM_ARGS } from '../scripts/chromium.js';

const root = new URL('..', import.meta.url).pathname;
const here = import.meta.url;

/** Exits when there is no production build to serve. */
export function requireBuild(bench) {
	if (!existsSync(join(root, 'build/index.js'))) {
		console.error(`${bench}: no build; run \`npm run build\` first`);
		process.exit(2);
	}
}

/**
 * Seeds one enterprise of `users` licensed users (owner `owner`, password `password`) into a fresh
 * SQLite database in a temporary directory; returns the directory and the enterprise's id.
 */
export async function seedDatabase({ name, users, owner, password, domain }) {
	const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
	const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);
	const dir = mkdtempSync(join(tmpdir(), 'roster-bench-'));
	const database = openDb({ file: join(dir, 'roster.db') });
	await migrate(database);
	const started = performance.now();
	const seeded = await seedEnterprise(database, {
		name,
		users,
		invites: 0,
		domains: [domain],
		owner,
		password
	});
	await database.close();
	console.log(
		`  seeded ${users.toLocaleString('en-US')} users in ${((performance.now() - started) / 1000).toFixed(1)} s`
	);
	return { dir, enterpriseID: seeded.enterpriseID };
}

/** Serves the production build on the database in `dir` at `port`; resolves once it answers. */
export async function startServer(dir, port) {
	const server = spawn(process.execPath, [join(root, 'build/index.js')], {
		env: {
			...process.env,
			PORT: String(port),
			ORIGIN: `http://127.0.0.1:${port}`,
			DATA_DIR: dir,
			DATABASE_URL: ''
		},
		stdio: 'ignore'
	});
	for (let i = 0; i < 600; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
		} catch {
			// not listening yet
		}
		if (i === 599) {
			server.kill();
			throw new Error('server did not start');
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	return {
		url: `http://127.0.0.1:${port}`,
		stop() {
			server.kill();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Headless Chromium as the tests run it. */
export function launchChromium() {
	return chromium.launch({ executablePath: chromiumPath() ?? undefined, args: CHROMIUM_ARGS });
}

/** Signs `page` in through the API (its cookies are the browser context's). */
export async function signIn(page, email, password) {
	const login = await page.request.post('/api/auth/login', { data: { email, password } });
	if (!login.ok()) throw new Error(`sign-in failed: ${login.status()}`);
}
