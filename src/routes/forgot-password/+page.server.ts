import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import {
	emailSchema,
	field,
	FORM_UNREADABLE,
	minutesToWait,
	readForm
} from '$lib/server/auth/form';
import { requestPasswordReset } from '$lib/server/auth/reset';
import { emailLinkOrigin, resetByEmailEnabled } from '$lib/server/mail/config';
import { clientAddress } from '$lib/server/proxy-address';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({ emailOn: resetByEmailEnabled() });

export const actions: Actions = {
	default: async ({ request, getClientAddress }) => {
		const origin = emailLinkOrigin();
		if (!origin)
			return fail(409, {
				email: '',
				message:
					'This server does not send password reset emails, so a password cannot be reset here. Ask whoever runs Roster to set a new password for you.'
			});
		const form = await readForm(request);
		if (!form) return fail(400, { email: '', message: FORM_UNREADABLE });
		const email = field(form, 'email');
		const parsed = emailSchema.safeParse(email);
		if (!parsed.success)
			return fail(400, { email, message: 'Enter the email address you sign in with.' });
		const result = await requestPasswordReset(
			getDb(),
			{ email: parsed.data, origin },
			{ ip: clientAddress(getClientAddress) }
		);
		if (!result.ok) {
			return fail(429, {
				email,
				message: `Too many reset requests. Try again in ${minutesToWait(result.retryAfterSeconds)}.`
			});
		}
		// The same answer whether or not the email has an account.
		return { sent: parsed.data };
	}
};
