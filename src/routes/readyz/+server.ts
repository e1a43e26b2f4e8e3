import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { isShuttingDown } from '$lib/server/lifecycle';
import { checkReadiness } from '$lib/server/readiness';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

let lastReason: string | null = null;

/**
 * Readiness for load balancers: 200 when the database answers and its migrations are current,
 * else 503 with the reason. Public like /healthz: it holds no enterprise data.
 */
export const GET: RequestHandler = async ({ locals }) => {
	const state = await checkReadiness(getDb(), { shuttingDown: isShuttingDown() });
	const reason = state.ready ? null : state.reason;
	// Probes come every few seconds: log changes, not every answer.
	if (reason !== lastReason) {
		if (state.ready) log('info', 'ready', { requestID: locals.requestID });
		else log('warn', 'not ready', { requestID: locals.requestID, reason, message: state.message });
		lastReason = reason;
	}
	return json(state, {
		status: state.ready ? 200 : 503,
		headers: { 'cache-control': 'no-store' }
	});
};
