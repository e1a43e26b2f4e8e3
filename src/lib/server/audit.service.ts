import { sql, type Kysely } from 'kysely';
import type { Db } from './db';
import type { AuditLogTable, Database } from './db/schema';

/** Where an audit entry came from (R24). */
export const AUDIT_KINDS = ['console', 'queued', 'scim', 'capture', 'system'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Filters of the audit log: actor email, target and action (substrings), and kind. */
export interface AuditFilter {
	actor?: string;
	target?: string;
	action?: string;
	kind?: AuditKind;
	/** Entries at or after this instant (epoch ms)… */
	from?: number;
	/** …and before this one. */
	to?: number;
	/** Entries older than this id (paging, newest first). */
	before?: number;
	limit: number;
}

/** One audit entry as the console and the export show it (R24). */
export interface AuditEntry {
	id: number;
	at: number;
	actor: string | null;
	/** The actor's name, for the log's sentences. */
	actorName: string | null;
	kind: AuditKind;
	action: string;
	target: string | null;
	before: string | null;
	after: string | null;
}

const like = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The enterprise's audit log, newest first, filtered (R24: owners and co-owners browse it). */
export async function listAuditEntries(
	{ db }: Db,
	enterpriseID: string,
	filter: AuditFilter
): Promise<{ entries: AuditEntry[]; next: number | null }> {
	let q = db
		.selectFrom('audit_log')
		.leftJoin('users', 'users.id', 'audit_log.actor_user_id')
		.select([
			'audit_log.id',
			'audit_log.at',
			'users.email as actor',
			'users.name as actorName',
			'audit_log.actor_kind',
			'audit_log.queued',
			'audit_log.action',
			'audit_log.target',
			'audit_log.before',
			'audit_log.after'
		])
		.where('audit_log.enterprise_id', '=', enterpriseID);
	if (filter.actor)
		q = q.where(sql`lower(users.email)`, 'like', sql`${like(filter.actor)} escape '\\'`);
	if (filter.target)
		q = q.where(sql`lower(audit_log.target)`, 'like', sql`${like(filter.target)} escape '\\'`);
	if (filter.action)
		q = q.where(sql`lower(audit_log.action)`, 'like', sql`${like(filter.action)} escape '\\'`);
	if (filter.kind === 'queued') q = q.where('audit_log.queued', '=', 1);
	else if (filter.kind === 'console')
		q = q.where('audit_log.actor_kind', '=', 'console').where('audit_log.queued', '=', 0);
	else if (filter.kind) q = q.where('audit_log.actor_kind', '=', filter.kind);
	if (filter.from !== undefined) q = q.where('audit_log.at', '>=', filter.from);
	if (filter.to !== undefined) q = q.where('audit_log.at', '<', filter.to);
	if (filter.before !== undefined) q = q.where('audit_log.id', '<', filter.before);
	const rows = await q
		.orderBy('audit_log.id', 'desc')
		.limit(filter.limit + 1)
		.execute();
	const entries = rows.slice(0, filter.limit).map((r) => ({
		id: Number(r.id),
		at: Number(r.at),
		actor: r.actor,
		actorName: r.actorName,
		kind: (r.queued ? 'queued' : r.actor_kind) as AuditKind,
		action: r.action,
		target: r.target,
		before: r.before,
		after: r.after
	}));
	return { entries, next: rows.length > filter.limit ? (entries.at(-1)?.id ?? null) : null };
}

/** An audit entry the server writes: `before` and `after` are stored as JSON, an omitted one as none. */
export interface NewAuditEntry {
	enterpriseID: string;
	at: number;
	actorUserID: string | null;
	kind: AuditLogTable['actor_kind'];
	action: string;
	target: string;
	before?: unknown;
	after?: unknown;
}

/** Writes one audit entry (R24), inside the caller's transaction when it passes one. */
export async function writeAudit(q: Kysely<Database>, entry: NewAuditEntry): Promise<void> {
	await q
		.insertInto('audit_log')
		.values({
			enterprise_id: entry.enterpriseID,
			at: entry.at,
			actor_user_id: entry.actorUserID,
			actor_kind: entry.kind,
			action: entry.action,
			target: entry.target,
			before: entry.before === undefined ? null : JSON.stringify(entry.before),
			after: entry.after === undefined ? null : JSON.stringify(entry.after)
		})
		.execute();
}

/** A day's start (UTC) from `YYYY-MM-DD`, or undefined for anything else. */
export function dayStart(value: string | null | undefined): number | undefined {
	if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
	const at = Date.parse(`${value}T00:00:00Z`);
	return Number.isNaN(at) ? undefined : at;
}

/** The audit log's date range (R24) from `from` and `to` days, `to` included. */
export function dayRange(from?: string | null, to?: string | null): { from?: number; to?: number } {
	const start = dayStart(from);
	const end = dayStart(to);
	return { from: start, to: end === undefined ? undefined : end + 86_400_000 };
}
