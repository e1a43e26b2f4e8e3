import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDb } from '../../src/lib/server/db';
import { checkReadiness } from '../../src/lib/server/readiness';
import { createTestDb, dialects } from './support/databases';

describe.each(dialects)('readiness (/readyz) on %s', (dialect) => {
	const made: { drop(): Promise<void> }[] = [];
	afterAll(async () => {
		for (const t of made) await t.drop();
	});

	it('a migrated database is ready and names its engine', async () => {
		const t = await createTestDb(dialect);
		made.push(t);
		expect(await checkReadiness(t.database)).toEqual({
			ready: true,
			database: dialect,
			migrations: 'current'
		});
	});

	it('an unmigrated database is not ready and lists the pending migrations', async () => {
		const t = await createTestDb(dialect, { migrated: false });
		made.push(t);
		const state = await checkReadiness(t.database);
		expect(state).toMatchObject({ ready: false, database: dialect, reason: 'migrationsPending' });
		expect(state.ready === false && state.pending?.length).toBeGreaterThan(0);
	});

	it('a migration missing from the table makes the database not ready', async () => {
		const t = await createTestDb(dialect);
		made.push(t);
		const last = await t.database.db
			.selectFrom(sql<{ name: string }>`kysely_migration`.as('m'))
			.select('name')
			.orderBy('name', 'desc')
			.executeTakeFirstOrThrow();
		await sql`delete from kysely_migration where name = ${last.name}`.execute(t.database.db);
		const state = await checkReadiness(t.database);
		expect(state).toMatchObject({
			ready: false,
			reason: 'migrationsPending',
			pending: [last.name]
		});
	});

	it('a shutting-down instance is not ready', async () => {
		const t = await createTestDb(dialect);
		made.push(t);
		expect(await checkReadiness(t.database, { shuttingDown: true })).toMatchObject({
			ready: false,
			reason: 'shuttingDown'
		});
	});
});

describe('readiness without a database', () => {
	it('an unreachable PostgreSQL is a 503 reason, not an exception', async () => {
		// Nothing listens on port 1.
		const database = openDb({ url: 'postgres://postgres@127.0.0.1:1/none' });
		try {
			expect(await checkReadiness(database)).toMatchObject({
				ready: false,
				database: 'postgres',
				reason: 'databaseUnreachable'
			});
		} finally {
			await database.close();
		}
	});
});
