import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { revokeSession } from '$lib/server/auth/session';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ locals, cookies, url }) => {
	if (locals.sessionSecret) await revokeSession(getDb(), locals.sessionSecret);
	clearSessionCookie(cookies, url);
	return json({ ok: true });
};
