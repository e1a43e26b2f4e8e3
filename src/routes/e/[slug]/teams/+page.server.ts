import { requirePageArea } from '$lib/server/pages';
import type { PageServerLoad } from './$types';

// The teams themselves come from the mirror in the browser; the server only checks the role (R2).
export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePageArea(locals, url, params.slug, 'teams');
	return {};
};
