import { json } from '@sveltejs/kit';
import type { z } from 'zod';
import { getDb } from './db';
import { membershipIn, type EnterpriseMembership } from './enterprises.service';
import { canAccess, canUseConsole, type ConsoleArea } from '../domain/roles';
import { PASSWORD_SESSION, type SessionUser } from './auth/session';
import { sessionRefusal } from './auth/reach';
import {
	databaseCause,
	DATABASE_UNAVAILABLE_MESSAGE,
	isDatabaseUnavailable
} from './db/unavailable';
import { log } from './log';

/** An error a handler returns to the client as `{error, message, details?}` with a status. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly details?: unknown
	) {
		super(message);
	}
}

/** Turns an ApiError into its JSON response. */
export function errorResponse(err: ApiError, headers?: HeadersInit): Response {
	const body: Record<string, unknown> = { error: err.code, message: err.message };
	if (err.details !== undefined) body.details = err.details;
	return json(body, { status: err.status, headers });
}

/** Describes the first problem zod found, naming the field. */
export function describeIssues(error: z.ZodError): {
	message: string;
	fields: { path: string; message: string }[];
} {
	const fields = error.issues.map((i) => ({
		path: i.path.join('.') || '(body)',
		message: i.message
	}));
	const first = fields[0];
	return {
		message: first ? `${first.path}: ${first.message}` : 'invalid request body',
		fields
	};
}

/** Removes characters no database column may hold (PostgreSQL refuses NUL in text). */
export function cleanText(value: string): string {
	return value.replaceAll(String.fromCharCode(0), '');
}

/** The largest JSON body the console API reads (a push of a long offline session). */
export const MAX_JSON_BODY_BYTES = 5_000_000;

/** The 413 every body reader answers: `{error: 'payloadTooLarge', message}`. */
export function payloadTooLarge(limit: number, hint = ''): ApiError {
	return new ApiError(
		413,
		'payloadTooLarge',
		`the request body is larger than ${limit} bytes${hint ? `; ${hint}` : ''}`
	);
}

/** adapter-node's own size check (BODY_SIZE_LIMIT) fails the body stream with a 413 of its own. */
function isAdapterTooLarge(err: unknown): boolean {
	return (err as { status?: unknown } | null)?.status === 413;
}

/** How much more of a body over its limit is read and dropped so the client sees the 413. */
const DRAIN_BYTES = 1_000_000;

/** Requests whose refused body was left partly unread: their connection cannot be reused. */
const leftUnread = new WeakSet<Request>();

/** Whether a refused body was left partly unread, so the response must close the connection. */
export function bodyLeftUnread(request: Request): boolean {
	return leftUnread.has(request);
}

/**
 * Reads and drops what is left of a refused body, up to `until` more bytes, so a client that sent a
 * little too much has finished sending when it gets the 413 (closing the connection under a client
 * still sending resets it before it reads the answer). Beyond that it stops: false.
 */
async function discardRest(
	reader: ReadableStreamDefaultReader<Uint8Array>,
	until: number
): Promise<boolean> {
	try {
		for (let size = 0; ;) {
			const { done, value } = await reader.read();
			if (done) return true;
			size += value.byteLength;
			if (size > until) break;
		}
	} catch {
		// adapter-node's own limit: it keeps reading and dropping the rest itself.
		return true;
	}
	await reader.cancel().catch(() => {});
	return false;
}

/**
 * Reads a request body as UTF-8 text, at most `limit` bytes: it stops reading as soon as the body
 * is over (a declared length over it is refused before reading). Over the limit, ours or the
 * adapter's BODY_SIZE_LIMIT, it is the same 413.
 */
