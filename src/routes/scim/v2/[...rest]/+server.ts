import { ScimError } from '$lib/server/scim/errors';
import { scimEndpoint } from '$lib/server/scim/endpoint';
import type { RequestHandler } from './$types';

/** Anything else under /scim/v2 is a SCIM 404, after the token is checked like everywhere else. */
export const fallback: RequestHandler = scimEndpoint(async (ctx) => {
	throw new ScimError(404, `no SCIM endpoint at ${ctx.url.pathname.slice(0, 200)}`);
});
