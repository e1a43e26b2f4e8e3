import { describe, expect, it } from 'vitest';
import { capturingDomain, normalizeDomain } from './domains';

describe('normalizeDomain (R13)', () => {
	it('lower-cases, trims a trailing dot, turns IDN to punycode', () => {
		expect(normalizeDomain(' Acme.COM. ')).toEqual({ ok: true, domain: 'acme.com' });
		expect(normalizeDomain('bücher.example')).toEqual({
			ok: true,
			domain: 'xn--bcher-kva.example'
		});
	});
	it.each([
		['', /enter a domain/],
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
