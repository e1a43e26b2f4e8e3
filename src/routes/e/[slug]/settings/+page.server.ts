import { requirePageArea } from '$lib/server/pages';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	await requirePageArea(locals, url, params.slug, 'settings');
	return { version: process.env.npm_package_version ?? '0.1.0' };
};
