import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../domain/seats';
import { RosterDB } from '../db';
import { searchLicenses } from '../license-search';
import {
	adoptRoster,
	applyLastActive,
	clearRoster,
	licenseColumns,
	putLicenses,
	removeLicenses,
	stageRosterGeneration,
	stageRosterPage
} from '../roster';
import type { ListQuery } from './license-index';
import { createLicenseListApi, type LicenseListApi } from './license-list-api';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const TODAY = Math.floor(NOW / DAY_MS);
let seq = 0;
const open: { db: RosterDB; api: LicenseListApi }[] = [];

afterEach(() => {
	for (const { db, api } of open.splice(0)) {
		api.close();
		db.close();
	}
});

/** A mirror whose roster base holds `n` users in chunks (as a full sync writes them), and the list over it. */
async function listOver(n: number) {
	const db = new RosterDB(`license-list-${process.pid}-${++seq}`);
	await db.open();
	const staging = await stageRosterGeneration(db, 1, [{ after: '', seq: 0, done: false }]);
	for (let start = 0; start < n; start += 100) {
		const ids = Array.from({ length: Math.min(100, n - start) }, (_, k) => start + k);
		await stageRosterPage(
			db,
			staging.gen,
			0,
			start / 100,
			{
				ids: ids.map((i) => `u${String(i).padStart(5, '0')}`),
				emails: ids.map((i) => `${['ada', 'bob', 'cy'][i % 3]}.${i}@acme.test`),
				names: ids.map((i) => `${['Ada', 'Bob', 'Cy'][i % 3]} ${i % 7 === 0 ? 'Stone' : 'Khan'}`),
				lastActive: ids.map((i) => (i % 5 === 0 ? null : (TODAY - (i % 120)) * DAY_MS)),
				seqs: ids.map((i) => i + 1),
				next: null
			},
			{ after: '', seq: start / 100 + 1, done: true }
		);
	}
	await adoptRoster(db, staging.gen, n, 1);
	const api = createLicenseListApi();
	open.push({ db, api });
	const versions: number[] = [];
	let wake = () => undefined as void;
	await api.open(db.name, (v) => {
		versions.push(v);
		wake();
	});
	/** Resolves once the list has applied a change after `from`. */
	const changed = (from = versions.at(-1) ?? 0) =>
		new Promise<void>((resolve) => {
			wake = () => {
				if ((versions.at(-1) ?? 0) > from) resolve();
			};
		});
	return { db, api, changed };
}

/** Every id the main thread's search of the joined columns listed, as the page did before. */
async function mainThreadIDs(db: RosterDB, q: ListQuery) {
	const c = await licenseColumns(db);
	return [...searchLicenses(c, q.query, q.sort)].map((r) => c.ids[r]!);
}

const everyone: ListQuery = { query: '', sort: 'last-active-desc', inactiveDays: null, now: NOW };

