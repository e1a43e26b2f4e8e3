#!/usr/bin/env node
// The daily Last Active catch-up (R19, R20): a console that pulls once a day, in an enterprise of
// 1,000,000 licensed users of whom 200,000 were active since (target: ≤ 2 s and ≤ 10 bytes per
// changed user on the wire after compression). Seeds the enterprise into a fresh database (SQLite;
// PostgreSQL with BENCH_DATABASE_URL=postgres://… naming an empty database), takes a console's
// cookie, ingests one "app opened" event for each of the changed users through the real writer,
// then times the incremental pull from that cookie — the server's work and JSON.stringify — and
// measures its body as JSON and gzip'd with node:zlib (pull responses are not compressed by the
// server today; a proxy or a later change adds it). The baseline, measured in the same process on
// the same data, is what a console would otherwise need to learn the new dates: re-downloading the
// roster (a chunked full pull and every roster page, 10,000 users each).
//
//   node bench/activity-catch-up.js      BENCH_USERS=100000 BENCH_CHANGED=20000 node bench/activity-catch-up.js
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tsImport } from 'tsx/esm/api';

const here = import.meta.url;
const users = Number(process.env.BENCH_USERS ?? 1_000_000);
const changed = Number(process.env.BENCH_CHANGED ?? Math.round(users / 5));
const TARGET_MS = 2000;
const TARGET_BYTES_PER_USER = 10;

const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);
const { pull } = await tsImport('../src/lib/server/sync/pull.ts', here);
const { rosterPage, ROSTER_PAGE } = await tsImport('../src/lib/server/sync/roster.ts', here);
const { ActivityWriter } = await tsImport('../src/lib/server/activity.service.ts', here);

const dir = mkdtempSync(join(tmpdir(), 'roster-bench-catch-up-'));
const database = process.env.BENCH_DATABASE_URL
	? openDb({ url: process.env.BENCH_DATABASE_URL })
	: openDb({ file: join(dir, 'roster.db') });
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
try {
	await migrate(database);
	let t = performance.now();
	const seeded = await seedEnterprise(database, {
		name: 'Catch-up Bench',
		users,
		invites: 0,
		seed: 11
	});
	console.log(
		`seeded ${users.toLocaleString('en-US')} licensed users in ${((performance.now() - t) / 1000).toFixed(1)} s (${database.dialect})`
	);
	const enterpriseID = seeded.enterpriseID;
	const owner = await database.db
		.selectFrom('users')
		.select('id')
		.where('email', '=', seeded.owner)
		.executeTakeFirstOrThrow();
	// A console of this version: it asks for Last Active changes as the compact delta.
	const console_ = { enterpriseID, clientID: 'bench-console', userID: owner.id, activity: 'delta' };

	// Yesterday's sync: the console's cookie.
	const { cookie } = await pull(database, { ...console_, cookie: 0, licensesChunked: true });

	// A day of activity: one event now for each of `changed` licensed users, spread over the roster.
	const licensed = await database.db
		.selectFrom('licenses')
		.innerJoin('users', 'users.id', 'licenses.user_id')
		.select('users.email')
		.where('licenses.enterprise_id', '=', enterpriseID)
		.execute();
	// A random sample (fixed seed), so the license numbers' gaps are as uneven as a real day's.
	let state = 12345;
	const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
	const picked = licensed.map((l) => l.email);
	for (let i = 0; i < changed; i++) {
		const j = i + Math.floor(random() * (picked.length - i));
		[picked[i], picked[j]] = [picked[j], picked[i]];
	}
	const emails = picked.slice(0, changed);
	const writer = new ActivityWriter(database, { lingerMs: 1, maxEvents: 5000 });
	t = performance.now();
	const now = Date.now();
	const results = [];
	for (let i = 0; i < emails.length; i += 1000) {
		results.push(writer.submit(emails.slice(i, i + 1000).map((email) => ({ email, at: now }))));
	}
	await Promise.all(results);
	console.log(
		`ingested ${changed.toLocaleString('en-US')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`
	);

	// The catch-up pull (best of 3; each reads the same data).
	let catchUp = Infinity;
	let body = '';
	let patch;
	for (let round = 0; round < 3; round++) {
		t = performance.now();
		patch = await pull(database, { ...console_, cookie });
		body = JSON.stringify(patch);
		catchUp = Math.min(catchUp, performance.now() - t);
	}
	const moved = patch.activity?.seqs.length ?? 0;
	const zipped = gzipSync(body).length;

	// The baseline: the roster downloaded again (chunked full pull + every page), same process.
	t = performance.now();
	const full = await pull(database, { ...console_, cookie: 0, licensesChunked: true });
	let fullRaw = JSON.stringify(full).length;
	let fullZipped = gzipSync(JSON.stringify(full)).length;
	for (let after = ''; ;) {
		const page = await rosterPage(database, { enterpriseID, after, limit: ROSTER_PAGE });
		const json = JSON.stringify(page);
		fullRaw += json.length;
		fullZipped += gzipSync(json).length;
		if (page.next === null) break;
		after = page.next;
	}
	const baseline = performance.now() - t;

	console.log(
		`catch-up pull: ${moved.toLocaleString('en-US')} changed users in ${catchUp.toFixed(0)} ms (target ≤ ${TARGET_MS} ms), ` +
			`${kb(body.length)} JSON, ${kb(zipped)} gzip = ${(zipped / moved).toFixed(2)} bytes per changed user (target ≤ ${TARGET_BYTES_PER_USER})`
	);
	console.log(
		`baseline, the roster downloaded again: ${baseline.toFixed(0)} ms, ${kb(fullRaw)} JSON, ${kb(fullZipped)} gzip (gzip'd page by page, excluded from the time)`
	);
	console.log(
		`ratio: ${(baseline / catchUp).toFixed(1)}× faster, ${(fullZipped / zipped).toFixed(1)}× fewer bytes on the wire`
	);
	console.log(
		`load average ${loadavg()
			.map((n) => n.toFixed(1))
			.join(' ')} on ${availableParallelism()} cores (figures on a busy machine run slower)`
	);
	if (moved !== changed)
		console.log(`note: ${changed - moved} of the chosen users were already active today`);
	if (catchUp > TARGET_MS || zipped / moved > TARGET_BYTES_PER_USER) process.exitCode = 1;
} finally {
	await database.close();
	rmSync(dir, { recursive: true, force: true });
}
