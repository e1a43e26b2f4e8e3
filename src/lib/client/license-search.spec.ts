import { describe, expect, it } from 'vitest';
import type { LicenseColumns } from './roster';
import { parseLicenseSort, searchLicenses, type LicenseSort } from './license-search';

interface User {
	name: string;
	email: string;
	lastActiveAt: number | null;
}

const day = (d: string) => Date.parse(`${d}T12:00:00Z`);

/** Columns as `licenseColumns` returns them, from a few users. */
function columnsOf(users: User[]): LicenseColumns {
	return {
		ids: users.map((_, i) => `u${String(i).padStart(4, '0')}`),
		emails: users.map((u) => u.email),
		names: users.map((u) => u.name),
		lastActive: Float64Array.from(users.map((u) => u.lastActiveAt ?? Number.NaN))
	};
}

const team: User[] = [
	{ name: 'John Smith', email: 'john.smith@acme.test', lastActiveAt: day('2025-06-02') },
	{ name: 'Joanna Stone', email: 'jstone@acme.test', lastActiveAt: null },
	{ name: 'Ahmed Khan', email: 'ahmed@labs.acme.test', lastActiveAt: day('2025-07-10') },
	{ name: 'Mary Johnson', email: 'MARY.J@Acme-Corp.test', lastActiveAt: day('2025-05-01') },
	{ name: 'Li Wei', email: 'li.wei@acme.test', lastActiveAt: null },
	{ name: 'Sofia Rossi', email: 'sofia@acme.test', lastActiveAt: day('2025-07-10') }
];

const emailsOf = (c: LicenseColumns, rows: Uint32Array) => [...rows].map((r) => c.emails[r]);

/** The obvious implementation, to compare the fast one with. */
function naive(c: LicenseColumns, query: string): string[] {
	const q = query.trim().toLowerCase();
	return c.emails.filter(
		(e, i) => c.names[i]!.toLowerCase().includes(q) || e.toLowerCase().includes(q)
	);
}

