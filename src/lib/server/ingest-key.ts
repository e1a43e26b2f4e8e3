import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { normalizeEmail } from '../domain/email';
import { ApiError, errorResponse } from './http';
import { log } from './log';

/**
 * The key API clients use when `INGEST_KEY` is unset outside production. Public on purpose: it only
 * lets a developer's own clients report activity to a development server.
 */
export const DEV_INGEST_KEY = 'roster-dev-ingest-key';

/** The shortest `INGEST_KEY` production accepts. */
export const MIN_INGEST_KEY_LENGTH = 16;

/** The API clients' activity key, and whether it is the development default. */
export interface IngestKey {
	key: string;
	development: boolean;
}

/**
 * The ingest key the environment names (ARCHITECTURE.md): `INGEST_KEY`, or the development default
 * when unset and `NODE_ENV` is not `production`. Production without a usable key throws, so the
 * server refuses to start rather than accept a key everybody knows.
 */
export function ingestKeyFromEnv(env: NodeJS.ProcessEnv = process.env): IngestKey {
	const key = env.INGEST_KEY?.trim();
	const production = env.NODE_ENV === 'production';
	if (key) {
		if (production && (key.length < MIN_INGEST_KEY_LENGTH || key === DEV_INGEST_KEY)) {
			throw new Error(
				`INGEST_KEY must be a secret of at least ${MIN_INGEST_KEY_LENGTH} characters in production (not the development default)`
			);
		}
		return { key, development: false };
	}
	if (production) {
		throw new Error(
			'INGEST_KEY is not set: production (NODE_ENV=production) needs the API clients\u2019 activity key, e.g. INGEST_KEY=$(openssl rand -hex 32)'
		);
	}
	return { key: DEV_INGEST_KEY, development: true };
}

const digest = (value: string) => createHash('sha256').update(value).digest();
let cached: { source: string | undefined; node: string | undefined; digest: Buffer } | undefined;

/** The digest of the current key, recomputed only when the environment changes (tests set it). */
function expectedDigest(): Buffer {
	const { INGEST_KEY: source, NODE_ENV: node } = process.env;
	if (!cached || cached.source !== source || cached.node !== node) {
		cached = { source, node, digest: digest(ingestKeyFromEnv().key) };
	}
	return cached.digest;
}

/** Checks startup configuration and prints the development key once (startup). */
export function announceIngestKey(): void {
	const { key, development } = ingestKeyFromEnv();
	expectedDigest();
	if (development) {
		log('warn', `INGEST_KEY is not set: API clients report activity with the development key`, {
			ingestKey: key
		});
	}
}

/**
 * Checks an `Authorization: Bearer <key>` header against the ingest key in constant time (both sides
 * hashed to the same length first); a missing or wrong key is a 401.
 */
export function requireIngestKey(authorization: string | null): void {
	const match = authorization ? /^Bearer[ ]+(\S+)\s*$/i.exec(authorization) : null;
	if (!match) {
		throw new ApiError(401, 'unauthorized', 'send the ingest key as `Authorization: Bearer <key>`');
	}
	if (!timingSafeEqual(digest(match[1]!), expectedDigest())) {
		throw new ApiError(401, 'unauthorized', 'the ingest key is not valid');
	}
}

/**
 * The 401 answer (with a `WWW-Authenticate` challenge for `realm`) when the request does not carry
 * the ingest key; undefined when it does.
 */
export function ingestKeyRefusal(request: Request, realm: string): Response | undefined {
	try {
		requireIngestKey(request.headers.get('authorization'));
	} catch (err) {
		if (err instanceof ApiError)
			return errorResponse(err, { 'www-authenticate': `Bearer realm="${realm}"` });
		throw err;
	}
	return undefined;
}

/** An email an API client sends (sign-up, sign-in): trimmed, an address, normalised. */
export const clientEmail = z
	.string()
	.trim()
	.max(320)
	.pipe(z.email('must be an email address'))
	.transform((e) => normalizeEmail(e));
