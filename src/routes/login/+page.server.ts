import { fail, redirect } from '@sveltejs/kit';
import { loginSchema } from '$lib/domain/auth';
import { getDb } from '$lib/server/db';
import { login, rateLimitedMessage, SSO_REQUIRED_MESSAGE } from '$lib/server/auth/login';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { revokeSession } from '$lib/server/auth/session';
import { clientAddress } from '$lib/server/proxy-address';
import { safeNext } from '$lib/server/auth/next';
import { field, goOnIfSignedIn, readForm } from '$lib/server/auth/form';
import { describeIssues } from '$lib/server/http';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = goOnIfSignedIn;

export const actions: Actions = {
	// The form posts here, so it signs in with or without JavaScript and never puts the password in a URL.
	default: async ({ request, cookies, url, getClientAddress, locals }) => {
		const form = await readForm(request);
		if (!form) {
			return fail(400, {
				email: '',
				message: 'The sign-in form could not be read. Reload the page and try again.'
			});
		}
		const email = field(form, 'email');
		const parsed = loginSchema.safeParse({ email, password: field(form, 'password') });
		if (!parsed.success) return fail(400, { email, message: describeIssues(parsed.error).message });
		const result = await login(getDb(), parsed.data, {
			ip: clientAddress(getClientAddress),
			userAgent: request.headers.get('user-agent')
		});
		if (!result.ok && result.code === 'RATE_LIMITED') {
			return fail(429, { email, message: rateLimitedMessage(result.retryAfterSeconds) });
		}
		if (!result.ok && result.code === 'SSO_REQUIRED') {
			return fail(403, { email, message: SSO_REQUIRED_MESSAGE });
		}
		if (!result.ok) return fail(401, { email, message: 'Email or password is incorrect.' });
		// Signing in again on this browser (to reach another enterprise) ends the session it replaces.
		if (locals.sessionSecret) await revokeSession(getDb(), locals.sessionSecret);
		setSessionCookie(cookies, url, result.secret, result.expiresAt);
		redirect(303, safeNext(url.searchParams.get('next'), url.origin));
	}
};
