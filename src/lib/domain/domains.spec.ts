import { describe, expect, it } from 'vitest';
import {
	capturingDomain,
	normalizeDomain,
	pendingVerificationText,
	RECHECK_FOR_MS
} from './domains';

describe('normalizeDomain (R13)', () => {
	it('lower-cases, trims a trailing dot, turns IDN to punycode', () => {
		expect(normalizeDomain(' Acme.COM. ')).toEqual({ ok: true, domain: 'acme.com' });
		expect(normalizeDomain('bücher.example')).toEqual({
			ok: true,
			domain: 'xn--bcher-kva.example'
		});
	});
	it.each([
		['', /^Enter a domain name such as example\.com\.$/],
		['https://acme.com', /without scheme/],
		['acme.com/path', /without scheme/],
		['acme.com:8080', /without scheme/],
		['localhost', /at least two labels/],
		['-acme.com', /letters, digits or hyphens/],
		['a_b.com', /letters, digits or hyphens/],
		['10.0.0.1', /IP address/],
		[`${'a'.repeat(63)}.`.repeat(4) + 'com', /at most 253/],
		// R26: no control characters; R13: internal names are not public domains.
		[`acme${String.fromCharCode(0)}.com`, /control characters/],
		['acme.com\u0085', /control characters/],
		['vault.internal', /internal networks/],
		['printer.local', /internal networks/],
		['db.corp', /internal networks/],
		['10.in-addr.arpa', /internal networks/]
	])('refuses %j', (input, message) => {
		const r = normalizeDomain(input);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toMatch(message);
	});
});

describe('capturingDomain (R14)', () => {
	const row = (domain: string, verified: boolean, captureEnabled: boolean) => ({
		domain,
		verifiedAt: verified ? 1 : null,
		captureEnabled
	});

	it('the most specific domain row decides: a subdomain whose row says Off is not captured under a capturing root', () => {
		const rows = [row('acme.test', true, true), row('labs.acme.test', false, false)];
		expect(capturingDomain(rows, 'ann@labs.acme.test')).toBeNull();
		expect(capturingDomain(rows, 'ann@x.labs.acme.test')).toBeNull();
		expect(capturingDomain(rows, 'ann@acme.test')?.domain).toBe('acme.test');
		// A subdomain without a row of its own follows its nearest parent's row.
		expect(capturingDomain(rows, 'ann@eu.acme.test')?.domain).toBe('acme.test');
	});

	it('a subdomain row that captures captures under a root that does not, when the root is verified', () => {
		const rows = [row('acme.test', true, false), row('labs.acme.test', false, true)];
		expect(capturingDomain(rows, 'bob@labs.acme.test')?.domain).toBe('labs.acme.test');
		expect(capturingDomain(rows, 'bob@acme.test')).toBeNull();
		// Nothing verified above it: not captured, whatever the row says.
		expect(capturingDomain([row('labs.acme.test', false, true)], 'bob@labs.acme.test')).toBeNull();
	});

	it('an email on no listed domain, or only on a look-alike, is not captured', () => {
		const rows = [row('acme.test', true, true)];
		expect(capturingDomain(rows, 'eve@notacme.test')).toBeNull();
		expect(capturingDomain(rows, 'eve@acme.test.evil.test')).toBeNull();
		expect(capturingDomain([], 'eve@acme.test')).toBeNull();
	});
});

describe('what the domains page says about a pending verification (R13)', () => {
	const now = Date.UTC(2026, 11, 7, 12);
	const base = { domain: 'acme.test', verifiedAt: null, recheckUntil: now + RECHECK_FOR_MS };

	it('a record not published yet is an expected wait, with the re-check schedule and the last check', () => {
		expect(
			pendingVerificationText(
				{ ...base, lastCheck: { at: now - 3 * 60_000, records: [], error: null } },
				now
			)
		).toEqual({
			status:
				'No TXT record found yet for acme.test — DNS changes can take up to an hour; Roster re-checks every 10 minutes for 48 hours.',
			lastChecked: 'Last checked 3 minutes ago.'
		});
	});

	it('says what DNS holds instead, a DNS failure, and when the re-checks stopped', () => {
		const other = pendingVerificationText(
			{ ...base, lastCheck: { at: now - 60_000, records: ['v=spf1 -all'], error: null } },
			now
		);
		expect(other?.status).toContain('(found: “v=spf1 -all”)');
		const failed = pendingVerificationText(
			{ ...base, lastCheck: { at: now, records: [], error: 'no answer from DNS within 5 s' } },
			now
		);
		expect(failed?.status).toMatch(/^Could not ask DNS about acme.test \(no answer/);
		const stopped = pendingVerificationText(
			{
				...base,
				recheckUntil: now - 1,
				lastCheck: { at: now - 3_600_000, records: [], error: null }
			},
			now
		);
		expect(stopped?.status).toContain('Roster has stopped re-checking');
		expect(stopped?.lastChecked).toBe('Last checked 1 hour ago.');
	});

	it('says nothing for a verified domain or one never asked to verify', () => {
		expect(pendingVerificationText({ ...base, verifiedAt: now, lastCheck: null }, now)).toBeNull();
		expect(
			pendingVerificationText({ ...base, recheckUntil: null, lastCheck: null }, now)
		).toBeNull();
	});
});
