import { sql } from 'kysely';
import type { Db } from './db';
import { DAY_MS } from '../domain/seats';

/** Seat usage at the end of one UTC day (R4), as the seat-usage chart draws it. */
export interface SeatHistoryPoint {
	/** `YYYY-MM-DD`, UTC. */
	date: string;
	licensed: number;
	pendingInvites: number;
	used: number;
	purchased: number;
}

/** Audit actions that end a license: from the console, or from SCIM (R7, R22). */
const LICENSE_REMOVALS = ['removeLicense', 'deprovisionLicense'];

/**
 * Seat usage at the end of each of the last `days` UTC days (the last point is now), rebuilt from
 * what the database keeps. It is an honest approximation, not a ledger:
 * - licensed = licenses that exist now and were created by then + licenses removed since then
 *   (audit `removeLicense` / `deprovisionLicense`), assuming a removed license existed at every
 *   earlier point of the window (its creation date is gone with the row);
 * - pending invites = invites that exist now, sent by then and not expired then (revoked and
 *   accepted invites are deleted rows, so they are missing from the past; a resent invite counts
 *   from its last sending);
 * - purchased = today's seat count, walked back through `setSeatCount` audit rows.
 */
export async function seatHistory(
	{ db }: Db,
	enterpriseID: string,
	days: number,
	now = Date.now()
): Promise<SeatHistoryPoint[]> {
	const today = Math.floor(now / DAY_MS);
	const firstDay = today - days + 1;
	const windowStart = firstDay * DAY_MS;
	const day = sql<number>`floor(created_at / ${DAY_MS})`;
	const [enterprise, created, removals, invites, seatChanges] = await Promise.all([
		db
			.selectFrom('enterprises')
			.select('seats')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow(),
		// Grouped by day so a million licenses come back as at most `days` + 1 rows.
		db
			.selectFrom('licenses')
			.select([
				sql<number>`case when created_at < ${windowStart} then ${firstDay - 1} else ${day} end`.as(
					'day'
				),
				(eb) => eb.fn.countAll<number>().as('n')
			])
			.where('enterprise_id', '=', enterpriseID)
			.groupBy(sql`1`)
			.execute(),
		db
			.selectFrom('audit_log')
			.select('at')
			.where('enterprise_id', '=', enterpriseID)
			.where('action', 'in', LICENSE_REMOVALS)
			.where('at', '>=', windowStart)
			.execute(),
		db
			.selectFrom('invites')
			.select(['sent_at', 'expires_at'])
			.where('enterprise_id', '=', enterpriseID)
			.where('expires_at', '>', windowStart)
			.execute(),
		db
			.selectFrom('audit_log')
			.select(['at', 'before'])
			.where('enterprise_id', '=', enterpriseID)
			.where('action', '=', 'setSeatCount')
			.where('at', '>=', windowStart)
			.orderBy('at', 'asc')
			.execute()
	]);

	const createdByDay = new Map<number, number>();
	for (const row of created) createdByDay.set(Number(row.day), Number(row.n));
	const removedAt = removals.map((r) => Number(r.at));
	const seatBefore = seatChanges.map((r) => ({
		at: Number(r.at),
		before: (JSON.parse(r.before ?? 'null') as { seats?: number } | null)?.seats
	}));

	const points: SeatHistoryPoint[] = [];
	let licensedSoFar = createdByDay.get(firstDay - 1) ?? 0;
	for (let d = firstDay; d <= today; d++) {
		licensedSoFar += createdByDay.get(d) ?? 0;
		const end = d === today ? now : (d + 1) * DAY_MS - 1;
		const licensed = licensedSoFar + removedAt.filter((at) => at > end).length;
		const pendingInvites = invites.filter(
			(i) => Number(i.sent_at) <= end && Number(i.expires_at) > end
		).length;
		// The seat count then: the "before" of the first change after it, else today's.
		const next = seatBefore.find((c) => c.at > end && typeof c.before === 'number');
		const purchased = next?.before ?? enterprise.seats;
		points.push({
			date: new Date(d * DAY_MS).toISOString().slice(0, 10),
			licensed,
			pendingInvites,
			used: licensed + pendingInvites,
			purchased
		});
	}
	return points;
}
