import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { acceptInvite, findInvite } from '$lib/server/invites/accept.service';
import type { Actions, PageServerLoad } from './$types';

const STATUS = {
	INVALID_LINK: 410,
	EXPIRED: 410,
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
	default: async ({ request, params }) => {
		let form: FormData;
		try {
			form = await request.formData();
		} catch {
			return fail(400, {
				name: '',
				message: 'The form could not be read. Reload the page and try again.'
			});
		}
		const result = await acceptInvite(getDb(), params.token, {
			password: String(form.get('password') ?? ''),
			name: String(form.get('name') ?? '')
		});
		if (!result.ok)
			return fail(STATUS[result.code], {
				message: result.message,
				name: String(form.get('name') ?? '')
			});
		return { accepted: { enterpriseName: result.enterpriseName, email: result.email } };
	}
};
