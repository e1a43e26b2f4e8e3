import { json, type Handle } from '@sveltejs/kit';
import {
	databaseCause,
	DATABASE_UNAVAILABLE_MESSAGE,
	isDatabaseUnavailable
} from './db/unavailable';
import { ERROR_SCHEMA, SCIM_CONTENT_TYPE } from './scim/errors';
import { log } from './log';
import { bodyLeftUnread } from './http';

/**
 * A full or unreachable database met by a hook (the session lookup that slides the session's
 * expiry) answers 503 in the shape of its path, with the cause logged, instead of a 500 with a
 * stack. Endpoints map their own (`api()`, the SCIM endpoint).
 */
export const databaseUnavailableHandle: Handle = async ({ event, resolve }) => {
	try {
		return await resolve(event);
	} catch (err) {
		if (!isDatabaseUnavailable(err)) throw err;
		log('error', 'database unavailable', {
			requestID: event.locals.requestID,
			path: event.url.pathname,
			cause: databaseCause(err)
		});
		const headers = { 'retry-after': '30' };
		const { pathname } = event.url;
		if (pathname.startsWith('/scim/')) {
			const body = { schemas: [ERROR_SCHEMA], status: '503', detail: DATABASE_UNAVAILABLE_MESSAGE };
			return new Response(JSON.stringify(body), {
				status: 503,
				headers: { ...headers, 'content-type': SCIM_CONTENT_TYPE }
			});
		}
		if (pathname.startsWith('/api/') || pathname === '/readyz' || pathname === '/healthz') {
			return json(
				{ error: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE },
				{ status: 503, headers }
			);
		}
		return new Response(DATABASE_UNAVAILABLE_MESSAGE, {
			status: 503,
			headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }
		});
	}
};

/**
 * A refused body left partly unread (far over its limit) leaves the connection mid-request: the
 * client is told to open a new one for its next request.
 */
export const closeAfterRefusedBody: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (response.status === 413 && bodyLeftUnread(event.request)) {
		response.headers.set('connection', 'close');
	}
	return response;
};

/**
 * What `handleError` says and logs about an error SvelteKit caught: a full or unreachable database
 * and a body over adapter-node's BODY_SIZE_LIMIT are not bugs, so they get a plain message and a log
 * line without a stack; anything else is logged as an unhandled error.
 */
export function describeServerError(
	error: unknown,
	status: number
): { level: 'warn' | 'error'; msg: string; fields: Record<string, unknown>; body?: App.Error } {
	if (isDatabaseUnavailable(error)) {
		return {
			level: 'error',
			msg: 'database unavailable',
			fields: { cause: databaseCause(error) },
			body: { error: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE }
		};
	}
	if (status === 413) {
		return {
			level: 'warn',
			msg: 'request body too large',
			fields: { cause: error instanceof Error ? error.message : String(error) },
			body: { error: 'payloadTooLarge', message: 'the request body is too large' }
		};
	}
	return {
		level: 'error',
		msg: 'unhandled error',
		fields: { err: error instanceof Error ? error.stack : String(error) }
	};
}
