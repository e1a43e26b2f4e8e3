import { scimEndpoint, methodNotAllowed } from '$lib/server/scim/endpoint';
import { getSchemas } from '$lib/server/scim/discovery';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = scimEndpoint(async (ctx) => getSchemas(ctx.baseURL));

export const fallback: RequestHandler = methodNotAllowed;