export async function readBodyText(request: Request, limit: number, hint = ''): Promise<string> {
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (!request.body) return '';
	const reader = request.body.getReader();
	if (declared > limit) {
		// A little over is drained so the client is done sending when it is told; more is not read.
		const drained =
			declared <= limit + DRAIN_BYTES && (await discardRest(reader, DRAIN_BYTES + limit));
		if (!drained) leftUnread.add(request);
		throw payloadTooLarge(limit, hint);
	}
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await reader.read();
		} catch (err) {
			if (isAdapterTooLarge(err)) {
				throw new ApiError(
					413,
					'payloadTooLarge',
					"the request body is larger than the server's BODY_SIZE_LIMIT allows"
				);
			}
			throw err;
		}
		if (chunk.done) break;
		size += chunk.value.byteLength;
		if (size > limit) {
			if (!(await discardRest(reader, DRAIN_BYTES))) leftUnread.add(request);
			throw payloadTooLarge(limit, hint);
		}
		chunks.push(chunk.value);
	}
	// As request.text() does: UTF-8, a leading byte-order mark dropped (some clients send one).
	return new TextDecoder().decode(Buffer.concat(chunks, size));
}

/** Parses a JSON body with a schema; bad JSON or fields become a 400 that names the field. */
export async function readJson<S extends z.ZodType>(
	request: Request,
	schema: S
): Promise<z.infer<S>> {
	let body: unknown;
	const text = await readBodyText(request, MAX_JSON_BODY_BYTES);
	try {
		body = JSON.parse(text);
	} catch {
		throw new ApiError(400, 'badRequest', 'request body must be valid JSON');
	}
	const parsed = schema.safeParse(body);
	if (!parsed.success) {
		const { message, fields } = describeIssues(parsed.error);
		throw new ApiError(400, 'badRequest', message, { fields });
	}
	return parsed.data;
}

/** The signed-in user, or a 401. */
export function requireUser(locals: App.Locals): SessionUser {
	if (!locals.user) throw new ApiError(401, 'unauthorized', 'sign in first');
	return locals.user;
}

/**
 * The caller's membership in an enterprise, checked for a console area (R2): 401 without a session,
 * 403 for another enterprise (whether or not it exists) or a role that may not use the area.
 */
export async function requireArea(
	locals: App.Locals,
	enterprise: { id: string } | { slug: string },
	area: ConsoleArea
): Promise<EnterpriseMembership> {
	const user = requireUser(locals);
	// Ids are UUIDs and slugs are [a-z0-9-]; anything else names no enterprise (and must not reach SQL
	// with bytes PostgreSQL refuses, such as NUL).
	const key = 'id' in enterprise ? enterprise.id : enterprise.slug;
	if (!/^[A-Za-z0-9-]{1,100}$/.test(key)) {
		throw new ApiError(403, 'forbidden', 'you do not have access to this enterprise');
	}
	const membership = await membershipIn(getDb(), user.id, enterprise);
	if (!membership || !canUseConsole(membership.role)) {
		throw new ApiError(403, 'forbidden', 'you do not have access to this enterprise');
	}
	// Answered as signed out for this enterprise: the session may not act here (SSO made for
	// another enterprise, or a password where SSO is required), though the account may.
	const refusal = await sessionRefusal(
		getDb(),
		locals.sessionOrigin ?? PASSWORD_SESSION,
		membership
	);
	if (refusal) throw new ApiError(401, 'signInRequired', refusal);
	if (!canAccess(membership.role, area)) {
		throw new ApiError(403, 'forbidden', `the ${membership.role} role cannot use ${area}`);
	}
	return membership;
}

/** The 503 of a database that is full or unreachable, with the cause logged (not as a bug). */
export function databaseUnavailable(err: unknown, requestID?: string): ApiError {
	log('error', 'database unavailable', { requestID, cause: databaseCause(err) });
	return new ApiError(503, 'unavailable', DATABASE_UNAVAILABLE_MESSAGE);
}

/**
 * Wraps an API handler so ApiErrors become JSON responses, and a full or unreachable database a
 * 503 (the client may retry) instead of a 500.
 */
export function api<E extends { locals: App.Locals }>(
	handler: (event: E) => Promise<Response>
): (event: E) => Promise<Response> {
	return async (event) => {
		try {
			return await handler(event);
		} catch (err) {
			if (err instanceof ApiError) return errorResponse(err);
			if (isDatabaseUnavailable(err)) {
				return errorResponse(databaseUnavailable(err, event.locals?.requestID));
			}
			throw err;
		}
	};
}
