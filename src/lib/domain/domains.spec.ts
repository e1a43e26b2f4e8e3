import { describe, expect, it } from 'vitest';
import { normalizeDomain } from './domains';

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
