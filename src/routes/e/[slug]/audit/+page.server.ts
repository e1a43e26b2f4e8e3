import { getDb } from '$lib/server/db';
import { requirePageArea } from '$lib/server/pages';
import { cleanText } from '$lib/server/http';
import { AUDIT_KINDS, listAuditEntries, type AuditKind } from '$lib/server/audit.service';
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
		before: Number.isFinite(beforeParam) && beforeParam > 0 ? beforeParam : undefined
	};
	const { entries, next } = await listAuditEntries(getDb(), enterprise.id, {
		...filter,
		limit: PAGE
	});
	return { entries, next, filter, enterpriseID: enterprise.id };
};
