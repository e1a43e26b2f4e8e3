import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, cleanText, describeIssues, requireArea } from '$lib/server/http';
import { listLicensedUsers, seatUsageOf } from '$lib/server/licenses.service';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	q: z.string().max(200).transform(cleanText).optional(),
	offset: z.coerce.number().int().min(0).default(0),
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	sort: z.enum(['last-active-desc', 'last-active-asc', 'email']).default('last-active-desc')
});

export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'licenses');
	const database = getDb();
	const [seats, page] = await Promise.all([
		seatUsageOf(database, enterprise.id),
		listLicensedUsers(database, enterprise.id, { query: parsed.data.q, ...parsed.data })
	]);
	return json({ seats, ...page });
});
