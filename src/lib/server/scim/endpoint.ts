import type { RequestEvent } from '@sveltejs/kit';
import { getDb, type Db } from '../db';
import { log } from '../log';
import { ApiError, readBodyText } from '../http';
import {
	databaseCause,
	DATABASE_UNAVAILABLE_MESSAGE,
	isDatabaseUnavailable
} from '../db/unavailable';
import { ScimError, scimErrorResponse } from './errors';
import { authenticate, REQUEST_LOG_SIZE } from './tokens.service';
import { keyReachesPrototype } from './patch';

/** Everything a SCIM handler needs: the database, the token's enterprise, the request. */
export interface ScimContext {
	database: Db;
	enterpriseID: string;
	request: Request;
	url: URL;
	params: Record<string, string>;
	/** `https://host/scim/v2`, for Location and meta.location. */
	baseURL: string;
}

// Entra sends a group's 10,000 members in one body at most; anything far beyond is not an IdP.
const MAX_BODY_BYTES = 2_000_000;

/** Reads a JSON body (application/scim+json or application/json); 400/413 as SCIM errors. */
export async function readScimBody(request: Request): Promise<unknown> {
	let text: string;
	try {
		text = await readBodyText(request, MAX_BODY_BYTES);
	} catch (err) {
		if (err instanceof ApiError && err.status === 413) throw new ScimError(413, err.message);
		throw err;
	}
	if (!text.trim()) throw new ScimError(400, 'the request needs a JSON body', 'invalidSyntax');
	let unsafe: string | undefined;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text, (key, value: unknown) => {
			// No SCIM attribute is named __proto__, constructor or prototype; a body that uses one is
			// aiming at Object.prototype (scim-patch 0.8.3 writes through such names).
			if (unsafe === undefined && keyReachesPrototype(key)) unsafe = key;
			return value;
		}) as unknown;
	} catch {
		throw new ScimError(400, 'the request body is not valid JSON', 'invalidSyntax');
	}
	if (unsafe !== undefined) {
		throw new ScimError(
			400,
			`"${unsafe.slice(0, 100)}" is not an attribute Roster supports`,
			'invalidPath'
		);
	}
	return parsed;
}

/** Keeps the last requests of an enterprise (R23): method, path, status, time. */
async function record(
	{ db }: Db,
	enterpriseID: string,
	tokenID: string,
	method: string,
	path: string,
	status: number,
	at: number
) {
	await db
		.insertInto('scim_requests')
		.values({ enterprise_id: enterpriseID, method, path: path.slice(0, 500), status, at })
		.execute();
	const cutoff = await db
		.selectFrom('scim_requests')
		.select('id')
		.where('enterprise_id', '=', enterpriseID)
		.orderBy('id', 'desc')
		.offset(REQUEST_LOG_SIZE)
		.limit(1)
		.executeTakeFirst();
	if (cutoff) {
		await db
			.deleteFrom('scim_requests')
			.where('enterprise_id', '=', enterpriseID)
			.where('id', '<=', cutoff.id)
			.execute();
	}
	await db.updateTable('scim_tokens').set({ last_used_at: at }).where('id', '=', tokenID).execute();
}

/**
 * Wraps a SCIM handler: bearer-token auth (401 with a SCIM error otherwise), SCIM errors as RFC
 * 7644 §3.12 bodies, anything unforeseen as a logged 500, and every authenticated request written
 * to the enterprise's request log.
 */
export function scimEndpoint(
	handler: (ctx: ScimContext) => Promise<Response>
): (event: Pick<RequestEvent, 'request' | 'url' | 'params'>) => Promise<Response> {
	return async (event) => {
		const database = getDb();
		const started = Date.now();
		let auth: { enterpriseID: string; tokenID: string };
		try {
			auth = await authenticate(database, event.request.headers.get('authorization'), started);
		} catch (err) {
			if (err instanceof ScimError) return scimErrorResponse(err);
			if (isDatabaseUnavailable(err)) return unavailable(err);
			throw err;
		}
		let response: Response;
		try {
			response = await handler({
				database,
				enterpriseID: auth.enterpriseID,
				request: event.request,
				url: event.url,
				params: event.params as Record<string, string>,
				baseURL: `${event.url.origin}/scim/v2`
			});
		} catch (err) {
			if (err instanceof ScimError) response = scimErrorResponse(err);
			else if (isConstraintError(err)) {
				response = scimErrorResponse(
					new ScimError(409, 'the change conflicts with the current data', 'uniqueness')
				);
			} else if (isDatabaseUnavailable(err)) {
				response = unavailable(err);
			} else {
				log('error', 'scim handler failed', {
					path: event.url.pathname,
					err: err instanceof Error ? err.stack : String(err)
				});
				response = scimErrorResponse(new ScimError(500, 'something went wrong on our side'));
			}
		}
		let path = event.url.pathname + event.url.search;
		try {
			path = decodeURIComponent(path);
		} catch {
			// logged as sent
		}
		// eslint-disable-next-line no-control-regex
		path = path.replace(/[\u0000-\u001f\u007f]/g, '\uFFFD');
		// The log never fails the request it describes.
		await record(
			database,
			auth.enterpriseID,
			auth.tokenID,
			event.request.method,
			path,
			response.status,
			started
		).catch((err: Error) => log('warn', 'scim request log failed', { err: err.message }));
		return response;
	};
}

/** A full or unreachable database: a SCIM 503 the IdP retries, with the cause logged. */
function unavailable(err: unknown): Response {
	log('error', 'database unavailable', { cause: databaseCause(err) });
	return scimErrorResponse(new ScimError(503, DATABASE_UNAVAILABLE_MESSAGE));
}

function isConstraintError(err: unknown): boolean {
	const message = err instanceof Error ? err.message : '';
	return /unique|constraint|duplicate key/i.test(message);
}

/** A method an endpoint does not take: a SCIM 405 (after the token check, like every request). */
export const methodNotAllowed = scimEndpoint(async (ctx) => {
	throw new ScimError(
		405,
		`${ctx.request.method} is not supported at ${ctx.url.pathname.slice(0, 200)}`
	);
});

/** What one SCIM resource kind does to the resource an id names. */
export interface ScimResource {
	get(ctx: ScimContext, id: string): Promise<Response>;
	replace(ctx: ScimContext, id: string, body: unknown): Promise<Response>;
	patch(ctx: ScimContext, id: string, body: unknown): Promise<Response>;
	remove(ctx: ScimContext, id: string): Promise<Response>;
}

/** The handlers of `/scim/v2/<kind>/[id]`: GET, PUT, PATCH and DELETE, and a 405 for the rest. */
export function scimResourceEndpoints(resource: ScimResource) {
	return {
		GET: scimEndpoint(async (ctx) => resource.get(ctx, ctx.params.id!)),
		PUT: scimEndpoint(async (ctx) =>
			resource.replace(ctx, ctx.params.id!, await readScimBody(ctx.request))
		),
		PATCH: scimEndpoint(async (ctx) =>
			resource.patch(ctx, ctx.params.id!, await readScimBody(ctx.request))
		),
		DELETE: scimEndpoint(async (ctx) => resource.remove(ctx, ctx.params.id!)),
		fallback: methodNotAllowed
	};
}
