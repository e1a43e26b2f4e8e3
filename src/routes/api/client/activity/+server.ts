import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError, errorResponse } from '$lib/server/http';
import { requireIngestKey } from '$lib/server/ingest-key';
import { readActivityBody, recordActivity } from '$lib/server/activity.service';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

/**
 * "App opened" events from the API clients (R19), with the deployment's ingest key. Answers
 * `{accepted, ignored}` once the events are durable; events of unknown emails are ignored.
 */
export const POST: RequestHandler = api(async ({ request, locals }) => {
	try {
		requireIngestKey(request.headers.get('authorization'));
	} catch (err) {
		if (err instanceof ApiError)
			return errorResponse(err, { 'www-authenticate': 'Bearer realm="roster-activity"' });
		throw err;
	}
	const events = await readActivityBody(request, Date.now());
	try {
		return json(await recordActivity(getDb(), events));
	} catch (err) {
		log('error', 'activity ingestion failed', {
			requestID: locals.requestID,
			events: events.length,
			err: err instanceof Error ? err.message : String(err)
		});
		throw new ApiError(503, 'unavailable', 'activity could not be recorded right now; retry later');
	}
});
