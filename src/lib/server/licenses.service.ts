import { sql } from 'kysely';
import type { Db } from './db';
import { seatUsage, type SeatUsage } from '../domain/seats';
import { lastActiveSql } from './db/last-active';

/** A licensed (managed) user as the Licenses page lists them (R4). */
export interface LicensedUser {
	id: string;
	email: string;
	name: string;
	lastActiveAt: number | null;
}

/** Seat usage of an enterprise now: licensed users plus unexpired invites (R4, R5). */
export async function seatUsageOf(
	{ db }: Db,
	enterpriseID: string,
	now = Date.now()
): Promise<SeatUsage> {
	const [enterprise, licensed, invites] = await Promise.all([
		db
			.selectFrom('enterprises')
			.select('seats')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow(),
		db
			.selectFrom('licenses')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', enterpriseID)
			.executeTakeFirstOrThrow(),
		db
			.selectFrom('invites')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('enterprise_id', '=', enterpriseID)
			.where('expires_at', '>', now)
			.executeTakeFirstOrThrow()
	]);
	return seatUsage(enterprise.seats, Number(licensed.n), Number(invites.n));
}

/** Sort orders of the licensed-user list. */
export type LicenseSort = 'last-active-desc' | 'last-active-asc' | 'email';

/** One page of licensed users, optionally filtered by a search over email and name. */
export async function listLicensedUsers(
	{ db }: Db,
	enterpriseID: string,
	opts: { query?: string; offset?: number; limit?: number; sort?: LicenseSort } = {}
): Promise<{ total: number; users: LicensedUser[] }> {
	// R19: activity before tracking began does not count; fall back to the last login.
	const lastActive = lastActiveSql();
	let base = db
		.selectFrom('licenses')
		.innerJoin('users', 'users.id', 'licenses.user_id')
		.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
		.where('licenses.enterprise_id', '=', enterpriseID);
	const q = opts.query?.trim().toLowerCase();
	if (q) {
		const pattern = `%${q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
		base = base.where((eb) =>
			eb.or([
				eb(sql`lower(users.email)`, 'like', sql`${pattern} escape '\\'`),
				eb(sql`lower(users.name)`, 'like', sql`${pattern} escape '\\'`)
			])
		);
	}
	const sort = opts.sort ?? 'last-active-desc';
	let list = base.select(['users.id', 'users.email', 'users.name', lastActive.as('lastActiveAt')]);
	list =
		sort === 'email'
			? list.orderBy('users.email')
			: list
					.orderBy(sql`${lastActive} is null`, sort === 'last-active-desc' ? 'asc' : 'desc')
					.orderBy(lastActive, sort === 'last-active-desc' ? 'desc' : 'asc')
					.orderBy('users.email');
	const [total, users] = await Promise.all([
		base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
		list
			.limit(opts.limit ?? 100)
			.offset(opts.offset ?? 0)
			.execute()
	]);
	return {
		total: Number(total.n),
		users: users.map((u) => ({
			...u,
			lastActiveAt: u.lastActiveAt == null ? null : Number(u.lastActiveAt)
		}))
	};
}
