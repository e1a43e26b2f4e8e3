import { scimEndpoint, methodNotAllowed } from '$lib/server/scim/endpoint';
import { getServiceProviderConfig } from '$lib/server/scim/discovery';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = scimEndpoint(async (ctx) =>
	getServiceProviderConfig(ctx.baseURL)
);

export const fallback: RequestHandler = methodNotAllowed;
