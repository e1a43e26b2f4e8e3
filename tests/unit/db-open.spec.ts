import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDb } from '../../src/lib/server/db';

// A data folder the server cannot write is a deployment mistake: the error says which path and what
// to do (DATA_DIR), not a bare SQLITE_CANTOPEN.

function openError(file: string): DatabaseOpenError {
	let caught: unknown;
	try {
		openDb({ file });
	} catch (err) {
		caught = err;
	}
	expect(caught).toBeInstanceOf(DatabaseOpenError);
	return caught as DatabaseOpenError;
}

describe('opening SQLite in a data folder that cannot be written', () => {
	it('a read-only folder (procfs refuses new files, even to root) names the path and DATA_DIR', () => {
		const err = openError('/proc/roster.db');
		expect(err.message).toContain('/proc/roster.db');
		expect(err.message).toContain('SQLITE_CANTOPEN');
		expect(err.message).toContain('Set DATA_DIR to a writable folder, or make /proc writable');
	});

	it('a file where the data folder should be says so', () => {
		const dir = mkdtempSync(join(tmpdir(), 'roster-open-'));
		try {
			writeFileSync(join(dir, 'data'), 'not a folder');
			const err = openError(join(dir, 'data', 'roster.db'));
			expect(err.message).toContain(`${join(dir, 'data')} (or a folder above it) is a file`);
			expect(err.message).toContain('Set DATA_DIR');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
