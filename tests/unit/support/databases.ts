import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledQuery } from 'kysely';
import pg from 'pg';
import { migrate, openDb, type Db } from '../../../src/lib/server/db';
import type { Dialect } from '../../../src/lib/server/db/migrations';

/** The PostgreSQL server the database specs may use; unset means SQLite only. */
export const pgURL = process.env.TEST_DATABASE_URL?.trim() || undefined;

/** The dialects the database specs run against: SQLite always, PostgreSQL when configured. */
export const dialects: Dialect[] = pgURL ? ['sqlite', 'postgres'] : ['sqlite'];

/** A fresh database of its own for one spec, and how to throw it away. */
export interface TestDb {
	database: Db;
	dialect: Dialect;
	drop(): Promise<void>;
}

/** Runs one statement on the PostgreSQL server's maintenance database. */
async function admin(statement: string): Promise<void> {
	const client = new pg.Client({ connectionString: pgURL });
	await client.connect();
	try {
		await client.query(statement);
	} finally {
		await client.end();
	}
}

/**
 * Creates an empty database: a temp SQLite file, or a new PostgreSQL database `roster_test_<hex>`.
 * Migrated unless `migrated: false`.
 */
export async function createTestDb(
	dialect: Dialect,
	{
		migrated = true,
		onQuery
	}: { migrated?: boolean; onQuery?: (query: CompiledQuery) => void } = {}
): Promise<TestDb> {
	let database: Db;
	let cleanup: () => Promise<void>;
	if (dialect === 'sqlite') {
		const dir = mkdtempSync(join(tmpdir(), 'roster-unit-'));
		database = openDb({ file: join(dir, 'roster.db'), onQuery });
		cleanup = async () => rmSync(dir, { recursive: true, force: true });
	} else {
		if (!pgURL) throw new Error('TEST_DATABASE_URL is not set');
		const name = `roster_test_${randomBytes(6).toString('hex')}`;
		await admin(`create database ${name}`);
		const url = new URL(pgURL);
		url.pathname = `/${name}`;
		database = openDb({ url: url.toString(), onQuery });
		cleanup = () => admin(`drop database if exists ${name} with (force)`);
	}
	if (migrated) await migrate(database);
	let dropped = false;
	return {
		database,
		dialect,
		async drop() {
			if (dropped) return;
			dropped = true;
			await database.close();
			await cleanup();
		}
	};
}
