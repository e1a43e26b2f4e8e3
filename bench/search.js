#!/usr/bin/env node
// Search-as-you-type over the licensed users (target: ≤ 50 ms per keystroke at 100,000 users).
// In headless Chromium, builds synthetic users' columns in the page (as `licenseColumns` hands them
// to the Licenses page), then types realistic queries one keystroke at a time through
// `searchLicenses` (src/lib/client/license-search.ts, bundled with esbuild) and times each call.
// The baseline runs in the same page on the same users: an array of row objects filtered with
// `(name + email).toLowerCase().includes(q)` and sorted newest first, per keystroke.
//
//   node bench/search.js
//   BENCH_SIZES=100000 node bench/search.js        BENCH_RUNS=3 repeats each typed sequence
import { availableParallelism } from 'node:os';
import { build } from 'esbuild';
import { chromium } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from '../scripts/chromium.js';

const root = new URL('..', import.meta.url).pathname;
const TARGET_MS = 50;
const sizes = (process.env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 5);
// An admin looking for John Smith, a typo, backspacing, then someone by email domain.
const TYPED = [
	'j',
	'jo',
	'joh',
	'john',
	'john.',
	'john.s',
	'john.sm',
	'john.smi',
	'john.smit',
	'john.smith',
	'john.smithx',
	'john.smith',
	'l',
	'la',
	'lab',
	'labs.'
];

const bundle = await build({
	entryPoints: [`${root}src/lib/client/license-search.ts`],
	bundle: true,
	format: 'iife',
	globalName: 'LicenseSearch',
	write: false,
	target: 'es2022'
});
const script = bundle.outputFiles[0].text;

/** In the page: synthetic users as columns and as row objects (both untimed). */
function makeUsers(n) {
	const first = [
		'John',
		'Jane',
		'Joanna',
		'Mary',
		'Ahmed',
		'Li',
		'Sofia',
		'Jonas',
		'Peter',
		'Olga'
	];
	const more = ['Ana', 'Bruno', 'Chen', 'Dmitri', 'Eva', 'Farah', 'Goran', 'Hana', 'Ivan', 'Kofi'];
	const last = ['Smith', 'Johnson', 'Nguyen', 'Garcia', 'Müller', 'Rossi', 'Kim', 'Sato', 'Brown'];
	const domains = ['acme.test', 'labs.acme.test', 'acme-corp.test', 'example.com'];
	let seed = 42;
	const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
	const ids = [];
	const emails = [];
	const names = [];
	const lastActive = new Float64Array(n);
	const now = Date.UTC(2025, 8, 1);
	for (let i = 0; i < n; i++) {
		const f = (rand() < 0.5 ? first : more)[Math.floor(rand() * 10)];
		const l = last[Math.floor(rand() * last.length)];
		ids.push(`u${String(i).padStart(8, '0')}`);
		names.push(`${f} ${l}`);
		emails.push(`${f}.${l}${i}@${domains[i % domains.length]}`.toLowerCase());
		lastActive[i] = rand() < 0.1 ? NaN : now - Math.floor(rand() * 400 * 86_400_000);
	}
	globalThis.columns = { ids, emails, names, lastActive };
	globalThis.rows = ids.map((id, i) => ({
		id,
		email: emails[i],
		name: names[i],
		lastActiveAt: Number.isNaN(lastActive[i]) ? null : lastActive[i]
	}));
}

