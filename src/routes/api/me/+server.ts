import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { enterprisesOf } from '$lib/server/enterprises.service';
import { api, requireUser } from '$lib/server/http';
import { sessionRefusal } from '$lib/server/auth/reach';
import { PASSWORD_SESSION } from '$lib/server/auth/session';
import { canUseConsole } from '$lib/domain/roles';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	const user = requireUser(locals);
	const database = getDb();
	const origin = locals.sessionOrigin ?? PASSWORD_SESSION;
	const enterprises = await Promise.all(
		(await enterprisesOf(database, user.id)).map(async (e) => {
			// An enterprise this session may not act in (SSO made for another one, or a password
			// where SSO is required) says why, so the console asks to sign in there.
			const signInRequired = canUseConsole(e.role)
				? await sessionRefusal(database, origin, e)
				: null;
			return signInRequired ? { ...e, signInRequired } : e;
		})
	);
	return json({ user, enterprises });
});
