/**
 * Whether a database error is the moment's, not the mutation's: retrying the same push later can
 * succeed (a lost connection, a serialization failure or deadlock, a full disk, a busy or read-only
 * file, a server shutting down). Anything else a mutation runs into (a value the database refuses,
 * a constraint) fails the same way on every retry, so it must be that mutation's rejection: a 503
 * for it would wedge the device's queue for good.
 */
export function isTransientDbError(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	if (typeof code === 'string') {
		// PostgreSQL SQLSTATE classes: 08 connection, 40 rollback (serialization, deadlock), 53
		// insufficient resources (disk full, memory, connections), 57 operator intervention
		// (shutdown, cancel), 58 system (I/O), XX internal; 55P03 lock not available.
		if (/^(08|40|53|57|58|XX)[0-9A-Z]{3}$/.test(code) || code === '55P03') return true;
		// SQLite: busy or locked, disk full, I/O, out of memory, read-only, cannot open, interrupted.
		if (
			/^SQLITE_(BUSY|LOCKED|FULL|IOERR|NOMEM|READONLY|CANTOPEN|INTERRUPT|PROTOCOL|CORRUPT|NOTADB)/.test(
				code
			)
		)
			return true;
		// Node's network errors on the way to PostgreSQL.
		if (/^(ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)/.test(code))
			return true;
		if (/^(SQLITE_|[0-9A-Z]{5}$)/.test(code)) return false;
	}
	const message = err instanceof Error ? err.message : String(err);
	// pg without a code: the connection went away mid-transaction.
	if (/connection|terminat|timeout|timed out|not queryable|socket/i.test(message)) return true;
	// better-sqlite3 after SQLite rolled the transaction back itself (disk full, say).
	if (/no transaction is active/i.test(message)) return true;
	return false;
}

/** Whether a database error is a constraint the mutation ran into (a race with SCIM, say). */
export function isConstraintError(err: unknown): boolean {
	const code = (err as { code?: unknown } | null)?.code;
	if (
		typeof code === 'string' &&
		(/^23[0-9A-Z]{3}$/.test(code) || code.startsWith('SQLITE_CONSTRAINT'))
	)
		return true;
	const message = err instanceof Error ? err.message : String(err);
	return /constraint|unique|foreign key|violates/i.test(message);
}
