import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { rateLimitedMessage } from '$lib/server/auth/login';
import { safeNext } from '$lib/server/auth/next';
import {
	emailSchema,
	field,
	FORM_UNREADABLE,
	goOnIfSignedIn,
	readForm
} from '$lib/server/auth/form';
import { CALLBACK_PATH, SSO_COOKIE, SsoError, startSso } from '$lib/server/auth/sso.service';
import { clientAddress } from '$lib/server/proxy-address';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = goOnIfSignedIn;

export const actions: Actions = {
	// Home realm discovery: the work email's verified domain names the enterprise and so its IdP.
	default: async ({ request, cookies, url, getClientAddress }) => {
		const form = await readForm(request);
		if (!form) return fail(400, { email: '', message: FORM_UNREADABLE });
		const email = field(form, 'email');
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
				enterpriseID: field(form, 'enterprise') || undefined
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
