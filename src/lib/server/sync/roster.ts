import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Db } from '../db';
import type { RosterPage } from '../../domain/sync/protocol';
import { lastActiveSql } from '../db/last-active';

/** Users per page of the roster, and the most a client may ask for. */
export const ROSTER_PAGE = 10_000;
export const MAX_ROSTER_PAGE = 50_000;

/**
 * One page of an enterprise's licensed users, in columns and in user-id order, for the chunked
 * initial sync of large enterprises. Pages are keyset-paged (`after` the last id seen, optionally
 * `through` an inclusive upper bound, so a client can page several id ranges at once), so a user
 * licensed the whole time is in exactly one page; rows that change while the client pages through
 * are corrected by its next pull, which starts from the cookie of the full pull before the pages.
 * Ids compare byte-wise on both databases (PostgreSQL: COLLATE "C"), as JavaScript compares them.
 */
export async function rosterPage(
	database: Db,
	input: { enterpriseID: string; after: string; through?: string; limit: number }
): Promise<RosterPage> {
	const { db, dialect } = database;
	const byte = (ref: string) =>
		dialect === 'postgres' ? sql`${sql.ref(ref)} collate "C"` : sql`${sql.ref(ref)}`;
	const rows = await db
		.selectFrom('licenses')
		.innerJoin('users', 'users.id', 'licenses.user_id')
		.leftJoin('activity_summary', 'activity_summary.user_id', 'licenses.user_id')
		.select([
			'licenses.user_id as id',
			'licenses.seq',
			'licenses.source',
			'licenses.created_at as since',
			'users.email',
			'users.name',
			lastActiveSql<number | string | null>().as('lastActiveAt')
		])
		.where('licenses.enterprise_id', '=', input.enterpriseID)
		.where(byte('licenses.user_id'), '>', input.after)
		.$if(input.through !== undefined, (q) =>
			q.where(byte('licenses.user_id'), '<=', input.through!)
		)
		.orderBy(byte('licenses.user_id'))
		.limit(input.limit)
		.execute();
	const page: RosterPage = {
		ids: new Array<string>(rows.length),
		emails: new Array<string>(rows.length),
		names: new Array<string>(rows.length),
		lastActive: new Array<number | null>(rows.length),
		seqs: new Array<number>(rows.length),
		sources: new Array<string>(rows.length),
		since: new Array<number>(rows.length),
		next: rows.length === input.limit ? (rows.at(-1)?.id ?? null) : null
	};
	for (let i = 0; i < rows.length; i++) {
		const r = rows[i]!;
		page.ids[i] = r.id;
		page.emails[i] = r.email;
		page.names[i] = r.name;
		page.lastActive[i] = r.lastActiveAt == null ? null : Number(r.lastActiveAt);
		page.seqs![i] = Number(r.seq);
		page.sources![i] = r.source;
		page.since![i] = Number(r.since);
	}
	return page;
}

/** How many users hold a license (sent with a chunked full pull, for the progress bar). */
export async function rosterTotal(db: Kysely<Database>, enterpriseID: string): Promise<number> {
	const row = await db
		.selectFrom('licenses')
		.select((eb) => eb.fn.countAll<number | string>().as('n'))
		.where('enterprise_id', '=', enterpriseID)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}
