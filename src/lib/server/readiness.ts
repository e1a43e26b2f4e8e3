import { Migrator, sql, type MigrationInfo, type MigrationProvider } from 'kysely';
import type { Db } from './db';
import { migrations, type Dialect } from './db/migrations';

/** What `/readyz` answers: ready to take traffic, or why not. */
export type Readiness =
	| { ready: true; database: Dialect; migrations: 'current' }
	| {
			ready: false;
			database: Dialect;
			reason: 'databaseUnreachable' | 'migrationsPending' | 'shuttingDown';
			message: string;
			pending?: string[];
	  };

const TIMEOUT_MS = 3000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
	});
	return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Whether this instance can serve requests: the database answers a query and has every migration
 * this build knows (Kysely's migration table). Never throws: a load balancer needs an answer.
 */
export async function checkReadiness(
	database: Db,
	{
		shuttingDown = false,
		timeoutMs = TIMEOUT_MS
	}: { shuttingDown?: boolean; timeoutMs?: number } = {}
): Promise<Readiness> {
	const { db, dialect } = database;
	if (shuttingDown) {
		const message = 'this instance is shutting down';
		return { ready: false, database: dialect, reason: 'shuttingDown', message };
	}
	let applied: readonly MigrationInfo[];
	try {
		applied = await withTimeout(
			(async () => {
				await sql`select 1`.execute(db);
				const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
				return new Migrator({ db, provider }).getMigrations();
			})(),
			timeoutMs
		);
	} catch (err) {
		const message = `the ${dialect} database did not answer: ${err instanceof Error ? err.message : String(err)}`;
		return { ready: false, database: dialect, reason: 'databaseUnreachable', message };
	}
	const pending = applied.filter((m) => m.executedAt === undefined).map((m) => m.name);
	if (pending.length > 0) {
		const message = `${pending.length} migration(s) not applied yet`;
		return { ready: false, database: dialect, reason: 'migrationsPending', message, pending };
	}
	return { ready: true, database: dialect, migrations: 'current' };
}
