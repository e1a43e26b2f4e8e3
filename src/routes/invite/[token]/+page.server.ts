import { fail } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { field, FORM_UNREADABLE, readForm } from '$lib/server/auth/form';
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
		const form = await readForm(request);
		if (!form) return fail(400, { code: 'INVALID_INPUT', name: '', message: FORM_UNREADABLE });
		const name = field(form, 'name');
		const result = await acceptInvite(getDb(), params.token, {
			password: field(form, 'password'),
			name,
			ip: clientAddress(getClientAddress)
		});
		if (!result.ok)
			return fail(STATUS[result.code], { code: result.code, message: result.message, name });
		return { accepted: { enterpriseName: result.enterpriseName, email: result.email } };
	}
};
