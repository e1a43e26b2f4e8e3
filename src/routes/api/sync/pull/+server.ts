import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, describeIssues, requireArea } from '$lib/server/http';
import { pull } from '$lib/server/sync/pull';
import { syncID } from '$lib/domain/sync/protocol';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	enterpriseID: syncID('enterpriseID'),
	clientID: syncID('clientID'),
	cookie: z.coerce.number().int().min(0, 'cookie must be ≥ 0').default(0),
	after: z.coerce.number().int().min(0, 'after must be ≥ 0').optional(),
	licenses: z.enum(['chunked'], { error: 'licenses must be "chunked" when given' }).optional(),
	licensesSince: z.coerce
		.number()
		.int('licensesSince must be a whole number')
		.min(1, 'licensesSince must be ≥ 1')
		.optional(),
	activity: z.enum(['delta'], { error: 'activity must be "delta" when given' }).optional()
});

export const GET: RequestHandler = api(async ({ url, locals }) => {
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	await requireArea(locals, { id: parsed.data.enterpriseID }, 'settings');
	const { licenses, ...query } = parsed.data;
	const body = await pull(getDb(), {
		...query,
		userID: locals.user!.id,
		licensesChunked: licenses === 'chunked'
	});
	return json(body, { headers: { 'cache-control': 'no-store' } });
});
