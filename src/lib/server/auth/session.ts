import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db';
import { DAY_MS } from '../../domain/seats';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'roster_session';

/** How long a session lives without use; each use extends it (sliding). */
export const SESSION_TTL_MS = 30 * DAY_MS;

// Refresh the expiry at most this often, so every request does not write.
const TOUCH_EVERY_MS = 60 * 60 * 1000;

/**
 * How a session was made: with a password, or through an enterprise's IdP (single sign-on), which
 * vouches for that enterprise only.
 */
export type SessionOrigin =
	{ method: 'password'; ssoEnterpriseID: null } | { method: 'sso'; ssoEnterpriseID: string };

/** The origin of a password session (the default). */
export const PASSWORD_SESSION: SessionOrigin = { method: 'password', ssoEnterpriseID: null };

/** The signed-in user a session belongs to. */
export interface SessionUser {
	id: string;
	email: string;
	name: string;
}

function idOf(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

/** Creates a session and returns the secret for the cookie; only its hash is stored. */
export async function createSession(
	{ db }: Db,
	userID: string,
	meta: { ip?: string | null; userAgent?: string | null } = {},
	now = Date.now(),
	origin: SessionOrigin = PASSWORD_SESSION
): Promise<{ secret: string; expiresAt: number }> {
	const secret = randomBytes(32).toString('base64url');
	const expiresAt = now + SESSION_TTL_MS;
	await db
		.insertInto('sessions')
		.values({
			id: idOf(secret),
			user_id: userID,
			created_at: now,
			expires_at: expiresAt,
			last_seen_at: now,
			ip: meta.ip ?? null,
			user_agent: meta.userAgent?.slice(0, 300) ?? null,
			method: origin.method,
			sso_enterprise_id: origin.ssoEnterpriseID
		})
		.execute();
	return { secret, expiresAt };
}

/** The user of a live session, or null; extends the session when it is used. */
export async function resolveSession(
	{ db }: Db,
	secret: string,
	now = Date.now(),
	{ slide = true }: { slide?: boolean } = {}
): Promise<{ user: SessionUser; expiresAt: number; origin: SessionOrigin } | null> {
	if (!/^[A-Za-z0-9_-]{20,100}$/.test(secret)) return null;
	const id = idOf(secret);
	const row = await db
		.selectFrom('sessions')
		.innerJoin('users', 'users.id', 'sessions.user_id')
		.select([
			'users.id',
			'users.email',
			'users.name',
			'sessions.expires_at',
			'sessions.last_seen_at',
			'sessions.method',
			'sessions.sso_enterprise_id'
		])
		.where('sessions.id', '=', id)
		.executeTakeFirst();
	if (!row) return null;
	if (row.expires_at <= now) {
		await db.deleteFrom('sessions').where('id', '=', id).execute();
		return null;
	}
	let expiresAt = row.expires_at;
	if (slide && now - row.last_seen_at > TOUCH_EVERY_MS) {
		expiresAt = now + SESSION_TTL_MS;
		await db
			.updateTable('sessions')
			.set({ last_seen_at: now, expires_at: expiresAt })
			.where('id', '=', id)
			.execute();
	}
	// A session of unknown origin, or an SSO one without its enterprise, counts as SSO for no
	// enterprise: it reaches nothing rather than everything.
	const origin: SessionOrigin =
		row.method === 'password'
			? PASSWORD_SESSION
			: { method: 'sso', ssoEnterpriseID: row.sso_enterprise_id ?? '' };
	return { user: { id: row.id, email: row.email, name: row.name }, expiresAt, origin };
}

/** Ends one session. */
export async function revokeSession({ db }: Db, secret: string): Promise<void> {
	await db.deleteFrom('sessions').where('id', '=', idOf(secret)).execute();
}

/** Ends every session of a user (password change, account removal). */
export async function revokeAllSessions({ db }: Db, userID: string): Promise<void> {
	await db.deleteFrom('sessions').where('user_id', '=', userID).execute();
}
