import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fetchTransport } from '../../src/lib/client/sync/engine';
import { RosterDB, type RosterChunk } from '../../src/lib/client/db';
import {
	allLicenses,
	applyLastActive,
	basePositionOfSeq,
	loadRosterBase
} from '../../src/lib/client/roster';
import { DAY_MS } from '../../src/lib/domain/seats';
import type { ActivityDelta } from '../../src/lib/domain/sync/protocol';

const CHUNK = 10_000;
const opened: RosterDB[] = [];
afterEach(async () => {
	for (const db of opened.splice(0)) await db.delete();
});

/** A mirror whose roster base holds `n` users numbered `seqOf(i)`, in chunks as a full sync writes. */
async function mirror(n: number, seqOf: (i: number) => number): Promise<RosterDB> {
	const db = new RosterDB(`roster-activity-${randomUUID()}`);
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
			names: ids,
			lastActive: new Float64Array(size).fill(Number.NaN),
			seqs: Float64Array.from({ length: size }, (_, j) => seqOf(start + j))
		});
	}
	await db.rosterChunks.bulkPut(chunks);
	await db.meta.bulkPut([
		{ key: 'rosterGen', value: 1 },
		{ key: 'rosterCount', value: n }
	]);
	return db;
}

/** The pull's compact delta for these license numbers (ascending), all on `day`. */
function delta(seqs: number[], day: number): ActivityDelta {
	const sorted = [...seqs].sort((a, b) => a - b);
	return {
		seqs: sorted.map((s, i) => (i === 0 ? s : s - sorted[i - 1]!)),
		days: sorted.map(() => day)
	};
}

describe('applying pulled Last Active dates to the mirror (R19, R20)', () => {
	it('finds each license by its number in O(log n): a lookup in a 400,000-user roster reads at most 19 numbers, ascending or not', async () => {
		const n = 400_000;
		for (const seqOf of [(i: number) => i + 1, (i: number) => 2 * (n - i)]) {
			const db = await mirror(n, seqOf);
			const base = await loadRosterBase(db);
			let reads = 0;
			const counted = {
				...base,
				seqs: new Proxy(base.seqs, {
					get(target, key) {
						if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
						const value = Reflect.get(target, key);
						return typeof value === 'function' ? value.bind(target) : value;
					}
				})
			};
			// Numbers that do not ascend are ordered once per base (not counted: it is not per lookup).
			basePositionOfSeq(counted, seqOf(0));
			let most = 0;
			for (let i = 0; i < n; i += 397) {
				reads = 0;
				expect(basePositionOfSeq(counted, seqOf(i))).toBe(i);
				most = Math.max(most, reads);
			}
			reads = 0;
			expect(basePositionOfSeq(counted, 0)).toBe(-1);
			// A scan would read up to 400,000; binary search reads ⌈log2(400,001)⌉ = 19 at most.
			expect(Math.max(most, reads)).toBeLessThanOrEqual(19);
		}
	}, 60_000);

	it('applies 40,000 pulled dates to a 400,000-user roster: exactly the named licenses change', async () => {
		const n = 400_000;
		const db = await mirror(n, (i) => i + 1);
		await loadRosterBase(db);
		const changed = Array.from({ length: 40_000 }, (_, k) => k * 10 + 3);
		const day = 20_500;
		await db.transaction('rw', [db.licenses, db.rosterChunks, db.meta], () =>
			applyLastActive(db, delta(changed, day))
		);
		const base = await loadRosterBase(db);
		for (const s of [3, 13, 199_993, 399_993]) expect(base.lastActive[s - 1]).toBe(day * DAY_MS);
		expect(Number.isNaN(base.lastActive[4]!)).toBe(true);
		expect(base.lastActive.filter((v) => !Number.isNaN(v)).length).toBe(changed.length);
	}, 60_000);

	it('finds licenses whose numbers do not ascend in roster order', async () => {
		// Numbers in reverse of the id order: the order by number is built once.
		const n = 25_000;
		const db = await mirror(n, (i) => 2 * (n - i));
		await db.transaction('rw', [db.licenses, db.rosterChunks, db.meta], () =>
			applyLastActive(db, delta([2, 2 * n, 2 * 12_345], 20_000))
		);
		const dated = (await allLicenses(db)).filter((l) => l.lastActiveAt !== null);
		expect(dated.map((l) => l.id).sort()).toEqual(['u00000000', 'u00012655', 'u00024999']);
		expect(dated.every((l) => l.lastActiveAt === 20_000 * DAY_MS)).toBe(true);
	});
});

describe("the app's pull asks for Last Active changes as the compact delta", () => {
	it('sends activity=delta, so the server keeps whole license rows for older consoles', async () => {
		const urls: string[] = [];
		vi.stubGlobal('fetch', async (url: string) => {
			urls.push(url);
			return new Response('{}', { status: 200 });
		});
		try {
			await fetchTransport.pull({
				enterpriseID: 'e1',
				clientID: 'c1',
				cookie: 5,
				activity: 'delta'
			});
		} finally {
			vi.unstubAllGlobals();
		}
		expect(new URL(urls[0]!, 'http://x').searchParams.get('activity')).toBe('delta');
	});
});
