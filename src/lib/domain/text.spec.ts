import { describe, expect, it } from 'vitest';
import { plural, sentence, timeAgo } from './text';

describe('counts in words', () => {
	it('says one minute, 15 minutes and 0 minutes, never "minute(s)"', () => {
		expect(plural(1, 'minute')).toBe('1 minute');
		expect(plural(15, 'minute')).toBe('15 minutes');
		expect(plural(0, 'minute')).toBe('0 minutes');
		expect(plural(2, 'person', 'people')).toBe('2 people');
		expect(plural(1200, 'seat')).toBe('1,200 seats');
	});

	it('says how long ago a check was, in the largest whole unit', () => {
		const now = Date.UTC(2026, 11, 7, 12);
		expect(timeAgo(now - 20_000, now)).toBe('just now');
		expect(timeAgo(now - 60_000, now)).toBe('1 minute ago');
		expect(timeAgo(now - 3 * 60_000, now)).toBe('3 minutes ago');
		expect(timeAgo(now - 2 * 3_600_000, now)).toBe('2 hours ago');
		expect(timeAgo(now - 26 * 3_600_000, now)).toBe('1 day ago');
	});
});

describe('messages as sentences', () => {
	it('start with a capital, but an email or a domain keeps its case', () => {
		expect(sentence('no free seat: 10 of 10 used')).toBe('No free seat: 10 of 10 used');
		expect(sentence('the team name is taken')).toBe('The team name is taken');
		expect(sentence('x@acme.test already has a license')).toBe('x@acme.test already has a license');
		expect(sentence('acme.test is verified already')).toBe('acme.test is verified already');
		expect(sentence('Already capitalised')).toBe('Already capitalised');
		expect(sentence('')).toBe('');
	});
});
