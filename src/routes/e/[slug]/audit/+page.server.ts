import { getDb } from '$lib/server/db';
import { requirePageArea } from '$lib/server/pages';
import { cleanText } from '$lib/server/http';
import {
	AUDIT_KINDS,
	dayRange,
	dayStart,
	listAuditEntries,
	type AuditKind
} from '$lib/server/audit.service';
import type { PageServerLoad } from './$types';

const PAGE = 100;

export const load: PageServerLoad = async ({ locals, url, params }) => {
	const enterprise = await requirePageArea(locals, url, params.slug, 'audit');
	const text = (key: string) => cleanText(url.searchParams.get(key) ?? '').slice(0, 200);
	const kindParam = url.searchParams.get('kind');
	const kind = AUDIT_KINDS.includes(kindParam as AuditKind) ? (kindParam as AuditKind) : undefined;
	const beforeParam = Number.parseInt(url.searchParams.get('before') ?? '', 10);
	const filter = {
		actor: text('actor'),
		target: text('target'),
		action: text('action'),
		kind,
		// Days as the date inputs give them (YYYY-MM-DD, UTC); anything else is no bound.
		from: dayStart(url.searchParams.get('from')) === undefined ? '' : url.searchParams.get('from')!,
		to: dayStart(url.searchParams.get('to')) === undefined ? '' : url.searchParams.get('to')!,
		before: Number.isFinite(beforeParam) && beforeParam > 0 ? beforeParam : undefined
	};
	const { from, to, ...rest } = filter;
	const { entries, next } = await listAuditEntries(getDb(), enterprise.id, {
		...rest,
		...dayRange(from, to),
		limit: PAGE
	});
	return { entries, next, filter, enterpriseID: enterprise.id };
};
