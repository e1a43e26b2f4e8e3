import { fail, redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { field, FORM_UNREADABLE, minutesToWait, readForm } from '$lib/server/auth/form';
import { completePasswordReset, findReset, newPasswordSchema } from '$lib/server/auth/reset';
import { clientAddress } from '$lib/server/proxy-address';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	const reset = await findReset(getDb(), params.token);
	return { email: reset?.email ?? null };
};

export const actions: Actions = {
	default: async ({ request, params, getClientAddress }) => {
		const form = await readForm(request);
		if (!form) return fail(400, { message: FORM_UNREADABLE });
		const password = field(form, 'password');
		const parsed = newPasswordSchema.safeParse(password);
		if (!parsed.success) return fail(400, { message: `${parsed.error.issues[0]?.message}.` });
		if (password !== field(form, 'confirm'))
			return fail(400, { message: 'The two passwords are not the same. Type them again.' });
		const result = await completePasswordReset(getDb(), params.token, password, Date.now(), {
			ip: clientAddress(getClientAddress)
		});
		if (!result.ok && result.code === 'RATE_LIMITED') {
			return fail(429, {
				message: `Too many attempts. Try again in ${minutesToWait(result.retryAfterSeconds)}.`
			});
		}
		if (!result.ok)
			return fail(410, {
				message: 'This reset link does not work any more. Ask for a new one.'
			});
		redirect(303, '/login?reset=1');
	}
};
