import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { requestPasswordReset } from '$lib/server/auth/reset';
import { emailLinkOrigin, resetByEmailEnabled } from '$lib/server/mail/config';
import { clientAddress } from '$lib/server/proxy-address';
import type { Actions, PageServerLoad } from './$types';

const emailSchema = z.string().trim().min(1).max(320).pipe(z.email());

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
		if (!parsed.success)
			return fail(400, { email, message: 'Enter the email address you sign in with.' });
		const result = await requestPasswordReset(
			getDb(),
			{ email: parsed.data, origin },
			{ ip: clientAddress(getClientAddress) }
		);
		if (!result.ok) {
			const minutes = Math.ceil(result.retryAfterSeconds / 60);
			return fail(429, {
				email,
				message: `Too many reset requests. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
			});
		}
		// The same answer whether or not the email has an account.
		return { sent: parsed.data };
	}
};
