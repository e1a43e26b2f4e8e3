import { error, redirect } from '@sveltejs/kit';
import { loadProfile, SIGNING_OUT } from '$lib/client/profile';
import { canUseConsole } from '$lib/domain/roles';
import type { PageLoad } from './$types';

// The installed app's start URL: decided in the browser from the profile (or the copy kept from
// it), so it opens offline like the console it leads to.
export const ssr = false;

export const load: PageLoad = async ({ fetch }) => {
	const profile = await loadProfile(fetch);
	if (profile === null) redirect(303, '/login');
	if (profile === 'signingOut') error(503, SIGNING_OUT);
	if (profile === 'unknown') {
		error(
			503,
			'You are offline, and this device has no copy of your console yet. Connect once to sign in.'
		);
	}
	const first =
		profile.enterprises.find((e) => canUseConsole(e.role) && !e.signInRequired) ??
		profile.enterprises.find((e) => canUseConsole(e.role));
	if (first) redirect(303, `/e/${first.slug}/licenses`);
	return { email: profile.user.email, userID: profile.user.id };
};