describe('searchLicenses (R4 search-as-you-type, R20 Last Active)', () => {
	it('lists everyone newest first by default, never-active users last', () => {
		const c = columnsOf(team);
		expect(emailsOf(c, searchLicenses(c, ''))).toEqual([
			'ahmed@labs.acme.test',
			'sofia@acme.test',
			'john.smith@acme.test',
			'MARY.J@Acme-Corp.test',
			'jstone@acme.test',
			'li.wei@acme.test'
		]);
	});

	it('sorts oldest first with never-active users first, and by email in code-unit order', () => {
		const c = columnsOf(team);
		expect(emailsOf(c, searchLicenses(c, '', 'last-active-asc'))).toEqual([
			'jstone@acme.test',
			'li.wei@acme.test',
			'MARY.J@Acme-Corp.test',
			'john.smith@acme.test',
			'ahmed@labs.acme.test',
			'sofia@acme.test'
		]);
		expect(emailsOf(c, searchLicenses(c, '', 'email'))).toEqual([
			'MARY.J@Acme-Corp.test',
			'ahmed@labs.acme.test',
			'john.smith@acme.test',
			'jstone@acme.test',
			'li.wei@acme.test',
			'sofia@acme.test'
		]);
	});

	it('matches a case-insensitive substring of the name or the email, in the chosen order', () => {
		const c = columnsOf(team);
		expect(emailsOf(c, searchLicenses(c, 'JOHN'))).toEqual([
			'john.smith@acme.test',
			'MARY.J@Acme-Corp.test'
		]);
		expect(emailsOf(c, searchLicenses(c, 'acme-corp'))).toEqual(['MARY.J@Acme-Corp.test']);
		expect(emailsOf(c, searchLicenses(c, '  stone '))).toEqual(['jstone@acme.test']);
		expect(emailsOf(c, searchLicenses(c, 'jo', 'email'))).toEqual([
			'MARY.J@Acme-Corp.test',
			'john.smith@acme.test',
			'jstone@acme.test'
		]);
		expect(emailsOf(c, searchLicenses(c, 'jo', 'last-active-asc'))).toEqual([
			'jstone@acme.test',
			'MARY.J@Acme-Corp.test',
			'john.smith@acme.test'
		]);
	});

	it('never matches across the name and the email, or across two users', () => {
		const c = columnsOf(team);
		// "Smith" + "john.smith@…" would read "smithjohn" if the fields were glued together.
		expect(searchLicenses(c, 'smithjohn')).toHaveLength(0);
		expect(searchLicenses(c, 'acme.testjoanna')).toHaveLength(0);
		expect(searchLicenses(c, 'zzqx-nobody')).toHaveLength(0);
	});

	it('gives the same answer keystroke by keystroke (narrowing) as a fresh search, backspaces too', () => {
		const first = ['John', 'Jane', 'Joanna', 'Mary', 'Jonas', 'Olga'];
		const last = ['Smith', 'Johnson', 'Nguyen', 'Müller', 'Sato'];
		const users: User[] = Array.from({ length: 3000 }, (_, i) => {
			const f = first[i % first.length]!;
			const l = last[(i * 7 + Math.floor(i / 6)) % last.length]!;
			return {
				name: `${f} ${l}`,
				email: `${f}.${l}${i}@example.test`.toLowerCase(),
				lastActiveAt: i % 11 === 0 ? null : day('2025-01-01') + (i % 200) * 86_400_000
			};
		});
		const typed = ['j', 'jo', 'joh', 'john', 'john.', 'john.s', 'john.sm', 'john.smx', 'john.sm'];
		const backspaced = ['john.s', 'john', 'jo', '', 'mü', 'müller', 'Müller 12'];
		const c = columnsOf(users);
		for (const q of [...typed, ...backspaced]) {
			const fast = emailsOf(c, searchLicenses(c, q, 'email'));
			expect(fast, q).toEqual(naive(c, q).sort());
			// A fresh columns object with the same users answers the same, without the history.
			const fresh = columnsOf(users);
			expect(emailsOf(fresh, searchLicenses(fresh, q, 'email')), q).toEqual(fast);
		}
		expect(searchLicenses(c, 'john.sm').length).toBeGreaterThan(0);
		expect(searchLicenses(c, 'john.smx')).toHaveLength(0);
	});

	it('reads new columns after a license is removed, and keeps the sort stable in row order', () => {
		const c = columnsOf(team);
		expect(searchLicenses(c, 'acme.test')).toHaveLength(5);
		const without = columnsOf(team.filter((u) => u.email !== 'sofia@acme.test'));
		expect(emailsOf(without, searchLicenses(without, 'acme.test'))).not.toContain(
			'sofia@acme.test'
		);
		expect(searchLicenses(without, 'acme.test')).toHaveLength(4);
		// Same Last Active: the earlier row comes first in both directions.
		expect(emailsOf(c, searchLicenses(c, '@', 'last-active-desc')).slice(0, 2)).toEqual([
			'ahmed@labs.acme.test',
			'sofia@acme.test'
		]);
	});

	it('handles no users at all', () => {
		const c = columnsOf([]);
		for (const sort of ['last-active-desc', 'last-active-asc', 'email'] as LicenseSort[]) {
			expect(searchLicenses(c, '', sort)).toHaveLength(0);
			expect(searchLicenses(c, 'a', sort)).toHaveLength(0);
		}
	});
});

describe('parseLicenseSort', () => {
	it('accepts the three orders and falls back to newest first', () => {
		expect(parseLicenseSort('email')).toBe('email');
		expect(parseLicenseSort('last-active-asc')).toBe('last-active-asc');
		expect(parseLicenseSort(null)).toBe('last-active-desc');
		expect(parseLicenseSort('name; drop table')).toBe('last-active-desc');
	});
});
