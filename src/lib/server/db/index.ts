import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
	Kysely,
	Migrator,
	PostgresDialect,
	PostgresDriver,
	SqliteAdapter,
	SqliteDialect,
	SqliteDriver,
	sql,
	type CompiledQuery,
	type Logger,
	type DatabaseConnection,
	type Driver,
	type Migration,
	type MigrationProvider
} from 'kysely';
import type { Database } from './schema';
import { migrations, type Dialect } from './migrations';
import { log } from '../log';

/** An open database and the engine it runs on. */
export interface Db {
	db: Kysely<Database>;
	dialect: Dialect;
	close(): Promise<void>;
	/** The PostgreSQL URL, for connections that must stay open (LISTEN). */
	url?: string;
}

/**
 * The PostgreSQL NOTIFY channel of pokes (the payload is an enterprise id): the poke stream listens
 * on it and a restore (after-restore.ts) notifies every enterprise on it.
 */
export const POKE_CHANNEL = 'roster_poke';

/**
 * Where to find the database: a PostgreSQL URL, or a SQLite file path (`readonly`: an existing file,
 * opened for reading only, as a migration source).
 */
export type DbConfig = ({ url: string } | { file: string; readonly?: boolean }) & {
	/** Called with every statement run (for tests that read query plans, or for debugging). */
	onQuery?: (query: CompiledQuery) => void;
};

// int8 (count(*), bigint columns) arrives as a string from pg by default; every value we store
// fits in a double (epoch ms, counters).
pg.types.setTypeParser(20, (v) => Number(v));

/** The database the environment names: `DATABASE_URL` (PostgreSQL), else `DATA_DIR/roster.db`. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): DbConfig {
	const url = env.DATABASE_URL?.trim();
	if (url) {
		if (!/^postgres(ql)?:\/\//.test(url)) {
			throw new Error(`DATABASE_URL must be a postgres:// URL (got "${url.split(':')[0]}:…")`);
		}
		return { url };
	}
	return { file: resolve(env.DATA_DIR?.trim() || 'data', 'roster.db') };
}

/**
 * SQLite rolls a transaction back by itself when a statement fails with SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_NOMEM or SQLITE_BUSY in some cases; Kysely's ROLLBACK after it then fails with "cannot
 * rollback - no transaction is active" and that error replaces the real cause.
 */
class SqliteRollbackKeepsCause extends SqliteDriver {
	readonly #sqlite: SQLite.Database;
	constructor(sqlite: SQLite.Database) {
		super({ database: sqlite });
		this.#sqlite = sqlite;
	}
	override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
		if (this.#sqlite.inTransaction) await super.rollbackTransaction(connection);
	}
}

/**
 * better-sqlite3 runs DDL inside transactions, but Kysely's SQLite adapter says it cannot, so its
 * Migrator would run migrations bare: a kill mid-migration left half a schema behind.
 */
class SqliteTransactionalDdlAdapter extends SqliteAdapter {
	override get supportsTransactionalDdl(): boolean {
		return true;
	}
}

