import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../../src/lib/server/db';
import type { AccountRole } from '../../../src/lib/domain/roles';
import { inviteExpiresAt } from '../../../src/lib/domain/seats';
import { nameKey } from '../../../src/lib/domain/text';

/** A fixed "now" for the specs: 2025-09-01T12:00:00Z, well after activity tracking began (R19). */
export const NOW = Date.UTC(2025, 8, 1, 12);

/** A short random tag that keeps rows of different tests apart in one shared database. */
export function tag(): string {
	return randomBytes(4).toString('hex');
}

/** Inserts an enterprise with no people, teams or domains; returns its id, slug and name. */
export async function makeEmptyEnterprise(
	{ db }: Db,
	opts: { name?: string; seats?: number } = {}
): Promise<{ id: string; slug: string; name: string }> {
	const id = randomUUID();
	const t = tag();
	const name = opts.name ?? `Enterprise ${t}`;
	const slug = `ent-${t}`;
	await db
		.insertInto('enterprises')
		.values({ id, name, slug, seats: opts.seats ?? 10, created_at: NOW })
		.execute();
	return { id, slug, name };
}

/** Inserts a user (an API-client user unless a password hash is given). */
export async function makeUser(
	{ db }: Db,
	opts: {
		email?: string;
		name?: string;
		passwordHash?: string | null;
		lastLoginAt?: number | null;
	} = {}
): Promise<{ id: string; email: string; name: string }> {
	const id = randomUUID();
	const email = opts.email ?? `user.${tag()}@example.test`;
	const name = opts.name ?? `User ${email.split('@')[0]}`;
	await db
		.insertInto('users')
		.values({
			id,
			email,
			name,
			password_hash: opts.passwordHash ?? null,
			last_login_at: opts.lastLoginAt ?? null,
			created_at: NOW
		})
		.execute();
	return { id, email, name };
}

/** Gives a user a seat in an enterprise (R4). */
export async function license({ db }: Db, enterpriseID: string, userID: string): Promise<void> {
	await db
		.insertInto('licenses')
		.values({ enterprise_id: enterpriseID, user_id: userID, source: 'console', created_at: NOW })
		.execute();
}

/** Gives a user a console role in an enterprise (R2). */
export async function grantRole(
	{ db }: Db,
	enterpriseID: string,
	userID: string,
	role: AccountRole
): Promise<void> {
	await db
		.insertInto('account_roles')
		.values({ enterprise_id: enterpriseID, user_id: userID, role, created_at: NOW })
		.execute();
}

/** Records a user's last activity (R19). */
export async function recordActivity({ db }: Db, userID: string, at: number): Promise<void> {
	await db.insertInto('activity_summary').values({ user_id: userID, last_active_at: at }).execute();
}

/** Sends an invite at `sentAt`; it expires 30 days later (R5). */
export async function invite(
	{ db }: Db,
	enterpriseID: string,
	opts: { email?: string; sentAt?: number } = {}
): Promise<string> {
	const id = randomUUID();
	const sentAt = opts.sentAt ?? NOW;
	await db
		.insertInto('invites')
		.values({
			id,
			enterprise_id: enterpriseID,
			email: opts.email ?? `invitee.${tag()}@example.test`,
			role: 'member',
			team_ids: '[]',
			invited_by: null,
			sent_at: sentAt,
			expires_at: inviteExpiresAt(sentAt)
		})
		.execute();
	return id;
}

/** Adds a domain, verified unless told otherwise (R13). */
export async function addDomain(
	{ db }: Db,
	enterpriseID: string,
	domain: string,
	opts: { verified?: boolean } = {}
): Promise<string> {
	const id = randomUUID();
	await db
		.insertInto('domains')
		.values({
			id,
			enterprise_id: enterpriseID,
			domain,
			verification_value: `roster-verification=${randomBytes(16).toString('hex')}`,
			verified_at: opts.verified === false ? null : NOW,
			created_at: NOW
		})
		.execute();
	return id;
}

/** Adds an organization. */
export async function makeOrg({ db }: Db, enterpriseID: string, name: string): Promise<string> {
	const id = randomUUID();
	await db
		.insertInto('organizations')
		.values({ id, enterprise_id: enterpriseID, name, name_key: nameKey(name), created_at: NOW })
		.execute();
	return id;
}

/** Sets the storage policy, globally (`orgID` null) or as an organization's override (R17). */
export async function setStoragePolicy(
	{ db }: Db,
	enterpriseID: string,
	orgID: string | null,
	allowed: { local: boolean; cloud: boolean; git: boolean }
): Promise<void> {
	await db
		.insertInto('storage_policies')
		.values({
			id: randomUUID(),
			enterprise_id: enterpriseID,
			org_id: orgID,
			local: allowed.local ? 1 : 0,
			cloud: allowed.cloud ? 1 : 0,
			git: allowed.git ? 1 : 0,
			updated_at: NOW
		})
		.execute();
}
