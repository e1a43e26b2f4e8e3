import { describe, expect, it } from 'vitest';
import { isConstraintError, isTransientDbError } from './db-errors';

const dbError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('which database errors are the moment’s and which the mutation’s', () => {
	it('a lost connection, a serialization failure, a deadlock or a full disk is retried (503)', () => {
		for (const code of ['08006', '40001', '40P01', '53100', '57P01', '55P03', 'XX000']) {
			expect(isTransientDbError(dbError(code)), code).toBe(true);
		}
		for (const code of ['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY']) {
			expect(isTransientDbError(dbError(code)), code).toBe(true);
		}
		expect(isTransientDbError(dbError('ECONNRESET'))).toBe(true);
		expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
	});

	it('a value or constraint the database refuses fails the same on every retry: a rejection', () => {
		// 22021: PostgreSQL's answer to a NUL in text; 23505 a unique violation; 54000 a too-long key.
		for (const code of ['22021', '22001', '23505', '23503', '54000', 'SQLITE_CONSTRAINT_UNIQUE']) {
			expect(isTransientDbError(dbError(code, 'the connection is fine')), code).toBe(false);
		}
		expect(isTransientDbError(new TypeError('cannot read properties of undefined'))).toBe(false);
		expect(isConstraintError(dbError('23505'))).toBe(true);
		expect(isConstraintError(dbError('SQLITE_CONSTRAINT_TRIGGER'))).toBe(true);
		expect(isConstraintError(dbError('22021', 'invalid byte sequence'))).toBe(false);
	});
});
