import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, readJson, requireArea } from '$lib/server/http';
import { ScimError } from '$lib/server/scim/errors';
import {
	issueToken,
	revokeToken,
	scimOverview,
	setScimEnabled,
	TOKEN_EXPIRIES
} from '$lib/server/scim/tokens.service';
import type { RequestHandler } from './$types';

const actionSchema = z.discriminatedUnion('action', [
	z.object({ action: z.literal('enable') }),
	z.object({ action: z.literal('disable') }),
	z.object({ action: z.literal('generate'), expiry: z.enum(TOKEN_EXPIRIES) }),
	z.object({
		action: z.literal('rotate'),
		tokenID: z.string().uuid(),
		expiry: z.enum(TOKEN_EXPIRIES)
	}),
	z.object({ action: z.literal('revoke'), tokenID: z.string().uuid() })
]);

/** The SCIM page: enabled, base URL, token metadata (never a secret), the last 100 requests (R23). */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'scim');
	const overview = await scimOverview(getDb(), enterprise.id);
	return json({ ...overview, baseURL: `${url.origin}/scim/v2` });
});

/**
 * Enable/disable SCIM (enable needs a verified domain), generate, rotate or revoke a token. A new
 * token is in this response only, once (R23). Owner and co-owners only (R2).
 */
export const POST: RequestHandler = api(async ({ locals, params, request, url }) => {
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'scim');
	const body = await readJson(request, actionSchema);
	const database = getDb();
	const actor = { userID: locals.user!.id };
	try {
		switch (body.action) {
			case 'enable':
			case 'disable':
				await setScimEnabled(database, enterprise.id, body.action === 'enable', actor);
				break;
			case 'revoke':
				await revokeToken(database, enterprise.id, body.tokenID, actor);
				break;
			case 'generate':
			case 'rotate': {
				const issued = await issueToken(database, enterprise.id, body.expiry, actor, {
					replaces: body.action === 'rotate' ? body.tokenID : undefined
				});
				return json(
					{ ...issued, baseURL: `${url.origin}/scim/v2` },
					{ status: 201, headers: { 'cache-control': 'no-store' } }
				);
			}
		}
	} catch (err) {
		if (err instanceof ScimError) {
			throw new ApiError(err.status, err.status === 404 ? 'notFound' : 'conflict', err.message);
		}
		throw err;
	}
	const overview = await scimOverview(database, enterprise.id);
	return json({ ...overview, baseURL: `${url.origin}/scim/v2` });
});
