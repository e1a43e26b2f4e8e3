import { randomUUID } from 'node:crypto';
import { json, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { dev } from '$app/environment';
import { getDb } from '$lib/server/db';
import { resolveSession, SESSION_COOKIE } from '$lib/server/auth/session';
import { startServer } from '$lib/server/startup';
import { log } from '$lib/server/log';
import { warnUntrustedForwarding } from '$lib/server/proxy-address';
import { hardenPrototypes } from '$lib/server/harden';
import { originCheck } from '$lib/server/origin-check';
import { compressResponses } from '$lib/server/compression';
import {
	closeAfterRefusedBody,
	databaseUnavailableHandle,
	describeServerError
} from '$lib/server/error-handles';

export const init: ServerInit = async () => {
	// The built server freezes the shared prototypes before it serves anything (defence in depth
	// against prototype pollution); Vite's dev server shares its process, so dev leaves them be.
	if (!dev) {
		hardenPrototypes();
		log('info', 'prototypes frozen');
	}
	// Vite's dev server handles its own signals; the adapter-node build shuts down gracefully.
	await startServer({ gracefulShutdown: !dev });
};

/** Probes a load balancer sends every few seconds: logged only when they fail. */
const PROBES = new Set(['/healthz', '/readyz']);

const requestContext: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	const given = event.request.headers.get('x-request-id');
	event.locals.requestID = given && /^[\w.:-]{1,64}$/.test(given) ? given : randomUUID();
	let response = await resolve(event);
	if (response.status === 405 && event.url.pathname.startsWith('/api/')) {
		// Every API error is JSON, including a method the endpoint does not take.
		const allow = response.headers.get('allow') ?? '';
		const message = `${event.request.method} is not allowed here; use ${allow}`;
		response = json({ error: 'methodNotAllowed', message }, { status: 405, headers: { allow } });
	}
	response.headers.set('x-request-id', event.locals.requestID);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	const { pathname } = event.url;
	if (response.status >= 400 || !PROBES.has(pathname)) {
		// One access line per request (time to response headers; an SSE stream stays open after it).
		log(response.status >= 500 ? 'error' : 'info', 'request', {
			requestID: event.locals.requestID,
			method: event.request.method,
			path: pathname,
			status: response.status,
			ms: Math.round(performance.now() - started),
			userID: event.locals.user?.id
		});
	}
	return response;
};

const session: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.sessionSecret = null;
	event.locals.sessionOrigin = null;
	const secret = event.cookies.get(SESSION_COOKIE);
	if (secret) {
		const found = await resolveSession(getDb(), secret);
		if (found) {
			event.locals.user = found.user;
			event.locals.sessionSecret = secret;
			event.locals.sessionOrigin = found.origin;
		} else {
			event.cookies.delete(SESSION_COOKIE, { path: '/' });
		}
	}
	return resolve(event);
};

export const handle = sequence(
	requestContext,
	compressResponses,
	originCheck,
	closeAfterRefusedBody,
	databaseUnavailableHandle,
	warnUntrustedForwarding,
	session
);

export const handleError: HandleServerError = ({ error, event, status, message }) => {
	if (status === 404) return { message: 'Not found' };
	const described = describeServerError(error, status);
	log(described.level, described.msg, {
		requestID: event.locals.requestID,
		path: event.url.pathname,
		status,
		...described.fields
	});
	if (described.body) return { ...described.body, requestID: event.locals.requestID };
	return {
		message: status >= 500 ? 'Something went wrong on our side' : message,
		requestID: event.locals.requestID
	};
};
