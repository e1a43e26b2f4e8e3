import { describe, expect, it } from 'vitest';
import { parsePeopleFilter } from './people-filter';
import { distinctUnmanagedCount, matchedDomain, outermostVerified } from '../domain/domains';

describe('the people filter of the Licenses page', () => {
	it('reads ?show=, licensed users by default, and unmanaged only for roles that may see them (R2)', () => {
		expect(parsePeopleFilter(null, true)).toBe('managed');
		expect(parsePeopleFilter('nonsense', true)).toBe('managed');
		expect(parsePeopleFilter('invites', false)).toBe('invites');
		expect(parsePeopleFilter('unmanaged', true)).toBe('unmanaged');
		expect(parsePeopleFilter('unmanaged', false)).toBe('managed');
	});
});

describe('unmanaged users across domains (R15)', () => {
	const domains = [
		{ domain: 'acme.test', unclaimedCount: 160 },
		{ domain: 'labs.acme.test', unclaimedCount: 80 },
		{ domain: 'eu.labs.acme.test', unclaimedCount: 5 },
		{ domain: 'acme-corp.test', unclaimedCount: null },
		{ domain: 'other.test', unclaimedCount: 7 }
	];

	it('counts each person once: a subdomain’s people are already in its root’s count', () => {
		expect(distinctUnmanagedCount(domains)).toBe(167);
		// An unverified root does not hide its verified subdomain.
		expect(
			distinctUnmanagedCount([
				{ domain: 'acme.test', unclaimedCount: null },
				{ domain: 'labs.acme.test', unclaimedCount: 80 }
			])
		).toBe(80);
		expect(distinctUnmanagedCount([])).toBe(0);
	});

	it('queries the outermost verified domains, and names the most specific one a person is on', () => {
		const all = domains.map((d) => d.domain);
		expect(outermostVerified(all, ['acme.test', 'other.test'])).toEqual([
			'acme.test',
			'other.test'
		]);
		expect(outermostVerified(all, ['labs.acme.test'])).toEqual(['labs.acme.test']);
		expect(matchedDomain('Ann@EU.Labs.Acme.test', all)).toBe('eu.labs.acme.test');
		expect(matchedDomain('bo@x.labs.acme.test', all)).toBe('labs.acme.test');
		expect(matchedDomain('cy@notacme.test', all)).toBeNull();
	});
});
