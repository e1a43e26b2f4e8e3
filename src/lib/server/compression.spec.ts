import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, compress } from './compression';

describe('chooseEncoding', () => {
	it('prefers brotli, then gzip, as browsers offer them', () => {
		expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
		expect(chooseEncoding('gzip, deflate')).toBe('gzip');
		expect(chooseEncoding('GZIP')).toBe('gzip');
	});

	it('honours weights, refusals and the wildcard (RFC 9110)', () => {
		expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
		expect(chooseEncoding('br;q=0.2, gzip;q=0.8')).toBe('gzip');
		expect(chooseEncoding('*')).toBe('br');
		expect(chooseEncoding('*;q=0, gzip')).toBe('gzip');
		expect(chooseEncoding('gzip;q=0, br;q=0')).toBeNull();
		expect(chooseEncoding('identity')).toBeNull();
		expect(chooseEncoding('')).toBeNull();
		expect(chooseEncoding(null)).toBeNull();
		expect(chooseEncoding('br;q=abc')).toBeNull();
	});
});

describe('compress', () => {
	it('gives back the same bytes once decoded, smaller', async () => {
		const body = Buffer.from(
			JSON.stringify({ emails: Array.from({ length: 500 }, (_, i) => `user.${i}@acme.test`) })
		);
		const br = await compress(body, 'br');
		const gz = await compress(body, 'gzip');
		expect(brotliDecompressSync(br).equals(body)).toBe(true);
		expect(gunzipSync(gz).equals(body)).toBe(true);
		expect(br.length).toBeLessThan(body.length / 4);
	});
});
