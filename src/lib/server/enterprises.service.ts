import type { Db } from './db';
import type { AccountRole } from '../domain/roles';

/** An enterprise as an admin sees it in the switcher, with their role there. */
export interface EnterpriseMembership {
	id: string;
	name: string;
	slug: string;
	role: AccountRole;
}

/** The enterprises a user holds a role in, by name (R1). */
export async function enterprisesOf({ db }: Db, userID: string): Promise<EnterpriseMembership[]> {
	return db
		.selectFrom('account_roles')
		.innerJoin('enterprises', 'enterprises.id', 'account_roles.enterprise_id')
		.select(['enterprises.id', 'enterprises.name', 'enterprises.slug', 'account_roles.role'])
		.where('account_roles.user_id', '=', userID)
		.orderBy('enterprises.name')
		.execute();
}

/** A user's role in one enterprise, looked up by id or slug; null when they have none. */
export async function membershipIn(
	{ db }: Db,
	userID: string,
	by: { id: string } | { slug: string }
): Promise<EnterpriseMembership | null> {
	let q = db
		.selectFrom('account_roles')
		.innerJoin('enterprises', 'enterprises.id', 'account_roles.enterprise_id')
		.select(['enterprises.id', 'enterprises.name', 'enterprises.slug', 'account_roles.role'])
		.where('account_roles.user_id', '=', userID);
	q =
		'id' in by ? q.where('enterprises.id', '=', by.id) : q.where('enterprises.slug', '=', by.slug);
	return (await q.executeTakeFirst()) ?? null;
}
