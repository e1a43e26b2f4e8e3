import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, errorResponse, readJson } from '$lib/server/http';
import { requireIngestKey } from '$lib/server/ingest-key';
import { clientSignIn } from '$lib/server/auth/client-sign-in';
import { normalizeEmail } from '$lib/domain/email';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	email: z
		.string()
		.trim()
		.max(320)
		.pipe(z.email('must be an email address'))
		.transform((e) => normalizeEmail(e))
});

/**
 * A user signed in to the API client (R14, R19), reported by the vendor's client with the ingest
 * key. 200 `{userID, licensedIn}`: licensed in each enterprise that captures their email's domain
 * and has a free seat; 404 `unknownUser` for an email with no account.
 */
export const POST: RequestHandler = api(async ({ request }) => {
	try {
		requireIngestKey(request.headers.get('authorization'));
	} catch (err) {
		if (err instanceof ApiError)
			return errorResponse(err, { 'www-authenticate': 'Bearer realm="roster-client"' });
		throw err;
	}
	const { email } = await readJson(request, bodySchema);
	const signedIn = await clientSignIn(getDb(), email);
	if (!signedIn) throw new ApiError(404, 'unknownUser', `${email} has no account; sign up first`);
	return json(signedIn);
});
