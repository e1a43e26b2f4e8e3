import { scimEndpoint, readScimBody, methodNotAllowed } from '$lib/server/scim/endpoint';
import { createGroup, listGroups } from '$lib/server/scim/groups.service';
import { listQuery } from '$lib/server/scim/resource';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = scimEndpoint(async (ctx) => listGroups(ctx, listQuery(ctx.url)));

export const POST: RequestHandler = scimEndpoint(async (ctx) =>
	createGroup(ctx, await readScimBody(ctx.request))
);

export const fallback: RequestHandler = methodNotAllowed;
