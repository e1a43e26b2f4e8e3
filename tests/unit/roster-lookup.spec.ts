import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RosterDB, type RosterChunk } from '../../src/lib/client/db';
import {
	getLicense,
	licenseColumns,
	putLicenses,
	removeLicenses
} from '../../src/lib/client/roster';

const CHUNK = 1_000;
const opened: RosterDB[] = [];
afterEach(async () => {
	for (const db of opened.splice(0)) await db.delete();
});

/** A mirror whose roster base holds `n` users in chunks, as a full sync writes them. */
async function mirror(n: number): Promise<RosterDB> {
	const db = new RosterDB(`roster-lookup-${randomUUID()}`);
	opened.push(db);
	const chunks: RosterChunk[] = [];
	for (let start = 0, k = 0; start < n; start += CHUNK, k++) {
		const size = Math.min(CHUNK, n - start);
		const ids = Array.from({ length: size }, (_, j) => `u${String(start + j).padStart(8, '0')}`);
		chunks.push({
			gen: 1,
			seq: k,
			ids,
			emails: ids.map((id) => `${id}@acme.test`),
			names: ids.map((id) => `User ${id}`),
			lastActive: new Float64Array(size).fill(Number.NaN),
			seqs: Float64Array.from({ length: size }, (_, j) => start + j + 1),
			sources: ids.map(() => 'seed'),
			since: new Float64Array(size).fill(1_700_000_000_000)
		});
	}
	await db.rosterChunks.bulkPut(chunks);
	await db.meta.bulkPut([
		{ key: 'rosterGen', value: 1 },
		{ key: 'rosterCount', value: n }
	]);
	return db;
}

/** Counts the roster chunks read from IndexedDB while `run` runs. */
async function chunksRead(db: RosterDB, run: () => Promise<unknown>): Promise<number> {
	let reads = 0;
	const count = (chunk: RosterChunk) => {
		reads++;
		return chunk;
	};
	db.rosterChunks.hook('reading', count);
	try {
		await run();
	} finally {
		db.rosterChunks.hook('reading').unsubscribe(count);
	}
	return reads;
}

describe('one licensed user of a large roster, found without decoding the whole base', () => {
	it('removing a license, and finding or re-adding a user, reads the one chunk that holds them', async () => {
		const db = await mirror(20 * CHUNK);
		const id = 'u00012345';
		// The first lookup learns where each chunk's ids lie (one pass, a chunk at a time).
		expect(await getLicense(db, 'u00000001')).toMatchObject({ id: 'u00000001' });

		expect(await chunksRead(db, () => removeLicenses(db, [id]))).toBe(1);
		expect(await db.licenses.get(id)).toMatchObject({
			id,
			email: `${id}@acme.test`,
			name: `User ${id}`,
			source: 'seed',
			since: 1_700_000_000_000,
			removed: true,
			inBase: true
		});
		expect(await getLicense(db, id)).toBeUndefined();
		expect(await chunksRead(db, () => getLicense(db, 'u00019999'))).toBe(1);

		await chunksRead(db, () =>
			putLicenses(db, [{ id, email: `${id}@acme.test`, name: 'Back', lastActiveAt: null }])
		).then((reads) => expect(reads).toBe(1));
		expect(await db.licenses.get(id)).toMatchObject({ name: 'Back', inBase: true });
		expect(await getLicense(db, 'u99999999')).toBeUndefined();
		const columns = await licenseColumns(db);
		expect(columns.ids.length).toBe(20 * CHUNK);
		expect(columns.names[12345]).toBe('Back');
	});
});
