import { fail, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { rateLimitedMessage } from '$lib/server/auth/login';
import { safeNext } from '$lib/server/auth/next';
import { mayGoOnTo } from '$lib/server/auth/reach';
import { CALLBACK_PATH, SSO_COOKIE, SsoError, startSso } from '$lib/server/auth/sso.service';
import { clientAddress } from '$lib/server/proxy-address';
import type { Actions, PageServerLoad } from './$types';

const emailSchema = z
	.string()
	.trim()
	.min(1, 'Enter your work email.')
	.max(320)
	.pipe(z.email('Enter your work email, like name@company.com.'));

export const load: PageServerLoad = async ({ locals, url }) => {
	const next = safeNext(url.searchParams.get('next'), url.origin);
	// Signed in already: on to `next`, unless this session may not act there (then sign in again).
	if (locals.user && (await mayGoOnTo(getDb(), locals.user, locals.sessionOrigin, next))) {
		redirect(303, next);
	}
	return {};
};

export const actions: Actions = {
	// Home realm discovery: the work email's verified domain names the enterprise and so its IdP.
	default: async ({ request, cookies, url, getClientAddress }) => {
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, {
				email: '',
				message: 'The form could not be read. Reload the page and try again.'
			});
		}
		const email = String(form.get('email') ?? '');
		const parsed = emailSchema.safeParse(email);
		if (!parsed.success) return fail(400, { email, message: parsed.error.issues[0]!.message });
		let started: { url: string; cookie: string };
		try {
			started = await startSso(getDb(), {
				email: parsed.data,
				next: safeNext(url.searchParams.get('next'), url.origin),
				// The address the browser is using (ORIGIN when set, see scripts/serve.js): the IdP
				// must have it registered, and the callback checks it came back to the same one.
				redirectURI: `${url.origin}${CALLBACK_PATH}`,
				ip: clientAddress(getClientAddress),
				enterpriseID: String(form.get('enterprise') ?? '') || undefined
			});
		} catch (err) {
			if (!(err instanceof SsoError)) throw err;
			if (err.code === 'RATE_LIMITED') {
				return fail(429, { email, message: rateLimitedMessage(err.retryAfterSeconds) });
			}
			if (err.code === 'CHOOSE_ENTERPRISE') {
				return fail(409, { email, message: err.message, choices: err.choices });
			}
			return fail(400, { email, message: err.message });
		}
		cookies.set(SSO_COOKIE, started.cookie, {
			path: '/login/sso',
			httpOnly: true,
			// Lax: sent on the IdP's top-level redirect back, not on cross-site subrequests.
			sameSite: 'lax',
			secure: url.protocol === 'https:',
			maxAge: 600
		});
		// Not a redirect: the console's CSP (form-action 'self') rightly stops a form from being
		// redirected to another site, so the page sends the browser on itself.
		return { email: parsed.data, redirectTo: started.url };
	}
};
