import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationsCurrent, openDb, type Db } from '../../src/lib/server/db';

// A kill at any point of a first start's migrations (SQLite) must leave a database the next start
// migrates: each migration is applied and recorded in one transaction, or not at all.

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'roster-migration-kill-'));
const child = join(work, 'migrate-until-killed.cjs');

beforeAll(() => {
	// Bundled once, so each of the many runs below starts a plain node process.
	buildSync({
		entryPoints: [join(root, 'tests/unit/support/migrate-until-killed.ts')],
		bundle: true,
		platform: 'node',
		format: 'cjs',
		packages: 'external',
		outfile: child,
		logLevel: 'warning'
	});
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the first start's migrations on `file` in a process that SIGKILLs itself after statement `n`. */
function migrateInChild(file: string, killAfter: number) {
	return spawnSync(process.execPath, [child, file], {
		env: {
			...process.env,
			NODE_PATH: join(root, 'node_modules'),
			KILL_AFTER_STATEMENTS: String(killAfter)
		},
		encoding: 'utf8'
	});
}

/** Every table, index and its SQL, and the recorded migrations: what "the schema" is. */
async function schemaOf(database: Db) {
	const objects = await sql<{ type: string; name: string; sql: string | null }>`
		select type, name, sql from sqlite_master where name not like 'sqlite_%' order by name`.execute(
		database.db
	);
	const applied = await sql<{
		name: string;
	}>`select name from kysely_migration order by name`.execute(database.db);
	return { objects: objects.rows, applied: applied.rows.map((r) => r.name) };
}

describe('SQLite migrations survive a kill at every statement of a first start (durability)', () => {
	it('after a SIGKILL after any statement, the next start migrates and the schema is complete', async () => {
		const reference = openDb({ file: join(work, 'reference.db') });
		await migrate(reference);
		const expected = await schemaOf(reference);
		await reference.close();
		expect(expected.applied.length).toBeGreaterThanOrEqual(5);

		const full = migrateInChild(join(work, 'count.db'), 0);
		expect(full.status, full.stderr).toBe(0);
		const { statements } = JSON.parse(full.stdout) as { statements: number };
		expect(statements).toBeGreaterThan(expected.applied.length);

		for (let n = 1; n <= statements; n++) {
			const dir = mkdtempSync(join(work, `kill-${n}-`));
			const file = join(dir, 'roster.db');
			const killed = migrateInChild(file, n);
			// The kill is real: the process died in the middle of migrating.
			expect({ n, signal: killed.signal, stderr: killed.stderr }).toEqual({
				n,
				signal: 'SIGKILL',
				stderr: ''
			});
			const restarted = openDb({ file });
			try {
				await migrate(restarted);
				expect(await migrationsCurrent(restarted)).toBe(true);
				expect({ n, ...(await schemaOf(restarted)) }).toEqual({ n, ...expected });
				const fk = await sql`pragma foreign_keys`.execute(restarted.db);
				expect(fk.rows).toEqual([{ foreign_keys: 1 }]);
			} finally {
				await restarted.close();
				rmSync(dir, { recursive: true, force: true });
			}
		}
	}, 600_000);
});