/** In the page: one typed sequence through one path; per-keystroke ms and result counts. */
function typeAll({ typed, naive }) {
	const { searchLicenses } = globalThis.LicenseSearch;
	const out = [];
	for (const q of typed) {
		const t = performance.now();
		let count;
		if (naive) {
			const needle = q.trim().toLowerCase();
			count = globalThis.rows
				.filter((u) => (u.name + u.email).toLowerCase().includes(needle))
				.sort((a, b) => (b.lastActiveAt ?? -Infinity) - (a.lastActiveAt ?? -Infinity)).length;
		} else {
			const found = searchLicenses(globalThis.columns, q, 'last-active-desc');
			// Read the first rows, as the page renders them.
			for (let i = 0; i < Math.min(30, found.length); i++) void globalThis.columns.emails[found[i]];
			count = found.length;
		}
		out.push({ q, ms: performance.now() - t, count });
	}
	return out;
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`.padStart(10);
// Chromium coarsens performance.now() to 0.1 ms: a ratio divides by at least that.
const ratio = (naive, fast) => `${(naive / Math.max(fast, 0.1)).toFixed(1)}×`;

const browser = await chromium.launch({
	executablePath: chromiumPath() ?? undefined,
	args: CHROMIUM_ARGS
});
let failed = false;
try {
	console.log(
		`search: Chromium headless, ${availableParallelism()} cores, ${runs} runs of ${TYPED.length} keystrokes`
	);
	for (const n of sizes) {
		const page = await browser.newPage();
		await page.addScriptTag({ content: script });
		await page.evaluate(makeUsers, n);
		// The first (empty) search when the list opens prepares the haystack and the order.
		const prepareMs = await page.evaluate(() => {
			const t = performance.now();
			globalThis.LicenseSearch.searchLicenses(globalThis.columns, '', 'last-active-desc');
			return performance.now() - t;
		});
		const perKey = TYPED.map((q) => ({ q, fast: [], naive: [], counts: '' }));
		// One untimed warm-up of each path (JIT), then each path's runs back to back, so one path's
		// garbage is not collected during the other's timings.
		await page.evaluate(typeAll, { typed: TYPED, naive: false });
		await page.evaluate(typeAll, { typed: TYPED, naive: true });
		for (const naive of [false, true]) {
			for (let r = 0; r < runs; r++) {
				const result = await page.evaluate(typeAll, { typed: TYPED, naive });
				result.forEach((k, i) => {
					perKey[i][naive ? 'naive' : 'fast'].push(k.ms);
					if (!naive) perKey[i].counts = String(k.count);
					// The naive haystack glues name and email, so it may match a little more, never less.
					else if (k.count < Number(perKey[i].counts))
						throw new Error(`"${k.q}": ${perKey[i].counts} matches, naive ${k.count}`);
				});
			}
		}
		await page.close();
		console.log(`\n${n.toLocaleString('en-US')} users (first open, prepare: ${ms(prepareMs)})`);
		console.log(
			`${'keystroke'.padEnd(14)}${'matches'.padStart(9)}${'median'.padStart(10)}${'max'.padStart(10)}${'naive med'.padStart(12)}${'ratio'.padStart(9)}`
		);
		for (const k of perKey) {
			const fm = median(k.fast);
			const nm = median(k.naive);
			console.log(
				`${JSON.stringify(k.q).padEnd(14)}${k.counts.padStart(9)}${ms(fm)}${ms(Math.max(...k.fast))}${ms(nm).padStart(12)}${ratio(nm, fm).padStart(9)}`
			);
		}
		const allFast = perKey.flatMap((k) => k.fast);
		const allNaive = perKey.flatMap((k) => k.naive);
		const sumFast = allFast.reduce((a, b) => a + b, 0);
		const sumNaive = allNaive.reduce((a, b) => a + b, 0);
		const max = Math.max(...allFast);
		const line =
			`${n.toLocaleString('en-US')} users: per keystroke median ${median(allFast).toFixed(1)} ms, ` +
			`max ${max.toFixed(1)} ms; naive median ${median(allNaive).toFixed(1)} ms, ` +
			`max ${Math.max(...allNaive).toFixed(1)} ms; ratio ${ratio(median(allNaive), median(allFast))} (median), ` +
			`${(sumNaive / sumFast).toFixed(1)}× (total time)`;
		console.log(line);
		if (n <= 100_000 && max > TARGET_MS) {
			failed = true;
			console.log(`  over the target of ${TARGET_MS} ms per keystroke`);
		}
	}
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);
