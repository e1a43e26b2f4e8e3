import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, readJson, requireUser } from '$lib/server/http';
import { endOwnSession, listSessions, type SessionScope } from '$lib/server/auth/sessions.service';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import type { RequestHandler } from './$types';

/** A session made through an enterprise's IdP sees and ends only sessions made through it. */
function scopeOf(locals: App.Locals): SessionScope {
	const origin = locals.sessionOrigin;
	return { ssoEnterpriseID: origin?.method === 'sso' ? origin.ssoEnterpriseID : null };
}

const endSchema = z.object({
	action: z.literal('end'),
	sessionID: z.string().regex(/^[0-9a-f]{64}$/, 'sessionID is not a session of yours')
});

/** The signed-in admin's live sessions: device, address, when it started and was last seen. */
export const GET: RequestHandler = api(async ({ locals }) => {
	const user = requireUser(locals);
	const sessions = await listSessions(getDb(), user.id, locals.sessionSecret, scopeOf(locals));
	return json({ sessions }, { headers: { 'cache-control': 'no-store' } });
});

/** Ends one of the admin's own sessions; that device is signed out on its next request. */
export const POST: RequestHandler = api(async ({ locals, request, cookies, url }) => {
	const user = requireUser(locals);
	const body = await readJson(request, endSchema);
	const sessions = await listSessions(getDb(), user.id, locals.sessionSecret, scopeOf(locals));
	const current = sessions.find((s) => s.current)?.id === body.sessionID;
	if (!(await endOwnSession(getDb(), user.id, body.sessionID, scopeOf(locals)))) {
		throw new ApiError(404, 'notFound', 'That session has already ended.');
	}
	if (current) clearSessionCookie(cookies, url);
	return json({ ok: true, signedOut: current });
});
