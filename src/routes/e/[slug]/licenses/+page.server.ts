import { getDb } from '$lib/server/db';
import { requirePageArea } from '$lib/server/pages';
import { cleanText } from '$lib/server/http';
import { listLicensedUsers, seatUsageOf, type LicenseSort } from '$lib/server/licenses.service';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;
const SORTS: LicenseSort[] = ['last-active-desc', 'last-active-asc', 'email'];

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const enterprise = await requirePageArea(locals, url, params.slug, 'licenses');
	const q = cleanText(url.searchParams.get('q') ?? '').slice(0, 200);
	const sortParam = url.searchParams.get('sort') as LicenseSort | null;
	const sort = sortParam && SORTS.includes(sortParam) ? sortParam : 'last-active-desc';
	const pageNo = Math.max(
		1,
		Math.min(1_000_000, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1)
	);
	const database = getDb();
	const [seats, list] = await Promise.all([
		seatUsageOf(database, enterprise.id),
		listLicensedUsers(database, enterprise.id, {
			query: q,
			sort,
			offset: (pageNo - 1) * PAGE_SIZE,
			limit: PAGE_SIZE
		})
	]);
	return { seats, list, q, sort, page: pageNo, pageSize: PAGE_SIZE, now: Date.now() };
};
