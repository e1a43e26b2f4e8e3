import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, cleanText, describeIssues, requireArea } from '$lib/server/http';
import {
	AUDIT_KINDS,
	dayRange,
	listAuditEntries,
	type AuditEntry
} from '$lib/server/audit.service';
import { toCsv } from '$lib/domain/csv';
import { auditSentence } from '$lib/domain/audit-text';
import type { RequestHandler } from './$types';

const text = z.string().max(200).transform(cleanText).optional();
const auditQuerySchema = z.object({
	actor: text,
	target: text,
	action: text,
	kind: z.enum(AUDIT_KINDS, { error: `kind is one of ${AUDIT_KINDS.join(', ')}` }).optional(),
	from: z
		.string()
		.regex(/^\d{4}-\d{2}-\d{2}$/, 'from is a date such as 2026-01-31')
		.optional(),
	to: z
		.string()
		.regex(/^\d{4}-\d{2}-\d{2}$/, 'to is a date such as 2026-01-31')
		.optional(),
	before: z.coerce.number().int().min(1).optional(),
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	format: z.enum(['json', 'csv']).default('json')
});

const KIND_LABEL: Record<AuditEntry['kind'], string> = {
	console: 'console',
	queued: 'console (queued offline)',
	scim: 'SCIM',
	capture: 'domain capture',
	system: 'Roster'
};

/** The audit log (R24), filtered; `format=csv` exports every matching entry (R21). */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const parsed = auditQuerySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'audit');
	const { format, from, to, ...rest } = parsed.data;
	const filter = { ...rest, ...dayRange(from, to) };
	if (format === 'json') return json(await listAuditEntries(getDb(), enterprise.id, filter));
	const all: AuditEntry[] = [];
	let before = filter.before;
	for (;;) {
		const page = await listAuditEntries(getDb(), enterprise.id, { ...filter, before, limit: 1000 });
		all.push(...page.entries);
		if (page.next === null) break;
		before = page.next;
	}
	const csv = toCsv(all, [
		{ header: 'at', value: (e) => new Date(e.at).toISOString() },
		{ header: 'actor', value: (e) => e.actor ?? KIND_LABEL[e.kind] },
		{ header: 'source', value: (e) => KIND_LABEL[e.kind] },
		// The raw action name, for filtering in a spreadsheet; the console shows sentences.
		'action',
		'target',
		'before',
		'after',
		// What the console shows for the entry, in words.
		{
			header: 'description',
			value: (e) => auditSentence({ ...e, actor: e.actorName ?? e.actor })
		}
	]);
	const day = new Date().toISOString().slice(0, 10);
	return new Response(csv, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="audit-log-${enterprise.slug}-${day}.csv"`,
			'cache-control': 'no-store'
		}
	});
});
