#!/usr/bin/env node
// The Licenses page at scale (targets at 1,000,000 users: no main-thread task over 50 ms, the
// main thread's JS heap ≤ 60 MB). For each size, seeds an enterprise, serves the production build
// on it and, in headless Chromium, fills the mirror (the first sync, on the Teams page), then
// measures four steps: open Licenses (from the sidebar), search as you type (key by key), remove
// one license (with its confirmation), scroll to the end of the list (End in the grid). For each
// step: the longest main-thread task (a PerformanceObserver of long tasks, which reports every task
// of 50 ms or more) and the JS heap after a forced garbage collection (CDP
// HeapProfiler.collectGarbage, then Performance.getMetrics JSHeapUsedSize).
// The baseline runs the same steps in the same run with the list on the main thread (the page's
// `roster-list` = `main` session flag): the same LicenseIndex the worker runs, run in the page,
// so every licensed user's columns, the search's text and sort orders are held and computed there.
// It is NOT the path the worker replaced (the page holding `licenseColumns(db)` live, searching
// with `searchLicenses` / people-filter, and a removal decoding the base with `loadRosterBase`):
// that code is no longer in the app, so the ratio measures moving this index off the main thread,
// not the old page's cost.
//
//   npm run build && node bench/licenses-list.js
//   BENCH_SIZES=100000,1000000 node bench/licenses-list.js      BENCH_BASELINE=0 skips the baseline
import { availableParallelism, loadavg } from 'node:os';
import {
	launchChromium,
	requireBuild,
	seedDatabase,
	signIn,
	startServer
} from './console-server.js';

const TARGET_TASK_MS = 50;
const TARGET_HEAP_MB = 60;
const sizes = (process.env.BENCH_SIZES ?? '100000').split(',').map(Number);
const withBaseline = process.env.BENCH_BASELINE !== '0';
const port = Number(process.env.BENCH_PORT ?? 4330);
const OWNER = { email: 'owner@list-bench.test', password: 'bench-pass' };
requireBuild('licenses-list');

const fmt = (n) => n.toLocaleString('en-US');
const countText = /^([\d,]+) of ([\d,]+) licensed users$/;

/** Runs the four steps in a fresh profile; `mainThread` puts the list in the page (the baseline). */
async function steps(browser, url, slug, mainThread) {
	const context = await browser.newContext({ baseURL: url });
	await context.addInitScript((main) => {
		if (main) sessionStorage.setItem('roster-list', 'main');
		window.__longest = 0;
		new PerformanceObserver((list) => {
			for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
		}).observe({ type: 'longtask', buffered: true });
	}, mainThread);
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Performance.enable');
	await signIn(page, OWNER.email, OWNER.password);
	await page.goto(`/e/${slug}/teams`);
	await page
		.getByRole('status')
		.filter({ hasText: 'All changes synced' })
		.waitFor({ timeout: 900_000 });
	await page.waitForTimeout(1000);

	const heapMB = async () => {
		await cdp.send('HeapProfiler.collectGarbage');
		const { metrics } = await cdp.send('Performance.getMetrics');
		return metrics.find((m) => m.name === 'JSHeapUsedSize').value / 2 ** 20;
	};
	const count = page.getByText(countText);
	const readCount = async () => {
		const m = countText.exec((await count.innerText()).trim());
		return { matching: Number(m[1].replace(/,/g, '')), total: Number(m[2].replace(/,/g, '')) };
	};
	/** The longest task of `step` (0 when none took 50 ms), and the heap after it. */
	const measure = async (step) => {
		await page.evaluate(() => (window.__longest = 0));
		await step();
		// Let what the step started finish (a late render, the worker's answer).
		await page.waitForTimeout(500);
		const longest = await page.evaluate(() => window.__longest);
		return { longest, heap: await heapMB() };
	};
	const out = {};
	const search = page.getByRole('searchbox', { name: 'Search licensed users' });
	const grid = page.getByRole('grid', { name: 'Licensed users' });

	out.open = await measure(async () => {
		await page.getByRole('link', { name: 'Licenses', exact: true }).click();
		await count.waitFor({ timeout: 300_000 });
	});
	const { total } = await readCount();

	// A query that narrows step by step: the start of a listed user's email (not the owner's).
	const label = await grid
		.getByRole('button', { name: /^Remove license of / })
		.first()
		.getAttribute('aria-label');
	const query = label.replace('Remove license of ', '').split('@')[0].slice(0, 8);
	out.search = await measure(async () => {
		await search.click();
		await search.pressSequentially(query, { delay: 80 });
		await page.waitForFunction((q) => new URL(location.href).searchParams.get('q') === q, query, {
			timeout: 120_000
		});
		await grid.getByRole('row').nth(1).waitFor();
	});

	// Remove the first listed user's license (the owner's own row offers none).
	const remove = grid.getByRole('button', { name: /^Remove license of / }).first();
	const before = await readCount();
	out.remove = await measure(async () => {
		await remove.click();
		await page.getByRole('dialog').getByRole('button', { name: 'Remove license' }).click();
		await page.waitForFunction(
			(n) =>
				/^([\d,]+) of ([\d,]+)/
					.exec(document.querySelector('.list-count')?.textContent?.trim() ?? '')?.[2]
					?.replace(/,/g, '') === String(n),
			before.total - 1,
			{ timeout: 120_000 }
		);
	});

	await search.fill('');
	await count
		.filter({ hasText: `${fmt(total - 1)} of ${fmt(total - 1)}` })
		.waitFor({ timeout: 120_000 });
	await page.waitForTimeout(500);
	out.scroll = await measure(async () => {
		await grid.focus();
		await page.keyboard.press('End');
		await grid.locator(`[aria-rowindex="${total}"]`).waitFor({ timeout: 120_000 });
	});
	await context.close();
	return { total, steps: out };
}

