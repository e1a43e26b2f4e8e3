import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { revokeSession } from '$lib/server/auth/session';
import { clearSessionCookie } from '$lib/server/auth/cookies';
import { endSessionStreams } from '$lib/server/sync/poke';
import type { RequestHandler } from './$types';

/** The admin a device's recorded sign-out names (`{userID}`), if the body says. */
async function namedUser(request: Request): Promise<string | null> {
	try {
		const body = (await request.json()) as { userID?: unknown } | null;
		return typeof body?.userID === 'string' ? body.userID : null;
	} catch {
		return null;
	}
}

export const POST: RequestHandler = async ({ locals, cookies, url, request }) => {
	// A sign-out a device recorded offline names its admin: when someone else has signed in on the
	// device since, their session is not the one to end.
	const userID = await namedUser(request);
	if (userID !== null && locals.user && locals.user.id !== userID) {
		return json({ ok: true, signedOut: false });
	}
	if (locals.sessionSecret) {
		await revokeSession(getDb(), locals.sessionSecret);
		// Its poke streams end with it.
		endSessionStreams(locals.sessionSecret);
	}
	clearSessionCookie(cookies, url);
	return json({ ok: true, signedOut: true });
};
