import { fail, redirect } from '@sveltejs/kit';
import { loginSchema } from '$lib/domain/auth';
import { getDb } from '$lib/server/db';
import { login } from '$lib/server/auth/login';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { describeIssues } from '$lib/server/http';
import type { Actions, PageServerLoad } from './$types';

function safeNext(next: string | null): string {
	return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return {};
};

export const actions: Actions = {
	// The form posts here, so it signs in with or without JavaScript and never puts the password in a URL.
	default: async ({ request, cookies, url, getClientAddress }) => {
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, {
				email: '',
				message: 'The sign-in form could not be read. Reload the page and try again.'
			});
		}
		const email = String(form.get('email') ?? '');
		const parsed = loginSchema.safeParse({ email, password: String(form.get('password') ?? '') });
		if (!parsed.success) return fail(400, { email, message: describeIssues(parsed.error).message });
		const result = await login(getDb(), parsed.data, {
			ip: getClientAddress(),
			userAgent: request.headers.get('user-agent')
		});
		if (!result.ok && result.code === 'RATE_LIMITED') {
			const minutes = Math.ceil(result.retryAfterSeconds / 60);
			return fail(429, {
				email,
				message: `Too many sign-in attempts. Try again in ${minutes} minute(s).`
			});
		}
		if (!result.ok) return fail(401, { email, message: 'Email or password is incorrect.' });
		setSessionCookie(cookies, url, result.secret, result.expiresAt);
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
