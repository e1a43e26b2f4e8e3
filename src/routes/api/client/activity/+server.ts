import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError } from '$lib/server/http';
import { ingestKeyRefusal } from '$lib/server/ingest-key';
import { readActivityBody, readIdempotencyKey, recordActivity } from '$lib/server/activity.service';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

/**
 * "App opened" events from the API clients (R19), with the deployment's ingest key. Answers
 * `{accepted, ignored, ignoredBy}` once the events are durable; events of unknown emails, from the
 * future or before tracking began, and repeats are ignored and counted. With an `Idempotency-Key`,
 * a retried request stores nothing twice and gets the first answer (`replayed: true`); the same key
 * with another body is refused (422).
 */
export const POST: RequestHandler = api(async ({ request, locals }) => {
	const refused = ingestKeyRefusal(request, 'roster-activity');
	if (refused) return refused;
	const key = readIdempotencyKey(request);
	const batch = await readActivityBody(request, Date.now());
	const events = batch.events;
	try {
		return json(await recordActivity(getDb(), batch, key));
	} catch (err) {
		// The client's own mistake (an Idempotency-Key reused with another body): its answer.
		if (err instanceof ApiError) throw err;
		log('error', 'activity ingestion failed', {
			requestID: locals.requestID,
			events: events.length,
			err: err instanceof Error ? err.message : String(err)
		});
		throw new ApiError(503, 'unavailable', 'activity could not be recorded right now; retry later');
	}
});
