#!/usr/bin/env node
// Initial sync of a large enterprise into the browser mirror (target: 1,000,000 users ≤ 10 s).
// For each size, seeds an enterprise into a fresh SQLite database, serves the production build on
// it, signs its owner in with headless Chromium and opens the console on an empty browser profile:
// the figure is the time from navigation until the sync status says "All changes synced", which is
// the real app path (boot, full pull, the roster paged from the server and written as columnar
// chunks, the swap). The baseline runs in the same browser against the same server: the same roster
// pages, written the naive way, one IndexedDB record per user (what Dexie bulkPut does).
//
//   npm run build && node bench/initial-sync.js
//   BENCH_SIZES=100000 node bench/initial-sync.js        BENCH_BASELINE=0 skips the baseline
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { tsImport } from 'tsx/esm/api';
import { chromiumPath, CHROMIUM_ARGS } from '../scripts/chromium.js';

const root = new URL('..', import.meta.url).pathname;
const here = import.meta.url;
const TARGET_1M_S = 10;
const sizes = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const withBaseline = process.env.BENCH_BASELINE !== '0';
const port = Number(process.env.BENCH_PORT ?? 4320);
if (!existsSync(join(root, 'build/index.js'))) {
	console.error('initial-sync: no build; run `npm run build` first');
	process.exit(2);
}

const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);

async function waitForServer() {
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

/** The naive layout, in the page: the same roster pages, one IndexedDB record per user. */
async function perRowBaseline(enterpriseID) {
	const db = await new Promise((resolve, reject) => {
		const open = indexedDB.open(`bench-per-row-${Date.now()}`, 1);
		open.onupgradeneeded = () => open.result.createObjectStore('licenses', { keyPath: 'id' });
		open.onsuccess = () => resolve(open.result);
		open.onerror = () => reject(open.error);
	});
	const started = performance.now();
	let after = '';
	let count = 0;
	for (;;) {
		const res = await fetch(`/api/sync/roster?enterpriseID=${enterpriseID}&after=${after}`);
		const page = await res.json();
		await new Promise((resolve, reject) => {
			const tx = db.transaction('licenses', 'readwrite');
			const store = tx.objectStore('licenses');
			for (let i = 0; i < page.ids.length; i++) {
				store.put({
					id: page.ids[i],
					email: page.emails[i],
					name: page.names[i],
					lastActiveAt: page.lastActive[i]
				});
			}
			tx.oncomplete = resolve;
			tx.onerror = () => reject(tx.error);
		});
		count += page.ids.length;
		if (page.next === null) break;
		after = page.next;
	}
	const ms = performance.now() - started;
	db.close();
	return { ms, count };
}

console.log(`initial-sync: Chromium headless, ${availableParallelism()} cores, SQLite`);
let failed = false;
for (const users of sizes) {
	const dir = mkdtempSync(join(tmpdir(), 'roster-bench-sync-'));
	const database = openDb({ file: join(dir, 'roster.db') });
	await migrate(database);
	const seedStart = performance.now();
	const seeded = await seedEnterprise(database, {
		name: `Sync Bench ${users}`,
		users,
		invites: 0,
		domains: ['sync-bench.test'],
		owner: 'owner@sync-bench.test',
		password: 'bench-pass'
	});
	await database.close();
	console.log(
		`  seeded ${users.toLocaleString('en-US')} users in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`
	);

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
	const browser = await chromium.launch({
		executablePath: chromiumPath() ?? undefined,
		args: CHROMIUM_ARGS
	});
	try {
		await waitForServer();
		const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}` });
		const page = await context.newPage();
		const login = await page.request.post('/api/auth/login', {
			data: { email: 'owner@sync-bench.test', password: 'bench-pass' }
		});
		if (!login.ok()) throw new Error(`sign-in failed: ${login.status()}`);
		const me = await (await page.request.get('/api/me')).json();
		const enterprise = me.enterprises.find((e) => e.id === seeded.enterpriseID);

		const started = performance.now();
		await page.goto(`/e/${enterprise.slug}/teams`);
		await page
			.getByRole('status')
			.filter({ hasText: 'All changes synced' })
			.waitFor({ timeout: 600_000 });
		const seconds = (performance.now() - started) / 1000;
		const mirrored = await page.evaluate(async () => {
			const name = (await indexedDB.databases()).find((d) => d.name?.startsWith('roster:'))?.name;
			return new Promise((resolve, reject) => {
				const open = indexedDB.open(name);
				open.onsuccess = () => {
					const get = open.result.transaction('meta').objectStore('meta').get('rosterCount');
					get.onsuccess = () => resolve(get.result?.value ?? 0);
					get.onerror = () => reject(get.error);
				};
				open.onerror = () => reject(open.error);
			});
		});
		// The owner holds a license too.
		if (mirrored < users) throw new Error(`the mirror holds ${mirrored} of ${users} users`);
		let line = `  ${users.toLocaleString('en-US')} users: app, navigation → "All changes synced": ${seconds.toFixed(2)} s (${mirrored.toLocaleString('en-US')} licensed users in the mirror)`;
		if (withBaseline) {
			const base = await page.evaluate(perRowBaseline, enterprise.id);
			line += `; baseline, one record per user: ${(base.ms / 1000).toFixed(2)} s → ${(base.ms / 1000 / seconds).toFixed(2)}× faster`;
		}
		console.log(line);
		if (users >= 1_000_000 && seconds > TARGET_1M_S) {
			console.log(`  over the target of ${TARGET_1M_S} s for 1,000,000 users`);
			failed = true;
		}
		await context.close();
	} finally {
		await browser.close();
		server.kill();
		rmSync(dir, { recursive: true, force: true });
	}
}
process.exit(failed ? 1 : 0);
