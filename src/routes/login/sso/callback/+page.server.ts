import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { revokeSession } from '$lib/server/auth/session';
import { safeNext } from '$lib/server/auth/next';
import { finishSso, SSO_COOKIE, SsoError } from '$lib/server/auth/sso.service';
import { clientAddress } from '$lib/server/proxy-address';
import type { PageServerLoad } from './$types';

// The IdP sends the browser back here with the code; the sign-in under way is found through the
// browser's cookie, so a code or state sent from another browser finds nothing.
export const load: PageServerLoad = async ({ url, cookies, request, getClientAddress, locals }) => {
	const cookie = cookies.get(SSO_COOKIE);
	cookies.delete(SSO_COOKIE, { path: '/login/sso', secure: url.protocol === 'https:' });
	let done: Awaited<ReturnType<typeof finishSso>>;
	try {
		done = await finishSso(getDb(), {
			cookie,
			callbackURL: url,
			ip: clientAddress(getClientAddress),
			userAgent: request.headers.get('user-agent')
		});
	} catch (err) {
		if (err instanceof SsoError) return { message: err.message };
		throw err;
	}
	// Signing in again on this browser (to reach another enterprise) ends the session it replaces.
	if (locals.sessionSecret) await revokeSession(getDb(), locals.sessionSecret);
	setSessionCookie(cookies, url, done.secret, done.expiresAt);
	redirect(303, safeNext(done.next, url.origin));
};
