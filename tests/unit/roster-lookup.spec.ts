import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RosterDB, type RosterChunk } from '../../src/lib/client/db';
import {
	adoptRoster,
	clearRoster,
	getLicense,
	licenseColumns,
	loadRosterBase,
	putLicenses,
	removeLicenses
} from '../../src/lib/client/roster';
import { DexieMutationStore } from '../../src/lib/client/dexie-store';
import { runMutation } from '../../src/lib/domain/mutations';

const CHUNK = 1_000;
const opened: RosterDB[] = [];
afterEach(async () => {
	for (const db of opened.splice(0)) await db.delete();
});

/** A mirror whose roster base holds `n` users in chunks, as a full sync writes them. */
async function mirror(n: number, idOf = (k: number) => `u${String(k).padStart(8, '0')}`) {
	const db = new RosterDB(`roster-lookup-${randomUUID()}`);
	opened.push(db);
	await db.rosterChunks.bulkPut(chunksOf(n, idOf));
	await db.meta.bulkPut([
		{ key: 'rosterGen', value: 1 },
		{ key: 'rosterCount', value: n }
	]);
	return db;
}

/** Generation 1's chunks of `n` users, the k-th with id `idOf(k)`, as a full sync writes them. */
function chunksOf(n: number, idOf: (k: number) => string): RosterChunk[] {
	const chunks: RosterChunk[] = [];
	for (let start = 0, k = 0; start < n; start += CHUNK, k++) {
		const size = Math.min(CHUNK, n - start);
		const ids = Array.from({ length: size }, (_, j) => idOf(start + j));
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
	return chunks;
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

		// The chunk the removal read is kept for the next change.
		await chunksRead(db, () =>
			putLicenses(db, [{ id, email: `${id}@acme.test`, name: 'Back', lastActiveAt: null }])
		).then((reads) => expect(reads).toBe(0));
		expect(await db.licenses.get(id)).toMatchObject({ name: 'Back', inBase: true });
		expect(await getLicense(db, 'u99999999')).toBeUndefined();
		const columns = await licenseColumns(db);
		expect(columns.ids.length).toBe(20 * CHUNK);
		expect(columns.names[12345]).toBe('Back');
	});
});

describe('a roster loaded again under a reused generation number is read as the new one', () => {
	it('after a clear, the next load (generation 1 again) finds its own users and removes them for good', async () => {
		const db = await mirror(5 * CHUNK);
		// Learn the first roster: its chunks' id ranges and its decoded base.
		expect(await getLicense(db, 'u00001234')).toMatchObject({ id: 'u00001234' });
		expect((await loadRosterBase(db)).ids.length).toBe(5 * CHUNK);

		await clearRoster(db);
		expect(await getLicense(db, 'u00001234')).toBeUndefined();
		// A different enterprise's roster (other ids), staged and adopted as generation 1.
		await db.rosterChunks.bulkPut(chunksOf(3 * CHUNK, (k) => `v${String(k).padStart(8, '0')}`));
		await adoptRoster(db, 1, 3 * CHUNK, 7);

		expect(await getLicense(db, 'u00001234')).toBeUndefined();
		expect(await getLicense(db, 'v00002500')).toMatchObject({ id: 'v00002500' });
		await removeLicenses(db, ['v00002500']);
		expect(await db.licenses.get('v00002500')).toMatchObject({ removed: true, inBase: true });
		expect(await getLicense(db, 'v00002500')).toBeUndefined();
		const columns = await licenseColumns(db);
		expect(columns.ids.length).toBe(3 * CHUNK - 1);
		expect(columns.ids).not.toContain('v00002500');
		expect(columns.ids[0]).toBe('v00000000');
	});
});

describe('a bulk license removal reads each chunk once, not once per person', () => {
	const ctx = { userID: '99999999-9999-4999-8999-999999999999', role: 'owner' as const, now: 1 };
	// Mutations take UUIDs, ascending as a server page sends them.
	const uuid = (k: number) => `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
	// Outside a transaction: under fake-indexeddb in Node, Dexie loses a transaction this deep in
	// native async calls (the browser keeps it); each read is counted all the same.
	const remove = (db: RosterDB, userIDs: string[]) =>
		runMutation(new DexieMutationStore(db), 'removeLicenses', { userIDs }, ctx);

	it('200 people spread over 20 chunks: at most one read per chunk, every license removed', async () => {
		const db = await mirror(20 * CHUNK, uuid);
		await getLicense(db, uuid(1));
		const ids = Array.from({ length: 200 }, (_, k) => uuid(k * 97));
		const reads = await chunksRead(db, () =>
			remove(db, ids).then((r) => expect(r).toMatchObject({ ok: true }))
		);
		expect(reads).toBeLessThanOrEqual(20);
		expect(await db.licenses.where('id').anyOf(ids).count()).toBe(200);
		expect(await getLicense(db, ids[7]!)).toBeUndefined();
		expect((await licenseColumns(db)).ids.length).toBe(20 * CHUNK - 200);
	});

	it('1,000 people: the base is read once, and every license is removed', async () => {
		const db = await mirror(20 * CHUNK, uuid);
		await getLicense(db, uuid(1));
		const ids = Array.from({ length: 1000 }, (_, k) => uuid(k * 19));
		const reads = await chunksRead(db, () =>
			remove(db, ids).then((r) => expect(r).toMatchObject({ ok: true }))
		);
		expect(reads).toBeLessThanOrEqual(20);
		expect(await db.licenses.where('id').anyOf(ids).count()).toBe(1000);
		expect((await licenseColumns(db)).ids.length).toBe(20 * CHUNK - 1000);
	});
});
