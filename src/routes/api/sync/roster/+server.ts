import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, describeIssues, requireArea } from '$lib/server/http';
import { MAX_ROSTER_PAGE, ROSTER_PAGE, rosterPage } from '$lib/server/sync/roster';
import { encodeRosterPage, ROSTER_BINARY_TYPE, ROSTER_FORMATS } from '$lib/domain/sync/roster-wire';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	enterpriseID: z.string().min(1, 'enterpriseID is required').max(100),
	after: z
		.string()
		.max(100, 'after is a user id')
		.regex(/^[A-Za-z0-9-]*$/, 'after is a user id')
		.default(''),
	through: z
		.string()
		.min(1, 'through is a user id')
		.max(100, 'through is a user id')
		.regex(/^[A-Za-z0-9-]*$/, 'through is a user id')
		.optional(),
	limit: z.coerce
		.number()
		.int('limit must be a whole number')
		.min(1, 'limit must be ≥ 1')
		.max(MAX_ROSTER_PAGE, `limit must be ≤ ${MAX_ROSTER_PAGE}`)
		.default(ROSTER_PAGE),
	format: z
		.enum(ROSTER_FORMATS, { message: `format must be ${ROSTER_FORMATS.join(' or ')}` })
		.default('json')
});

/**
 * A page of the licensed users, in columns, for the chunked initial sync (every console role, R2):
 * JSON, or with `format=binary` the same page in binary columns (the console's form).
 */
export const GET: RequestHandler = api(async ({ url, locals }) => {
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	await requireArea(locals, { id: parsed.data.enterpriseID }, 'licenses');
	const page = await rosterPage(getDb(), parsed.data);
	if (parsed.data.format === 'json')
		return json(page, { headers: { 'cache-control': 'no-store' } });
	return new Response(encodeRosterPage(page), {
		headers: { 'content-type': ROSTER_BINARY_TYPE, 'cache-control': 'no-store' }
	});
});
