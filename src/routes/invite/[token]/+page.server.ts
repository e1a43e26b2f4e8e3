import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { acceptInvite, findInvite } from '$lib/server/invites/accept.service';
import { clientAddress } from '$lib/server/proxy-address';
import type { Actions, PageServerLoad } from './$types';

const STATUS = {
	INVALID_LINK: 410,
	EXPIRED: 410,
	ALREADY_ACCEPTED: 409,
	EMAIL_LINK_NEEDED: 403,
	WRONG_PASSWORD: 401,
	INVALID_INPUT: 400,
	RATE_LIMITED: 429,
	NEEDS_TO_INCREASE_SEATS: 409
} as const;

export const load: PageServerLoad = async ({ params }) => {
	return { invite: await findInvite(getDb(), params.token) };
};

export const actions: Actions = {
	// A plain form post, so accepting works with or without JavaScript.
	default: async ({ request, params, getClientAddress }) => {
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, {
				code: 'INVALID_INPUT',
				name: '',
				message: 'The form could not be read. Reload the page and try again.'
			});
		}
		const result = await acceptInvite(getDb(), params.token, {
			password: String(form.get('password') ?? ''),
			name: String(form.get('name') ?? ''),
			ip: clientAddress(getClientAddress)
		});
		if (!result.ok)
			return fail(STATUS[result.code], {
				code: result.code,
				message: result.message,
				name: String(form.get('name') ?? '')
			});
		return { accepted: { enterpriseName: result.enterpriseName, email: result.email } };
	}
};
