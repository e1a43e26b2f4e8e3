import { error, redirect } from '@sveltejs/kit';
import { loadProfile, SIGNING_OUT } from '$lib/client/profile';
import { canUseConsole } from '$lib/domain/roles';
import type { LayoutLoad } from './$types';

// The console renders in the browser from the mirror, so it opens offline; the server enforces
// every rule on the API anyway (R2).
export const ssr = false;

export const load: LayoutLoad = async ({ fetch, params, url }) => {
	const profile = await loadProfile(fetch);
	if (profile === null)
		redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	if (profile === 'signingOut') error(503, SIGNING_OUT);
	if (profile === 'unknown') {
		error(
			503,
			'You are offline, and this device has no copy of your console yet. Connect once to sign in.'
		);
	}
	const enterprises = profile.enterprises.filter((e) => canUseConsole(e.role));
	const enterprise = enterprises.find((e) => e.slug === params.slug);
	if (!enterprise) error(403, 'you do not have access to this enterprise');
	// The account is an admin there, but this session may not act there: sign in to it first.
	if (enterprise.signInRequired) {
		error(401, {
			message: enterprise.signInRequired,
			signIn: url.pathname + url.search
		});
	}
	return { user: profile.user, enterprise, enterprises, offline: profile.offline };
};