class RosterSqliteDialect extends SqliteDialect {
	readonly #sqlite: SQLite.Database;
	constructor(sqlite: SQLite.Database) {
		super({ database: sqlite });
		this.#sqlite = sqlite;
	}
	override createDriver(): Driver {
		return new SqliteRollbackKeepsCause(this.#sqlite);
	}
	override createAdapter(): SqliteAdapter {
		return new SqliteTransactionalDdlAdapter();
	}
}

/**
 * A ROLLBACK that fails (the connection died with the statement) must not replace the error that
 * made the transaction roll back; the broken client leaves the pool through its error event.
 */
class PostgresRollbackKeepsCause extends PostgresDriver {
	override async rollbackTransaction(
		connection: Parameters<PostgresDriver['rollbackTransaction']>[0]
	): Promise<void> {
		try {
			await super.rollbackTransaction(connection);
		} catch (err) {
			log('error', 'rollback failed', { err: err instanceof Error ? err.message : String(err) });
		}
	}
}

class RosterPostgresDialect extends PostgresDialect {
	readonly #pool: pg.Pool;
	constructor(pool: pg.Pool) {
		super({ pool });
		this.#pool = pool;
	}
	override createDriver(): Driver {
		return new PostgresRollbackKeepsCause({ pool: this.#pool });
	}
}

/** The database could not be opened: the message names the path and what to do about it. */
export class DatabaseOpenError extends Error {
	constructor(
		message: string,
		readonly cause: unknown
	) {
		super(message);
		this.name = 'DatabaseOpenError';
	}
}

/** Error codes of a data folder or database file this process may not create or write. */
const NOT_WRITABLE = new Set([
	'EACCES',
	'EPERM',
	'EROFS',
	'ENOTDIR',
	'EEXIST',
	'ENOENT',
	'SQLITE_CANTOPEN',
	'SQLITE_READONLY',
	'SQLITE_PERM',
	'SQLITE_AUTH'
]);

/** Explains why the SQLite file could not be opened, naming the path and the fix (DATA_DIR). */
function openFailure(file: string, err: unknown): Error {
	const code = (err as { code?: unknown })?.code;
	if (typeof code !== 'string' || !NOT_WRITABLE.has(code)) return err as Error;
	const folder = dirname(file);
	const problem =
		code === 'ENOTDIR' || code === 'EEXIST'
			? `${folder} (or a folder above it) is a file, not a folder`
			: `the folder ${folder} must exist or be creatable, and be writable by this process (user id ${process.getuid?.() ?? 'unknown'})`;
	return new DatabaseOpenError(
		`cannot open the SQLite database ${file} (${code}): ${problem}. Set DATA_DIR to a writable ` +
			`folder, or make ${folder} writable (the database file and its -wal and -shm files are ` +
			`created there).`,
		err
	);
}

/** Opens a database (creating the SQLite file and its folder when needed). */
export function openDb(config: DbConfig): Db {
	if ('url' in config) {
		const pool = new pg.Pool({ connectionString: config.url, max: 10 });
		// An idle client losing its connection must not crash the process.
		pool.on('error', (err) =>
			console.error(JSON.stringify({ level: 'error', msg: 'pg pool', err: err.message }))
		);
		const db = new Kysely<Database>({
			dialect: new RosterPostgresDialect(pool),
			log: logQueries(config.onQuery)
		});
		return { db, dialect: 'postgres', close: () => db.destroy(), url: config.url };
	}
	const readonly = config.readonly === true;
	let sqlite: SQLite.Database;
	try {
		if (config.file !== ':memory:' && !readonly) {
			mkdirSync(dirname(config.file), { recursive: true });
		}
		sqlite = new SQLite(config.file, { readonly, fileMustExist: readonly });
		// The first write: a folder that lets the file open but not be written fails here.
		if (!readonly) sqlite.pragma('journal_mode = WAL');
	} catch (err) {
		throw openFailure(config.file, err);
	}
	sqlite.pragma('foreign_keys = ON');
	sqlite.pragma('busy_timeout = 10000');
	sqlite.pragma('synchronous = NORMAL');
	// Reads through a memory map instead of read() calls: paging a 1M-user roster runs ~35% faster.
	sqlite.pragma('mmap_size = 1073741824');
	// SQLite's own lower() folds only A–Z; emails and search must fold "É" as PostgreSQL does.
	sqlite.function('lower', { deterministic: true }, (value: unknown) =>
		typeof value === 'string' ? value.toLowerCase() : value
	);
	// PostgreSQL's reverse(), for the index of users by reversed email (a domain's users are a range).
	sqlite.function('reverse', { deterministic: true }, (value: unknown) =>
		typeof value === 'string' ? reverseText(value) : value
	);
	const db = new Kysely<Database>({
		dialect: new RosterSqliteDialect(sqlite),
		log: logQueries(config.onQuery)
	});
	return { db, dialect: 'sqlite', close: () => db.destroy() };
}

/** `text` with its characters (code points) in reverse order, as PostgreSQL's reverse(). */
export function reverseText(text: string): string {
	return Array.from(text).reverse().join('');
}

function logQueries(onQuery: DbConfig['onQuery']): Logger | undefined {
	return onQuery && ((event) => onQuery(event.query));
}

/**
 * A SQLite migration that ends by checking foreign keys: the runner turns enforcement off around
 * it (SQLite ignores `PRAGMA foreign_keys` inside a transaction, and rebuilding a table under
 * enforcement would cascade), so the migration must leave no broken reference behind.
 */
function checkingForeignKeys(migration: Migration): Migration {
	return {
		...migration,
		async up(db) {
			await migration.up(db);
			const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(db);
			if (broken.rows.length > 0) {
				const tables = [...new Set(broken.rows.map((r) => r.table))].join(', ');
				throw new Error(`the migration left broken foreign keys in ${tables}`);
			}
		}
	};
}

/**
 * Brings the schema up to date, one migration per transaction on both databases (a kill leaves
 * each migration applied and recorded, or not at all); throws with the failing migration's error.
 */
export async function migrate({ db, dialect }: Db): Promise<void> {
	const all = migrations(dialect);
	if (dialect === 'sqlite') {
		for (const [name, migration] of Object.entries(all)) all[name] = checkingForeignKeys(migration);
	}
	const provider: MigrationProvider = { getMigrations: async () => all };
	const migrator = new Migrator({ db, provider });
	for (;;) {
		// Outside the transaction: it would be ignored inside one. The single SQLite connection
		// keeps it for the migration's transaction.
		if (dialect === 'sqlite') await sql`pragma foreign_keys = off`.execute(db);
		let outcome;
		try {
			outcome = await migrator.migrateUp();
		} finally {
			if (dialect === 'sqlite') await sql`pragma foreign_keys = on`.execute(db);
		}
		const { error, results = [] } = outcome;
		if (error) {
			const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
			throw new Error(
				`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`
			);
		}
		if (results.length === 0) return;
	}
}

/** Whether every known migration has been applied. */
export async function migrationsCurrent({ db, dialect }: Db): Promise<boolean> {
	const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
	const list = await new Migrator({ db, provider }).getMigrations();
	return list.every((m) => m.executedAt !== undefined);
}

let current: Db | undefined;

/** The process-wide database, opened from the environment on first use. */
export function getDb(): Db {
	current ??= openDb(configFromEnv());
	return current;
}

/** Replaces the process-wide database (tests and scripts). */
export function setDb(db: Db | undefined): void {
	current = db;
}
