import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db';
import { normalizeEmail } from '../../domain/auth';
import { hashToken } from './tokens';
import { isLinkSecret } from '../invites/links';
import { hashPassword } from './password';
import { addressKey, overLimit, type RateLimited } from './rate-limit';
import { revokeAllSessions } from './session';
import { kickMail, queueResetMail } from '../mail/queue';

// Requests per address (someone probing many emails) and per email (someone flooding one inbox).
const ADDRESS_LIMIT = 10;
const EMAIL_LIMIT = 3;
const ADDRESS_WINDOW_MS = 15 * 60 * 1000;
const EMAIL_WINDOW_MS = 60 * 60 * 1000;
// New-password submissions per address (each valid one costs a password hash).
const SUBMIT_LIMIT = 10;
const SUBMIT_WINDOW_MS = 15 * 60 * 1000;

/** A new password: long enough to resist guessing, short enough to hash. */
export const newPasswordSchema = z
	.string({ error: 'Enter a new password' })
	.min(10, 'Use at least 10 characters for the new password')
	.max(1024, 'Use at most 1,024 characters for the new password');

/** What asking for a reset link came to; the same whether the email has an account or not. */
export type ResetRequestResult = { ok: true } | RateLimited;

/**
 * Queues a reset email for a password account. Rate-limited per address and per email; answers the
 * same, and does the same work (one lookup, one queued row), whether or not the email has one.
 */
export async function requestPasswordReset(
	database: Db,
	input: { email: string; origin: string },
	meta: { ip: string | null },
	now = Date.now()
): Promise<ResetRequestResult> {
	const email = normalizeEmail(input.email);
	const ip = addressKey(meta.ip);
	const limited =
		(await overLimit(database, `reset:ip:${ip}`, ADDRESS_LIMIT, ADDRESS_WINDOW_MS, now)) ??
		(await overLimit(database, `reset:email:${email}`, EMAIL_LIMIT, EMAIL_WINDOW_MS, now));
	if (limited) return limited;
	const user = await database.db
		.selectFrom('users')
		.select('id')
		.where(sql`lower(email)`, '=', email)
		.where('password_hash', 'is not', null)
		.executeTakeFirst();
	await queueResetMail(database.db, { userID: user?.id ?? null, email, origin: input.origin }, now);
	kickMail();
	return { ok: true };
}

/** The account a reset link is for, while it is unused and unexpired; null otherwise. */
export async function findReset(
	{ db }: Db,
	secret: string,
	now = Date.now()
): Promise<{ email: string } | null> {
	if (!isLinkSecret(secret)) return null;
	const row = await db
		.selectFrom('password_resets')
		.innerJoin('users', 'users.id', 'password_resets.user_id')
		.select('users.email')
		.where('password_resets.token_hash', '=', hashToken(secret))
		.where('password_resets.used_at', 'is', null)
		.where('password_resets.expires_at', '>', now)
		.executeTakeFirst();
	return row ?? null;
}

/** What setting a new password came to. */
export type ResetResult =
	{ ok: true; email: string } | { ok: false; code: 'INVALID_LINK' } | RateLimited;

/**
 * Sets a new password through a reset link. Submissions are limited per address (10 per 15
 * minutes, forged links included), and the link is checked before the password is hashed, so a
 * forged or spent link costs no hash. The link is spent (used once, even when two requests race),
 * every reset link of the account is deleted, and every session of the account ends.
 */
export async function completePasswordReset(
	database: Db,
	secret: string,
	password: string,
	now = Date.now(),
	meta: { ip?: string | null } = {}
): Promise<ResetResult> {
	const ip = addressKey(meta.ip);
	const limited = await overLimit(
		database,
		`reset:submit:${ip}`,
		SUBMIT_LIMIT,
		SUBMIT_WINDOW_MS,
		now
	);
	if (limited) return limited;
	if (!isLinkSecret(secret)) return { ok: false, code: 'INVALID_LINK' };
	const tokenHash = hashToken(secret);
	// The link first: only a live link's new password is worth hashing.
	const live = await database.db
		.selectFrom('password_resets')
		.select('user_id')
		.where('token_hash', '=', tokenHash)
		.where('used_at', 'is', null)
		.where('expires_at', '>', now)
		.executeTakeFirst();
	if (!live) return { ok: false, code: 'INVALID_LINK' };
	const passwordHash = await hashPassword(password);
	const email = await database.db.transaction().execute(async (trx) => {
		// Spent atomically: of two requests racing with one link, one finds it still live.
		const spent = await trx
			.updateTable('password_resets')
			.set({ used_at: now })
			.where('token_hash', '=', tokenHash)
			.where('used_at', 'is', null)
			.where('expires_at', '>', now)
			.returning('user_id')
			.executeTakeFirst();
		if (!spent) return null;
		const user = await trx
			.updateTable('users')
			.set({ password_hash: passwordHash })
			.where('id', '=', spent.user_id)
			.returning('email')
			.executeTakeFirstOrThrow();
		// The password changed: no reset link of the account (this one included) is kept.
		await trx.deleteFrom('password_resets').where('user_id', '=', spent.user_id).execute();
		await revokeAllSessions({ ...database, db: trx }, spent.user_id);
		return user.email;
	});
	return email ? { ok: true, email } : { ok: false, code: 'INVALID_LINK' };
}
