import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, cleanText, describeIssues, requireArea } from '$lib/server/http';
import { decodeCursor, listUnmanaged } from '$lib/server/domains/unmanaged';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	q: z.string().max(200).transform(cleanText).optional(),
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	cursor: z.string().max(2000).optional()
});

/**
 * The unmanaged users across every verified domain (R3, R15), each person once, for the owner and
 * co-owners: `{total, users: [{id, email, name, domain, lastActiveAt}], next}`; pass `next` back as
 * `cursor` for the following page.
 */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	// Who asks comes first: a stranger learns nothing, not even what a valid query looks like.
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'domains');
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	const { q, limit, cursor } = parsed.data;
	const after = cursor ? decodeCursor(cursor) : null;
	if (cursor && !after) throw new ApiError(400, 'badRequest', 'cursor: not a cursor of this list');
	return json(await listUnmanaged(getDb(), enterprise.id, { q, limit, after }));
});
