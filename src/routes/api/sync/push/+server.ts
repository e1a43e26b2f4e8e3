import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError, readJson, requireArea } from '$lib/server/http';
import { pushBodySchema } from '$lib/domain/sync/protocol';
import { push } from '$lib/server/sync/push';
import { log } from '$lib/server/log';
import { databaseCause } from '$lib/server/db/unavailable';
import { emailLinkOrigin } from '$lib/server/mail/config';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ request, locals }) => {
	const body = await readJson(request, pushBodySchema);
	// Every console role may push; each mutation then checks the role for its own area (R2).
	const member = await requireArea(locals, { id: body.enterpriseID }, 'settings');
	// A queue is its own admin's (R2): one planted in another admin's mirror on a shared browser
	// is never applied under this session's name. (push() also refuses a client another admin
	// registered.)
	if (body.userID !== undefined && body.userID !== locals.user!.id) {
		throw new ApiError(403, 'forbidden', 'these changes were queued by another admin');
	}
	let outcome;
	try {
		outcome = await push(getDb(), body, {
			userID: locals.user!.id,
			role: member.role,
			// Invite emails link to ORIGIN only; without it none is sent (R5: the link is copied).
			linkOrigin: emailLinkOrigin() ?? undefined
		});
	} catch (err) {
		// Nothing past the last committed mutation advanced; the client retries with backoff.
		log('error', 'push failed', {
			requestID: locals.requestID,
			err: databaseCause(err)
		});
		throw new ApiError(
			503,
			'unavailable',
			'the server could not apply changes right now; they stay queued'
		);
	}
	if (!outcome.ok) return json(outcome.body, { status: outcome.status });
	return json({ results: outcome.results });
});
