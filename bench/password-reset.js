#!/usr/bin/env node
// How long asking for a password reset takes for an email with no account, as a ratio to the
// baseline of an email with a password account, measured in the same process on the same SQLite
// database (the answer is the same; the work should be too, so the time does not tell which
// emails have accounts). Requests alternate between the two kinds, each from its own address.
//
//   node bench/password-reset.js            BENCH_REQUESTS=2000 node bench/password-reset.js
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const here = import.meta.url;
const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { requestPasswordReset } = await tsImport('../src/lib/server/auth/reset.ts', here);

const count = Number(process.env.BENCH_REQUESTS ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'roster-bench-reset-'));
const database = openDb({ file: join(dir, 'roster.db') });
await migrate(database);
const now = Date.now();
const known = [];
for (let i = 0; i < count; i++) {
	known.push(`admin${i}@known.test`);
	await database.db
		.insertInto('users')
		.values({
			id: `u${i}`,
			email: known[i],
			name: `Admin ${i}`,
			password_hash: 'scrypt$1$1$1$x$y',
			last_login_at: null,
			created_at: now
		})
		.execute();
}

const times = { known: 0, unknown: 0 };
for (let i = 0; i < count; i++) {
	for (const kind of i % 2 ? ['known', 'unknown'] : ['unknown', 'known']) {
		const email = kind === 'known' ? known[i] : `nobody${i}@unknown.test`;
		const started = performance.now();
		const r = await requestPasswordReset(
			database,
			{ email, origin: 'https://roster.test' },
			{ ip: `${kind}-${i}` }
		);
		times[kind] += performance.now() - started;
		if (!r.ok) throw new Error(`request ${i} (${kind}) was refused: ${r.code}`);
	}
}
const knownMs = times.known / count;
const unknownMs = times.unknown / count;
console.log(
	`password reset request, ${count} each: password account ${knownMs.toFixed(3)} ms (baseline), unknown email ${unknownMs.toFixed(3)} ms, ratio ${(unknownMs / knownMs).toFixed(2)}`
);
await database.close();
rmSync(dir, { recursive: true, force: true });
