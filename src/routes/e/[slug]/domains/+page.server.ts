import { getDb } from '$lib/server/db';
import { requirePageArea } from '$lib/server/pages';
import { listDomains } from '$lib/server/overview.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const enterprise = await requirePageArea(locals, url, params.slug, 'domains');
	return { domains: await listDomains(getDb(), enterprise.id) };
};
