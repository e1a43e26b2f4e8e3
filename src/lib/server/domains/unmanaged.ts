import type { Db } from '../db';
import { lastActiveSql } from '../db/last-active';
import { isEffectivelyVerified, matchedDomain, outermostVerified } from '../../domain/domains';
import { domainStates } from './sql';
import { searchUnclaimed } from './unclaimed';

/** An unmanaged user as the Licenses page lists them: once, with the domain they are on (R3, R15). */
export interface UnmanagedUser {
	id: string;
	email: string;
	name: string;
	/** The most specific verified domain of the enterprise their email is on. */
	domain: string;
	/** Last activity since tracking began, else last sign-in (R19); null if never. */
	lastActiveAt: number | null;
}

/** One page of unmanaged users; `next` is the cursor of the following page, null at the end. */
export interface UnmanagedPage {
	/** Distinct people matching `q` across every verified domain. */
	total: number;
	users: UnmanagedUser[];
	next: string | null;
}

/** Where a page starts: after this user in (email, id) order. */
export interface UnmanagedCursor {
	email: string;
	id: string;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[^\u0000-\u001f\u007f]{1,320}$/;

/** The opaque cursor after a user. */
export function encodeCursor(after: UnmanagedCursor): string {
	return Buffer.from(JSON.stringify([after.email, after.id])).toString('base64url');
}

/** A cursor this list handed out, or null for anything else (the route answers 400). */
export function decodeCursor(cursor: string): UnmanagedCursor | null {
	try {
		const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
		if (!Array.isArray(value) || value.length !== 2) return null;
		const [email, id] = value as unknown[];
		if (typeof email !== 'string' || typeof id !== 'string') return null;
		if (!PRINTABLE.test(email) || !ID.test(id)) return null;
		return { email, id };
	} catch {
		return null;
	}
}

/**
 * The enterprise's unmanaged users across all its verified domains (R3, R15), each person once even
 * when they match a root domain and its subdomain, by email, `limit` at a time after `cursor`.
 */
export async function listUnmanaged(
	database: Db,
	enterpriseID: string,
	opts: { q?: string; limit: number; after?: UnmanagedCursor | null }
): Promise<UnmanagedPage> {
	const states = await domainStates(database.db, enterpriseID);
	const verified = states.filter((d) => d.verifiedAt != null).map((d) => d.domain);
	const all = states.map((d) => d.domain);
	// The outermost domains cover every match once, so each user is one row (R15).
	const outer = outermostVerified(all, verified);
	if (outer.length === 0) return { total: 0, users: [], next: null };
	const effective = all.filter((d) => isEffectivelyVerified(d, verified));

	const base = searchUnclaimed(database, enterpriseID, outer, opts.q);
	const lastActive = lastActiveSql();
	let list = base
		.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
		.select(['users.id', 'users.email', 'users.name', lastActive.as('lastActiveAt')]);
	const after = opts.after;
	if (after) {
		list = list.where((eb) =>
			eb.or([
				eb('users.email', '>', after.email),
				eb.and([eb('users.email', '=', after.email), eb('users.id', '>', after.id)])
			])
		);
	}
	const [count, rows] = await Promise.all([
		base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
		list
			.orderBy('users.email')
			.orderBy('users.id')
			.limit(opts.limit + 1)
			.execute()
	]);
	const page = rows.slice(0, opts.limit);
	const last = page[page.length - 1];
	return {
		total: Number(count.n),
		users: page.map((r) => ({
			id: r.id,
			email: r.email,
			name: r.name,
			domain: matchedDomain(r.email, effective) ?? '',
			lastActiveAt: r.lastActiveAt == null ? null : Number(r.lastActiveAt)
		})),
		next: rows.length > opts.limit && last ? encodeCursor(last) : null
	};
}
