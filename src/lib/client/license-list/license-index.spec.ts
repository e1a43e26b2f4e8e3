import { describe, expect, it } from 'vitest';
import { activeWithin, countActive } from '../../domain/activity';
import { LICENSE_SORTS, searchLicenses } from '../license-search';
import type { LicenseColumns } from '../roster';
import { LicenseIndex, type ListQuery, type OverlayRow } from './license-index';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-30T12:00:00Z');

/** A base of `n` users in id order, some never active, some sharing a day. */
function baseOf(n: number, seed = 1): LicenseColumns {
	let s = seed;
	const rand = () => (s = (s * 48271) % 2147483647) / 2147483647;
	const ids: string[] = [];
	const emails: string[] = [];
	const names: string[] = [];
	const lastActive = new Float64Array(n);
	for (let i = 0; i < n; i++) {
		ids.push(`u${String(i).padStart(5, '0')}`);
		const first = ['Ada', 'Bob', 'Cy', 'Dee', 'Eve'][Math.floor(rand() * 5)]!;
		emails.push(`${first.toLowerCase()}.${Math.floor(rand() * 1e6)}.${i}@acme.test`);
		names.push(`${first} ${['Lovelace', 'Stone', 'Khan'][Math.floor(rand() * 3)]}`);
		lastActive[i] = rand() < 0.2 ? Number.NaN : NOW - Math.floor(rand() * 200) * DAY;
	}
	return { ids, emails, names, lastActive };
}

/** The list as the page computed it on the main thread: the joined columns, searched and filtered. */
function mainThread(base: LicenseColumns, overlay: OverlayRow[], q: ListQuery): string[] {
	const byID = new Map(overlay.map((r) => [r.id, r]));
	const c: LicenseColumns = { ids: [], emails: [], names: [], lastActive: new Float64Array(0) };
	const times: number[] = [];
	const push = (id: string, email: string, name: string, t: number) => {
		c.ids.push(id);
		c.emails.push(email);
		c.names.push(name);
		times.push(t);
	};
	base.ids.forEach((id, i) => {
		const row = byID.get(id);
		if (!row) push(id, base.emails[i]!, base.names[i]!, base.lastActive[i]!);
		else if (!row.removed) push(id, row.email, row.name, row.lastActiveAt ?? Number.NaN);
	});
	const inBase = new Set(base.ids);
	for (const row of overlay) {
		if (!row.removed && !inBase.has(row.id) && !row.inBase)
			push(row.id, row.email, row.name, row.lastActiveAt ?? Number.NaN);
	}
	c.lastActive = Float64Array.from(times);
	const found = [...searchLicenses(c, q.query, q.sort)];
	const days = q.inactiveDays;
	return found
		.filter((r) => days === null || !activeWithin(c.lastActive[r]!, q.now, days))
		.map((r) => c.ids[r]!);
}

const queries = (sortsToo = true): ListQuery[] =>
	(sortsToo ? LICENSE_SORTS : (['last-active-desc'] as const)).flatMap((sort) =>
		['', 'ada', 'stone', 'ADA L', '.1', 'zzz', 'new'].flatMap((query) =>
			[null, 30].map((inactiveDays) => ({ query, sort, inactiveDays, now: NOW }))
		)
	);

