import { describe, expect, it } from 'vitest';
import { MemberList } from './member-list.svelte';

const people = (n: number) =>
	Array.from({ length: n }, (_, i) => ({
		email: `user${String(i + 1).padStart(4, '0')}@acme.test`,
		name: i === 41 ? 'Ada Lovelace' : `User ${i + 1}`
	}));

describe('member list', () => {
	it('shows a page at a time and says which ones of how many: "Showing 51–100 of 1,001"', () => {
		const list = new MemberList(() => people(1001));
		expect(list.summary).toBe('Showing 1–50 of 1,001');
		expect(list.rows?.length).toBe(50);
		list.next();
		expect(list.summary).toBe('Showing 51–100 of 1,001');
		expect(list.rows?.[0]?.email).toBe('user0051@acme.test');
		for (let i = 0; i < 30; i++) list.next();
		expect(list.summary).toBe('Showing 1,001–1,001 of 1,001');
		expect(list.rows?.length).toBe(1);
		list.previous();
		expect(list.summary).toBe('Showing 951–1,000 of 1,001');
	});

	it('searches names and emails, ignoring case, from the first page of the matches', () => {
		const list = new MemberList(() => people(1001));
		list.next();
		list.query = 'ADA';
		expect(list.page).toBe(0);
		expect(list.rows?.map((r) => r.name)).toEqual(['Ada Lovelace']);
		expect(list.summary).toBe('Showing 1–1 of 1 matching “ADA” (1,001 in all)');
		list.query = 'user1000@';
		expect(list.rows?.map((r) => r.email)).toEqual(['user1000@acme.test']);
		list.query = 'nobody';
		expect(list.rows).toEqual([]);
		expect(list.summary).toBe('No member matches “nobody”.');
	});

	it('stays on a page that exists when the list shrinks, and says it is loading as null', () => {
		let rows = $state.raw<ReturnType<typeof people> | null>(people(120));
		const list = new MemberList(() => rows);
		list.next();
		list.next();
		expect(list.summary).toBe('Showing 101–120 of 120');
		rows = people(60);
		expect(list.summary).toBe('Showing 51–60 of 60');
		rows = null;
		expect(list.rows).toBeNull();
	});
});
