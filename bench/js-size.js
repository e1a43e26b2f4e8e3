#!/usr/bin/env node
// Initial JavaScript of the app shell, gzip: the scripts Chromium loads on the main thread for a
// signed-in admin's first page (Licenses), against the baseline of shipping every client chunk up
// front. Target ≤ 120 KB. The web workers the page starts are printed beside it.
// Needs a production build (npm run build).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from '../scripts/chromium.js';

const root = new URL('..', import.meta.url).pathname;
const BUDGET_KB = 120;
const port = Number(process.env.BENCH_PORT ?? 4310);
if (!existsSync(join(root, 'build/index.js'))) {
	console.error('js-size: no build; run `npm run build` first');
	process.exit(2);
}

const server = spawn(process.execPath, [join(root, 'build/index.js')], {
	env: {
		...process.env,
		PORT: String(port),
		ORIGIN: `http://127.0.0.1:${port}`,
		DATA_DIR: mkdtempSync(join(tmpdir(), 'roster-bench-')),
		DATABASE_URL: ''
	},
	stdio: 'ignore'
});
try {
	for (let i = 0; ; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
		} catch {
			if (i > 600) throw new Error('server did not start');
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	const browser = await chromium.launch({
		executablePath: chromiumPath() ?? undefined,
		args: CHROMIUM_ARGS
	});
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(`http://127.0.0.1:${port}/login`);
	await page.getByLabel('Email').fill('owner@acme.test');
	await page.getByLabel('Password').fill('roster-demo');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL('**/licenses');
	await page.waitForLoadState('networkidle');
	// Installed: the service worker has cached this build and is active.
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	const url = page.url();
	// A fresh load of the first page in a new tab, as when the installed app opens (the sign-in's
	// tab is closed first, so none of its late requests is counted). Scripts of web workers run off
	// the main thread and are counted apart.
	const opened = await context.newPage();
	await page.close();
	const scripts = new Set();
	const workers = new Set();
	opened.on('response', (res) => {
		if (res.request().resourceType() === 'script' || res.url().endsWith('.js')) {
			const path = new URL(res.url()).pathname;
			(path.startsWith('/_app/immutable/workers/') ? workers : scripts).add(path);
		}
	});
	await opened.goto(url, { waitUntil: 'networkidle' });
	await browser.close();

	const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
	const clientDir = join(root, 'build/client');
	const initial = [...scripts].reduce((sum, p) => sum + gz(join(clientDir, p)), 0);
	const inWorkers = [...workers].reduce((sum, p) => sum + gz(join(clientDir, p)), 0);
	const chunksDir = join(clientDir, '_app/immutable');
	const all = [];
	const walk = (dir) => {
		for (const e of readdirSync(dir, { withFileTypes: true })) {
			if (e.isDirectory()) walk(join(dir, e.name));
			else if (e.name.endsWith('.js')) all.push(join(dir, e.name));
		}
	};
	walk(chunksDir);
	const everything = all.reduce((sum, f) => sum + gz(f), 0);
	const kb = (n) => (n / 1024).toFixed(1);
	console.log(
		`initial JS (signed-in Licenses page, ${scripts.size} files): ${kb(initial)} KB gzip (budget ${BUDGET_KB} KB); and ${kb(inWorkers)} KB gzip in ${workers.size} web worker(s), off the main thread`
	);
	console.log(
		`baseline, every client chunk up front (${all.length} files): ${kb(everything)} KB gzip`
	);
	console.log(
		`ratio baseline/initial: ${(everything / initial).toFixed(2)}x; within budget: ${initial / 1024 <= BUDGET_KB ? 'yes' : 'NO'}`
	);
	process.exitCode = initial / 1024 <= BUDGET_KB ? 0 : 1;
} finally {
	server.kill();
}
