// The database errors that say "not now" rather than "this request is wrong": a full disk, an I/O
// error, a lock held too long, a read-only file, a lost PostgreSQL connection. Every way in answers
// them with 503 and the same message, and logs the cause.

/** SQLite result codes (better-sqlite3's `code`, extended codes included by prefix). */
const SQLITE_UNAVAILABLE = [
	'SQLITE_FULL',
	'SQLITE_IOERR',
	'SQLITE_BUSY',
	'SQLITE_LOCKED',
	'SQLITE_READONLY',
	'SQLITE_CANTOPEN',
	'SQLITE_NOMEM',
	'SQLITE_PROTOCOL'
];

/**
 * PostgreSQL SQLSTATE classes and codes: 08 connection exception, 53 insufficient resources
 * (53100 disk_full, 53200 out_of_memory, 53300 too_many_connections), 57P01–57P03 shutdown or
 * not accepting connections, 25006 read_only_sql_transaction (a standby).
 */
const PG_UNAVAILABLE = /^(08...|53...|57P0[1-3]|25006)$/;

/** Node socket errors of a lost or refused database connection. */
const SOCKET_UNAVAILABLE = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'EHOSTUNREACH',
	'ENOTFOUND',
	'EAI_AGAIN'
]);

/** What node-postgres says when the connection goes away without a SQLSTATE. */
const PG_CONNECTION_LOST =
	/Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** The message every client gets with the 503. */
export const DATABASE_UNAVAILABLE_MESSAGE =
	'The server cannot store or read data right now (its database is full or unavailable). Nothing was changed; try again later.';

function codeOf(err: unknown): string | undefined {
	const code = (err as { code?: unknown } | null)?.code;
	return typeof code === 'string' ? code : undefined;
}

/** Whether an error means the database cannot serve the request right now (answer 503). */
export function isDatabaseUnavailable(err: unknown): boolean {
	for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
		const code = codeOf(e);
		if (code) {
			if (SQLITE_UNAVAILABLE.some((c) => code === c || code.startsWith(`${c}_`))) return true;
			if (PG_UNAVAILABLE.test(code) || SOCKET_UNAVAILABLE.has(code)) return true;
		}
		if (e instanceof Error && PG_CONNECTION_LOST.test(e.message)) return true;
	}
	return false;
}

/** The cause to log: the database's code and message (never a stack: it is not a bug). */
export function databaseCause(err: unknown): string {
	const code = codeOf(err);
	const message = err instanceof Error ? err.message : String(err);
	return code ? `${code}: ${message}` : message;
}
