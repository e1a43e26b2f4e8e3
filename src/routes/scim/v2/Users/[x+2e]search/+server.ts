import { scimEndpoint, readScimBody, methodNotAllowed } from '$lib/server/scim/endpoint';
import { searchUsers } from '$lib/server/scim/search';
import type { RequestHandler } from './$types';

/** RFC 7644 §3.4.3: a query sent as a POST body. */
export const POST: RequestHandler = scimEndpoint(async (ctx) =>
	searchUsers(ctx, await readScimBody(ctx.request))
);

export const fallback: RequestHandler = methodNotAllowed;
