import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, readJson } from '$lib/server/http';
import { clientEmail, ingestKeyRefusal } from '$lib/server/ingest-key';
import { clientSignIn } from '$lib/server/auth/client-sign-in';
import type { RequestHandler } from './$types';

const bodySchema = z.object({ email: clientEmail });

/**
 * A user signed in to the API client (R14, R19), reported by the vendor's client with the ingest
 * key. 200 `{userID, licensedIn}`: licensed in each enterprise that captures their email's domain
 * and has a free seat; 404 `unknownUser` for an email with no account.
 */
export const POST: RequestHandler = api(async ({ request }) => {
	const refused = ingestKeyRefusal(request, 'roster-client');
	if (refused) return refused;
	const { email } = await readJson(request, bodySchema);
	const signedIn = await clientSignIn(getDb(), email);
	if (!signedIn) throw new ApiError(404, 'unknownUser', `${email} has no account; sign up first`);
	return json(signedIn);
});