const STEPS = [
	['open', 'open Licenses'],
	['search', 'search as you type'],
	['remove', 'remove one license'],
	['scroll', 'scroll to the end']
];

const ms = (v) => (v === 0 ? `<${TARGET_TASK_MS} ms (no long task)` : `${Math.round(v)} ms`);
// A step with no long task is under 50 ms: its ratio is an upper bound.
const ratio = (v, base, floor) =>
	base === undefined
		? ''
		: `, ${v === 0 && floor ? '≤ ' : ''}${((v || floor) / (base || floor)).toFixed(2)}× the baseline (${floor ? ms(base) : `${base.toFixed(1)} MB`})`;

console.log(
	`licenses-list: Chromium headless, ${availableParallelism()} cores, load average ${loadavg()
		.map((l) => l.toFixed(2))
		.join(' ')}`
);
let failed = false;
for (const users of sizes) {
	const { dir } = await seedDatabase({
		name: `List Bench ${users}`,
		users,
		owner: OWNER.email,
		password: OWNER.password,
		domain: 'list-bench.test'
	});
	const server = await startServer(dir, port);
	const browser = await launchChromium();
	try {
		const page = await (await browser.newContext({ baseURL: server.url })).newPage();
		await signIn(page, OWNER.email, OWNER.password);
		const me = await (await page.request.get('/api/me')).json();
		const slug = me.enterprises[0].slug;
		await page.context().close();

		const worker = await steps(browser, server.url, slug, false);
		const base = withBaseline ? await steps(browser, server.url, slug, true) : null;
		console.log(`  ${fmt(users)} users (${fmt(worker.total)} licensed, the owner included):`);
		for (const [key, label] of STEPS) {
			const w = worker.steps[key];
			const b = base?.steps[key];
			console.log(
				`    ${label}: longest main-thread task ${ms(w.longest)} (target ≤ ${TARGET_TASK_MS} ms${ratio(w.longest, b?.longest, TARGET_TASK_MS)}); heap ${w.heap.toFixed(1)} MB (target ≤ ${TARGET_HEAP_MB} MB${ratio(w.heap, b?.heap, 0)})`
			);
			if (users >= 1_000_000 && (w.longest > TARGET_TASK_MS || w.heap > TARGET_HEAP_MB))
				failed = true;
		}
		console.log(
			`  load average ${loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')}`
		);
	} finally {
		await browser.close();
		server.stop();
	}
}
process.exit(failed ? 1 : 0);
