import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, cleanText, describeIssues, requireArea } from '$lib/server/http';
import { listUnclaimed, unclaimedCsv } from '$lib/server/domains/unclaimed';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	q: z.string().max(200).transform(cleanText).optional(),
	offset: z.coerce.number().int().min(0).default(0),
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	format: z.enum(['json', 'csv']).default('json')
});

/**
 * A domain's unclaimed accounts (R15), for the owner and co-owners: `{domain, total, offset, limit,
 * users}`, or with `format=csv` every one of them as a CSV download (R21).
 */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'domains');
	const { q, offset, limit, format } = parsed.data;
	if (format === 'csv') {
		const { domain, csv } = await unclaimedCsv(getDb(), enterprise.id, params.domainID, q);
		return new Response(csv, {
			headers: {
				'content-type': 'text/csv; charset=utf-8',
				'content-disposition': `attachment; filename="unclaimed-${domain}.csv"`,
				'cache-control': 'no-store'
			}
		});
	}
	return json(await listUnclaimed(getDb(), enterprise.id, params.domainID, { q, offset, limit }));
});
