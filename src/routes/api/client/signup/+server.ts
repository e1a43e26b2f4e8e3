import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, readJson } from '$lib/server/http';
import { clientEmail, ingestKeyRefusal } from '$lib/server/ingest-key';
import { signUp, SignUpRefused } from '$lib/server/sync/capture';
import { hasControlCharacter, NO_CONTROL_CHARACTERS } from '$lib/domain/text';
import type { RequestHandler } from './$types';

const bodySchema = z.object({
	email: clientEmail,
	// R26: refused, not cleaned: the API client shows the message, and stores nothing it did not mean.
	name: z
		.string({ error: 'name is required' })
		.refine((s) => !hasControlCharacter(s), NO_CONTROL_CHARACTERS)
		.pipe(z.string().trim().min(1, 'name is required').max(200))
});

/**
 * A new user signs up in the API client (R14), called by the vendor's client with the ingest key.
 * 201 `{userID, licensedIn}`: licensed in each enterprise that captures their email's domain.
 * 409 `needsSeats` when such an enterprise has no free seat (nobody is created), 409
 * `alreadyRegistered` for a known email.
 */
export const POST: RequestHandler = api(async ({ request }) => {
	const refused = ingestKeyRefusal(request, 'roster-client');
	if (refused) return refused;
	const body = await readJson(request, bodySchema);
	try {
		return json(await signUp(getDb(), body), { status: 201 });
	} catch (err) {
		if (err instanceof SignUpRefused) throw new ApiError(409, err.code, err.message, err.details);
		throw err;
	}
});
