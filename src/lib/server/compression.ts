import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Handle } from '@sveltejs/kit';
import { ROSTER_BINARY_TYPE } from '../domain/sync/roster-wire';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Smaller bodies gain less than the header and the work cost. */
const MIN_BYTES = 1024;

/**
 * The bulky reads a console makes: sync pulls, roster pages and the licenses, unmanaged users,
 * audit and seat-history lists. Only these GETs are compressed: none carries a secret next to
 * something a request can make it repeat (the condition for BREACH-style guessing), and none streams.
 */
const COMPRESSED =
	/^\/api\/(?:sync\/(?:pull|roster)|enterprises\/[^/]+\/(?:licenses|unmanaged|audit|seat-history))$/;

/** The encoding to answer an `Accept-Encoding` with: brotli, else gzip, else none (RFC 9110 §12.5.3). */
export function chooseEncoding(accept: string | null): 'br' | 'gzip' | null {
	if (!accept) return null;
	const weights = new Map<string, number>();
	for (const part of accept.split(',')) {
		const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
		if (!name) continue;
		const q = params.find((p) => p.startsWith('q='));
		const weight = q === undefined ? 1 : Number(q.slice(2));
		weights.set(name, Number.isFinite(weight) ? weight : 0);
	}
	const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
	const br = weight('br');
	const gz = weight('gzip');
	if (br > 0 && br >= gz) return 'br';
	if (gz > 0) return 'gzip';
	return null;
}

/** `body` compressed with `encoding`, off the event loop (zlib's thread pool). */
export async function compress(
	body: Buffer,
	encoding: 'br' | 'gzip',
	text = true
): Promise<Buffer<ArrayBuffer>> {
	const out = await (encoding === 'br'
		? brotli(body, {
				params: {
					// Quality 5: most of brotli's gain on JSON at a few milliseconds per megabyte; binary
					// roster pages are half the size and compress faster, so 7 costs less than 5 on the JSON.
					[constants.BROTLI_PARAM_QUALITY]: text ? 5 : 7,
					[constants.BROTLI_PARAM_MODE]: text
						? constants.BROTLI_MODE_TEXT
						: constants.BROTLI_MODE_GENERIC,
					[constants.BROTLI_PARAM_SIZE_HINT]: body.length
				}
			})
		: gzipped(body, { level: 6 }));
	// zlib's result never shares memory; as a copy-free view for Response.
	return Buffer.from(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength);
}

/** Compresses the console's bulky reads (JSON, binary roster pages) for clients that accept brotli or gzip. */
export const compressResponses: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const type = response.headers.get('content-type') ?? '';
	const text = type.startsWith('application/json');
	if (
		event.request.method !== 'GET' ||
		!COMPRESSED.test(event.url.pathname) ||
		!response.body ||
		response.headers.has('content-encoding') ||
		!(text || type === ROSTER_BINARY_TYPE)
	) {
		return response;
	}
	const headers = new Headers(response.headers);
	headers.append('vary', 'accept-encoding');
	const encoding = chooseEncoding(event.request.headers.get('accept-encoding'));
	const raw: Buffer<ArrayBuffer> = Buffer.from(await response.arrayBuffer());
	let body = raw;
	if (encoding && raw.length >= MIN_BYTES) {
		body = await compress(raw, encoding, text);
		headers.set('content-encoding', encoding);
	}
	headers.set('content-length', String(body.length));
	return new Response(body, { status: response.status, statusText: response.statusText, headers });
};