describe('the licensed-user list index', () => {
	it('lists, searches, sorts and filters as the main-thread search of the joined columns did', () => {
		const base = baseOf(500);
		const overlay: OverlayRow[] = [
			{ ...row(base, 3), removed: true, inBase: true },
			{ ...row(base, 10), name: 'Ada Newname', lastActiveAt: NOW, inBase: true },
			{ ...row(base, 11), lastActiveAt: null, inBase: true },
			{ id: 'z-new-1', email: 'new.one@acme.test', name: 'Ada New', lastActiveAt: NOW - DAY },
			{ id: 'a-new-2', email: 'aaa.new@acme.test', name: 'Cy New', lastActiveAt: null },
			{ id: 'gone', email: 'gone@acme.test', name: 'Gone', removed: true, inBase: true }
		];
		const index = new LicenseIndex();
		index.setBase(base);
		index.setOverlay(overlay);
		expect(index.total).toBe(500 - 1 + 2);
		for (const q of queries()) {
			expect(index.matchingIDs(q), JSON.stringify(q)).toEqual(mainThread(base, overlay, q));
		}
	});

	it('answers a window of display rows with the totals, and clamps it to the matches', () => {
		const base = baseOf(300);
		const index = new LicenseIndex();
		index.setBase(base);
		const q: ListQuery = { query: 'ada', sort: 'email', inactiveDays: null, now: NOW };
		const all = mainThread(base, [], q);
		const w = index.window(q, 5, 15);
		expect(w.total).toBe(300);
		expect(w.matching).toBe(all.length);
		expect(w.from).toBe(5);
		expect(w.rows.map((r) => r.id)).toEqual(all.slice(5, 15));
		const i = base.ids.indexOf(w.rows[0]!.id);
		expect(w.rows[0]).toEqual({
			id: base.ids[i],
			email: base.emails[i],
			name: base.names[i],
			lastActive: Number.isNaN(base.lastActive[i]!) ? null : base.lastActive[i]
		});
		const end = index.window(q, all.length - 3, all.length + 50);
		expect(end.rows.map((r) => r.id)).toEqual(all.slice(-3));
		expect(index.window(q, all.length + 10, all.length + 20).rows).toEqual([]);
	});

	it('a license removed, then given back, leaves and rejoins the list without a new base', () => {
		const base = baseOf(200);
		const index = new LicenseIndex();
		index.setBase(base);
		const q: ListQuery = { query: '', sort: 'last-active-desc', inactiveDays: null, now: NOW };
		const before = index.matchingIDs(q);
		const removed: OverlayRow[] = [{ ...row(base, 42), removed: true, inBase: true }];
		index.setOverlay(removed);
		expect(index.total).toBe(199);
		expect(index.matchingIDs(q)).toEqual(before.filter((id) => id !== base.ids[42]));
		index.setOverlay([]);
		expect(index.total).toBe(200);
		expect(index.matchingIDs(q)).toEqual(before);
	});

	it('a new Last Active date moves the user in the order, the inactive filter and the active counts', () => {
		const base = baseOf(200);
		const index = new LicenseIndex();
		index.setBase(base);
		const never = base.ids.findIndex((_, i) => Number.isNaN(base.lastActive[i]!));
		const lastActive = base.lastActive.slice();
		lastActive[never] = NOW;
		const next = { ...base, lastActive };
		index.setBase(next);
		const desc: ListQuery = { query: '', sort: 'last-active-desc', inactiveDays: null, now: NOW };
		expect(index.matchingIDs(desc)).toEqual(mainThread(next, [], desc));
		expect(index.matchingIDs({ ...desc, inactiveDays: 30 })).not.toContain(base.ids[never]);
		expect(index.activeCounts(NOW, [7, 30])).toEqual({
			total: 200,
			counts: countActive(lastActive, NOW, [7, 30])
		});
	});

	it('counts active users with the changes on top: removed ones out, added ones in', () => {
		const base = baseOf(100);
		const index = new LicenseIndex();
		index.setBase(base);
		// A user active within 7 days, so removing them must lower every count.
		const active = base.ids.findIndex((_, i) => NOW - base.lastActive[i]! < 7 * DAY);
		expect(active).toBeGreaterThanOrEqual(0);
		const before = index.activeCounts(NOW, [7, 30, 90]);
		const overlay: OverlayRow[] = [
			{ ...row(base, active), removed: true, inBase: true },
			{ id: 'new', email: 'new@acme.test', name: 'New', lastActiveAt: NOW - 2 * DAY }
		];
		index.setOverlay(overlay);
		const joined = mainThread(base, overlay, {
			query: '',
			sort: 'email',
			inactiveDays: null,
			now: NOW
		});
		const times = joined.map((id) =>
			id === 'new' ? NOW - 2 * DAY : base.lastActive[base.ids.indexOf(id)]!
		);
		expect(index.activeCounts(NOW, [7, 30, 90])).toEqual({
			total: joined.length,
			counts: countActive(times, NOW, [7, 30, 90])
		});
		// One active user out, one added in (active 2 days ago): every window's count holds, the total too.
		expect(index.activeCounts(NOW, [7, 30, 90])).toEqual(before);
	});
});

function row(base: LicenseColumns, i: number): OverlayRow {
	const t = base.lastActive[i]!;
	return {
		id: base.ids[i]!,
		email: base.emails[i]!,
		name: base.names[i]!,
		lastActiveAt: Number.isNaN(t) ? null : t
	};
}
