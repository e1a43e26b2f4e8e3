#!/usr/bin/env node
// Initial sync of a large enterprise into the browser mirror (target: 1,000,000 users ≤ 3 s on
// loopback), and the same over a tablet's link (Chromium's network emulation), with the bytes the
// sync API sent on the wire per user (target: ≤ 25), and the same beside it with the roster pages in
// the JSON form (what the console asked for before the binary form; the routes rewrite its requests).
// For each size, seeds an enterprise into a fresh SQLite database, serves the production build on
// it, signs its owner in with headless Chromium and opens the console on an empty browser profile:
// the figure is the time from navigation until the sync status says "All changes synced", which is
// the real app path (boot, full pull, the roster paged from the server and written as columnar
// chunks, the swap). The baseline runs in the same browser against the same server: the same roster
// pages, written the naive way, one IndexedDB record per user (what Dexie bulkPut does).
//
//   npm run build && node bench/initial-sync.js
//   BENCH_SIZES=100000 node bench/initial-sync.js        BENCH_BASELINE=0 skips the baseline,
//                                                        BENCH_TABLET=0 the tablet's link
import { availableParallelism, loadavg } from 'node:os';
import {
	launchChromium,
	requireBuild,
	seedDatabase,
	signIn,
	startServer
} from './console-server.js';

const TARGET_1M_S = 3;
const sizes = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const withBaseline = process.env.BENCH_BASELINE !== '0';
const port = Number(process.env.BENCH_PORT ?? 4320);
requireBuild('initial-sync');

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

/** Loopback, and a tablet's link as Chromium's network emulation gives it (item: 20 Mbit/s, 80 ms). */
const LINKS = [
	{ label: 'loopback', conditions: null },
	...(process.env.BENCH_TABLET === '0'
		? []
		: [
				{
					label: 'tablet link (20 Mbit/s, 80 ms)',
					conditions: {
						offline: false,
						latency: 80,
						downloadThroughput: (20 * 1e6) / 8,
						uploadThroughput: (20 * 1e6) / 8
					}
				}
			])
];

const kb = (bytes) => `${Math.round(bytes / 1024).toLocaleString('en-US')} KB`;

/**
 * Signs in on an empty browser profile and opens the console over `link`: the seconds from
 * navigation to "All changes synced", and the bytes of the sync API's responses on the wire
 * (compressed, headers included) and decoded.
 */
async function initialSync(browser, enterpriseID, users, link, format) {
	const context = await browser.newContext({ baseURL: `http://127.0.0.1:${port}` });
	const page = await context.newPage();
	// Both forms go through the same request interception, so neither pays for it alone.
	await page.route('**/api/sync/roster?**', (route) => {
		const url = new URL(route.request().url());
		// The app's requests name a form; the baseline's (below) are JSON as any program's.
		if (url.searchParams.has('format')) url.searchParams.set('format', format);
		return route.continue({ url: url.toString() });
	});
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.enable');
	if (link.conditions) await cdp.send('Network.emulateNetworkConditions', link.conditions);
	const sync = new Map();
	let bytes = 0;
	let decoded = 0;
	cdp.on('Network.responseReceived', (e) => {
		if (e.response.url.includes('/api/sync/')) sync.set(e.requestId, true);
	});
	cdp.on('Network.dataReceived', (e) => {
		if (sync.has(e.requestId)) decoded += e.dataLength;
	});
	cdp.on('Network.loadingFinished', (e) => {
		if (sync.has(e.requestId)) bytes += e.encodedDataLength;
	});
	await signIn(page, 'owner@sync-bench.test', 'bench-pass');
	const me = await (await page.request.get('/api/me')).json();
	const enterprise = me.enterprises.find((e) => e.id === enterpriseID);
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
	if (link.conditions)
		await cdp.send('Network.emulateNetworkConditions', {
			...link.conditions,
			latency: 0,
			downloadThroughput: -1,
			uploadThroughput: -1
		});
	return { context, page, seconds, bytes, decoded, mirrored, enterpriseID: enterprise.id };
}

console.log(
	`initial-sync: Chromium headless, ${availableParallelism()} cores, SQLite; load average ${loadavg()
		.map((l) => l.toFixed(2))
		.join(' ')}`
);
let failed = false;
for (const users of sizes) {
	const { dir, enterpriseID } = await seedDatabase({
		name: `Sync Bench ${users}`,
		users,
		owner: 'owner@sync-bench.test',
		password: 'bench-pass',
		domain: 'sync-bench.test'
	});
	const server = await startServer(dir, port);
	const browser = await launchChromium();
	try {
		for (const link of LINKS) {
			const json = await initialSync(browser, enterpriseID, users, link, 'json');
			await json.context.close();
			const run = await initialSync(browser, enterpriseID, users, link, 'binary');
			let line = `  ${users.toLocaleString('en-US')} users, ${link.label}: navigation → "All changes synced": ${run.seconds.toFixed(2)} s; sync responses ${kb(run.bytes)} on the wire (${(run.bytes / run.mirrored).toFixed(1)} bytes per user; ${kb(run.decoded)} decoded)`;
			line += `\n    roster pages as JSON (the old form): ${json.seconds.toFixed(2)} s, ${kb(json.bytes)} on the wire (${(json.bytes / json.mirrored).toFixed(1)} bytes per user; ${kb(json.decoded)} decoded) → binary: ${(json.bytes / run.bytes).toFixed(2)}× fewer bytes, ${(json.seconds / run.seconds).toFixed(2)}× the speed`;
			if (withBaseline && link.conditions === null) {
				const base = await run.page.evaluate(perRowBaseline, run.enterpriseID);
				line += `\n    baseline, one record per user: ${(base.ms / 1000).toFixed(2)} s → ${(base.ms / 1000 / run.seconds).toFixed(2)}× faster`;
			}
			console.log(line);
			if (users >= 1_000_000 && link.conditions === null && run.seconds > TARGET_1M_S) {
				console.log(`  over the target of ${TARGET_1M_S} s for 1,000,000 users`);
				failed = true;
			}
			await run.context.close();
		}
	} finally {
		await browser.close();
		server.stop();
	}
}
console.log(
	`  load average at the end: ${loadavg()
		.map((l) => l.toFixed(2))
		.join(' ')}`
);
process.exit(failed ? 1 : 0);
