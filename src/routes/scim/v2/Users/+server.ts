import { scimEndpoint, readScimBody, methodNotAllowed } from '$lib/server/scim/endpoint';
import { createUser, listUsers } from '$lib/server/scim/users.service';
import { listQuery } from '$lib/server/scim/resource';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = scimEndpoint(async (ctx) => listUsers(ctx, listQuery(ctx.url)));

export const POST: RequestHandler = scimEndpoint(async (ctx) =>
	createUser(ctx, await readScimBody(ctx.request))
);

export const fallback: RequestHandler = methodNotAllowed;