describe('the licensed-user list over a mirror', () => {
	it('answers the same users in the same order as the main-thread search, for each order and a search', async () => {
		const { db, api } = await listOver(1000);
		for (const sort of ['last-active-desc', 'last-active-asc', 'email'] as const) {
			for (const query of ['', 'ada', 'STONE', '.12']) {
				const q = { ...everyone, sort, query };
				const ids = await mainThreadIDs(db, q);
				expect(await api.matchingIDs(q)).toEqual(ids);
				const w = await api.window(q, 10, 20);
				expect(w.total).toBe(1000);
				expect(w.matching).toBe(ids.length);
				expect(w.rows.map((r) => r.id)).toEqual(ids.slice(10, 20));
			}
		}
	});

	it('a license removed in the mirror leaves the list and the active counts, and comes back when given again', async () => {
		const { db, api, changed } = await listOver(500);
		const first = (await api.window(everyone, 0, 1)).rows[0]!;
		const counts = await api.activeCounts(NOW, [7, 30]);

		let next = changed();
		await removeLicenses(db, [first.id]);
		await next;
		const after = await api.window(everyone, 0, 1);
		expect(after.total).toBe(499);
		expect(after.rows[0]!.id).not.toBe(first.id);
		expect(await api.matchingIDs(everyone)).toEqual(await mainThreadIDs(db, everyone));
		expect((await api.activeCounts(NOW, [7, 30])).counts).toEqual([
			counts.counts[0]! - 1,
			counts.counts[1]! - 1
		]);

		next = changed();
		await putLicenses(db, [
			{ id: first.id, email: first.email, name: first.name, lastActiveAt: first.lastActive }
		]);
		await next;
		expect((await api.window(everyone, 0, 1)).rows[0]!.id).toBe(first.id);
		expect((await api.activeCounts(NOW, [7, 30])).counts).toEqual(counts.counts);
	});

	it('a user licensed on top of the base is found by the search and sits in its place in each order', async () => {
		const { db, api, changed } = await listOver(300);
		const next = changed();
		await putLicenses(db, [
			{ id: 'zz-new', email: 'aaa.newcomer@acme.test', name: 'Nia Newcomer', lastActiveAt: null }
		]);
		await next;
		const q: ListQuery = { ...everyone, query: 'newcomer' };
		expect((await api.window(q, 0, 10)).rows.map((r) => r.email)).toEqual([
			'aaa.newcomer@acme.test'
		]);
		expect((await api.window({ ...everyone, sort: 'email' }, 0, 1)).rows[0]!.id).toBe('zz-new');
		for (const sort of ['last-active-desc', 'last-active-asc'] as const) {
			expect(await api.matchingIDs({ ...everyone, sort })).toEqual(
				await mainThreadIDs(db, { ...everyone, sort })
			);
		}
		expect((await api.window(everyone, 0, 0)).total).toBe(301);
	});

	it('a pulled Last Active date moves the user to the top of newest first and out of the inactive filter', async () => {
		const { db, api, changed } = await listOver(300);
		const inactive = { ...everyone, inactiveDays: 90 };
		const sleeper = (await api.window({ ...everyone, sort: 'last-active-asc' }, 0, 1)).rows[0]!;
		expect(sleeper.lastActive).toBeNull();
		expect(await api.matchingIDs(inactive)).toContain(sleeper.id);

		const next = changed();
		const number = Number(sleeper.id.slice(1)) + 1;
		await db.transaction('rw', db.licenses, db.rosterChunks, db.meta, () =>
			applyLastActive(db, { seqs: [number], days: [TODAY + 1] })
		);
		await next;
		const top = (await api.window(everyone, 0, 1)).rows[0]!;
		expect(top).toMatchObject({ id: sleeper.id, lastActive: (TODAY + 1) * DAY_MS });
		expect(await api.matchingIDs(inactive)).not.toContain(sleeper.id);
		expect(await api.matchingIDs(everyone)).toEqual(await mainThreadIDs(db, everyone));
	});

	it('a roster cleared and loaded again as generation 1, with as many users, is listed as the new one', async () => {
		const { db, api, changed } = await listOver(300);
		expect(await api.matchingIDs({ ...everyone, query: 'ada' })).not.toEqual([]);

		const next = changed();
		// As a full pull replaces the roster: cleared, and the new one adopted, in one transaction.
		await db.transaction('rw', db.rosterChunks, db.meta, db.licenses, async () => {
			await clearRoster(db);
			const ids = Array.from({ length: 300 }, (_, i) => `w${String(i).padStart(5, '0')}`);
			await db.rosterChunks.put({
				gen: 1,
				seq: 0,
				ids,
				emails: ids.map((id) => `${id}@other.test`),
				names: ids.map((id) => `Wren ${id}`),
				lastActive: new Float64Array(300).fill(Number.NaN)
			});
			await adoptRoster(db, 1, 300, 2);
		});
		await next;
		expect(await api.matchingIDs({ ...everyone, query: 'ada' })).toEqual([]);
		const w = await api.window({ ...everyone, sort: 'email' }, 0, 1);
		expect(w.total).toBe(300);
		expect(w.rows[0]).toMatchObject({ id: 'w00000', email: 'w00000@other.test' });
	});
});
