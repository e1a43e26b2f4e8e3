import { scimEndpoint, readScimBody, methodNotAllowed } from '$lib/server/scim/endpoint';
import { deleteUser, getUser, patchUser, replaceUser } from '$lib/server/scim/users.service';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = scimEndpoint(async (ctx) => getUser(ctx, ctx.params.id!));

export const PUT: RequestHandler = scimEndpoint(async (ctx) =>
	replaceUser(ctx, ctx.params.id!, await readScimBody(ctx.request))
);

export const PATCH: RequestHandler = scimEndpoint(async (ctx) =>
	patchUser(ctx, ctx.params.id!, await readScimBody(ctx.request))
);

export const DELETE: RequestHandler = scimEndpoint(async (ctx) => deleteUser(ctx, ctx.params.id!));

export const fallback: RequestHandler = methodNotAllowed;
