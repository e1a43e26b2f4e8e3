import { json } from '@sveltejs/kit';
import { loginSchema } from '$lib/domain/auth';
import { getDb } from '$lib/server/db';
import { login, rateLimitedMessage, SSO_REQUIRED_MESSAGE } from '$lib/server/auth/login';
import { setSessionCookie } from '$lib/server/auth/cookies';
import { revokeSession } from '$lib/server/auth/session';
import { clientAddress } from '$lib/server/proxy-address';
import { enterprisesOf } from '$lib/server/enterprises.service';
import { api, ApiError, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(
	async ({ request, cookies, url, locals, getClientAddress }) => {
		const input = await readJson(request, loginSchema);
		const result = await login(getDb(), input, {
			ip: clientAddress(getClientAddress),
			userAgent: request.headers.get('user-agent')
		});
		if (!result.ok && result.code === 'RATE_LIMITED') {
			return json(
				{
					error: 'rateLimited',
					message: rateLimitedMessage(result.retryAfterSeconds)
				},
				{ status: 429, headers: { 'retry-after': String(result.retryAfterSeconds) } }
			);
		}
		if (!result.ok && result.code === 'SSO_REQUIRED') {
			throw new ApiError(403, 'ssoRequired', SSO_REQUIRED_MESSAGE);
		}
		if (!result.ok)
			throw new ApiError(401, 'invalidCredentials', 'Email or password is incorrect.');
		// Signing in again ends the session this one replaces, as the sign-in page does.
		if (locals.sessionSecret) await revokeSession(getDb(), locals.sessionSecret);
		setSessionCookie(cookies, url, result.secret, result.expiresAt);
		const enterprises = await enterprisesOf(getDb(), result.userID);
		return json({ ok: true, enterprises });
	}
);
