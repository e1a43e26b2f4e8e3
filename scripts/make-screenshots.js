#!/usr/bin/env node
// Takes the manifest's screenshots (the richer install dialog) from a running Roster with the demo
// enterprise: static/screenshots/wide.png (1280×800, Licenses, `form_factor: "wide"`) and
// static/screenshots/narrow.png (800×1280, Teams, `form_factor: "narrow"`), light theme, each
// checked to stay under 300 KB. The PNGs are committed; run this when the console's look changes:
//
//   npm run build && npm start                  # another terminal: serves the demo on :3000
//   node scripts/make-screenshots.js            # or BASE_URL=http://localhost:4173 node …
//
// Signs in as the demo owner (EMAIL / PASSWORD to override). Uses the system Chromium, like the tests.
import { mkdirSync, statSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from './chromium.js';

const base = process.env.BASE_URL ?? 'http://localhost:3000';
const email = process.env.EMAIL ?? 'owner@acme.test';
const password = process.env.PASSWORD ?? 'roster-demo';
const out = new URL('../static/screenshots/', import.meta.url).pathname;
const MAX_BYTES = 300 * 1024;

const SHOTS = [
	{ file: 'wide.png', viewport: { width: 1280, height: 800 }, path: '/e/acme/licenses' },
	{ file: 'narrow.png', viewport: { width: 800, height: 1280 }, path: '/e/acme/teams' }
];

const executablePath = chromiumPath();
if (!executablePath) {
	console.error('make-screenshots: no Chromium found (set CHROMIUM_PATH)');
	process.exit(2);
}
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
try {
	for (const shot of SHOTS) {
		const context = await browser.newContext({
			baseURL: base,
			viewport: shot.viewport,
			deviceScaleFactor: 1,
			colorScheme: 'light',
			reducedMotion: 'reduce',
			// A first visit, so no update prompt or install offer covers the page.
			serviceWorkers: 'block'
		});
		const res = await context.request.post('/api/auth/login', { data: { email, password } });
		if (res.status() !== 200) {
			throw new Error(`sign in as ${email} at ${base}: ${res.status()} ${await res.text()}`);
		}
		const page = await context.newPage();
		await page.goto(shot.path);
		await page.locator('h1').first().waitFor();
		// The mirror is complete, so the tables are full and the status is settled.
		await page
			.locator('[role="status"]', { hasText: 'All changes synced' })
			.waitFor({ state: 'attached', timeout: 120_000 });
		await page.locator('main table').first().waitFor();
		const file = `${out}${shot.file}`;
		await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
		const bytes = statSync(file).size;
		console.log(
			`${file}: ${shot.viewport.width}×${shot.viewport.height}, ${Math.round(bytes / 1024)} KB`
		);
		if (bytes > MAX_BYTES) throw new Error(`${shot.file} is over ${MAX_BYTES / 1024} KB`);
		await context.close();
	}
} finally {
	await browser.close();
}
