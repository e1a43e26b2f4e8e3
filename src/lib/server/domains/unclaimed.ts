import { sql } from 'kysely';
import type { Db } from '../db';
import { ApiError } from '../http';
import { isEffectivelyVerified } from '../../domain/domains';
import { toCsv } from '../../domain/csv';
import { domainStates, unclaimedOn } from './sql';
import { lastActiveSql } from '../db/last-active';

/** An unclaimed account as the domains page lists it (R15). */
export interface UnclaimedUser {
	id: string;
	email: string;
	name: string;
	/** Last Active as R19 defines it: tracked activity, else the last sign-in (legacy). */
	lastActiveAt: number | null;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A domain of the enterprise that is verified (itself or through a root), or a 404/409. */
async function verifiedDomain(database: Db, enterpriseID: string, domainID: string) {
	const domains = ID.test(domainID) ? await domainStates(database.db, enterpriseID) : [];
	const d = domains.find((x) => x.id === domainID);
	if (!d) throw new ApiError(404, 'notFound', 'no such domain in this enterprise');
	const roots = domains.filter((x) => x.verifiedAt != null).map((x) => x.domain);
	// R3: only a verified domain reveals who is on it.
	if (!isEffectivelyVerified(d.domain, roots)) {
		throw new ApiError(409, 'notVerified', `verify ${d.domain} to see its unclaimed accounts`);
	}
	return d;
}

function escapeLike(text: string): string {
	return text.replace(/[!%_]/g, (c) => `!${c}`);
}

/** Unclaimed accounts on `domain` (or several), narrowed to those whose email or name holds `q`. */
export function searchUnclaimed(
	database: Db,
	enterpriseID: string,
	domain: string | readonly string[],
	q: string | undefined
) {
	let base = unclaimedOn(database.db, database.dialect, enterpriseID, domain);
	const needle = q?.trim().toLowerCase();
	if (needle) {
		const pattern = `%${escapeLike(needle)}%`;
		base = base.where((eb) =>
			eb.or([
				eb(sql`lower(users.email)`, 'like', sql`${pattern} escape '!'`),
				eb(sql`lower(users.name)`, 'like', sql`${pattern} escape '!'`)
			])
		);
	}
	return base;
}

/** One page of a domain's unclaimed accounts, by email, with the total matching `q` (R15). */
export async function listUnclaimed(
	database: Db,
	enterpriseID: string,
	domainID: string,
	opts: { offset: number; limit: number; q?: string }
) {
	const d = await verifiedDomain(database, enterpriseID, domainID);
	const base = searchUnclaimed(database, enterpriseID, d.domain, opts.q);
	const [total, rows] = await Promise.all([
		base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
		base
			.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
			.select(['users.id', 'users.email', 'users.name'])
			.select(lastActiveSql<number | string | null>().as('last_active_at'))
			.orderBy('users.email')
			.offset(opts.offset)
			.limit(opts.limit)
			.execute()
	]);
	const users: UnclaimedUser[] = rows.map((r) => ({
		id: r.id,
		email: r.email,
		name: r.name,
		lastActiveAt: r.last_active_at == null ? null : Number(r.last_active_at)
	}));
	return {
		domain: d.domain,
		total: Number(total.n),
		offset: opts.offset,
		limit: opts.limit,
		users
	};
}

/**
 * Every unclaimed account of a domain as CSV (R15, R21): email, name, last_active (UTC date; R19,
 * as the console calls it Last Active).
 */
export async function unclaimedCsv(
	database: Db,
	enterpriseID: string,
	domainID: string,
	q?: string
): Promise<{ domain: string; csv: string }> {
	const d = await verifiedDomain(database, enterpriseID, domainID);
	const rows = await searchUnclaimed(database, enterpriseID, d.domain, q)
		.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
		.select(['users.email', 'users.name'])
		.select(lastActiveSql<number | string | null>().as('last_active_at'))
		.orderBy('users.email')
		.execute();
	const csv = toCsv(rows, [
		{ header: 'email', value: (r) => r.email },
		{ header: 'name', value: (r) => r.name },
		{
			header: 'last_active',
			value: (r) =>
				r.last_active_at == null
					? ''
					: new Date(Number(r.last_active_at)).toISOString().slice(0, 10)
		}
	]);
	return { domain: d.domain, csv };
}
