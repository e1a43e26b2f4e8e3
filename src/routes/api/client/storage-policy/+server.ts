import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, describeIssues } from '$lib/server/http';
import { ingestKeyRefusal } from '$lib/server/ingest-key';
import { clientStoragePolicy } from '$lib/server/storage-policy.service';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	email: z
		.string({ error: 'email is required' })
		.trim()
		.max(320)
		.pipe(z.email('email must be an email address')),
	orgID: z
		.string({ error: 'orgID is required' })
		.regex(/^[A-Za-z0-9-]{1,100}$/, 'orgID is an organization id')
});

/**
 * The storage types a user may use for new projects in an organization (R17), for the vendor's API
 * clients (the deployment's ingest key, like activity).
 */
export const GET: RequestHandler = api(async ({ request, url }) => {
	const refused = ingestKeyRefusal(request, 'roster-client');
	if (refused) return refused;
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	const answer = await clientStoragePolicy(getDb(), parsed.data.email, parsed.data.orgID);
	if (!answer) throw new ApiError(404, 'notFound', 'no organization has this id');
	return json(answer, { headers: { 'cache-control': 'no-store' } });
});
