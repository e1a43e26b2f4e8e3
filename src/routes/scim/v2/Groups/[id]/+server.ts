import { scimEndpoint, readScimBody, methodNotAllowed } from '$lib/server/scim/endpoint';
import { deleteGroup, getGroup, patchGroup, replaceGroup } from '$lib/server/scim/groups.service';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = scimEndpoint(async (ctx) => getGroup(ctx, ctx.params.id!));

export const PUT: RequestHandler = scimEndpoint(async (ctx) =>
	replaceGroup(ctx, ctx.params.id!, await readScimBody(ctx.request))
);

export const PATCH: RequestHandler = scimEndpoint(async (ctx) =>
	patchGroup(ctx, ctx.params.id!, await readScimBody(ctx.request))
);

export const DELETE: RequestHandler = scimEndpoint(async (ctx) => deleteGroup(ctx, ctx.params.id!));

export const fallback: RequestHandler = methodNotAllowed;
