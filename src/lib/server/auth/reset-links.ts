import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { hashToken } from './tokens';
import { newLinkSecret } from '../invites/links';

/** The path of the page that sets a new password. */
export const RESET_PATH = '/reset-password/';

/** How long a reset link works after its email is sent. */
export const RESET_VALID_MS = 60 * 60 * 1000;

/**
 * Makes a single-use password reset link for a user; only its hash is stored. The account's older
 * reset links are deleted: only the newest one works.
 */
export async function mintResetLink(
	db: Kysely<Database>,
	userID: string,
	origin: string,
	now = Date.now()
): Promise<string> {
	const secret = newLinkSecret();
	await db.deleteFrom('password_resets').where('user_id', '=', userID).execute();
	await db
		.insertInto('password_resets')
		.values({
			token_hash: hashToken(secret),
			user_id: userID,
			created_at: now,
			expires_at: now + RESET_VALID_MS,
			used_at: null
		})
		.execute();
	return `${origin}${RESET_PATH}${secret}`;
}

/** Takes back a reset link whose email could not be sent. */
export async function dropResetLink(db: Kysely<Database>, link: string): Promise<void> {
	const secret = link.slice(link.lastIndexOf('/') + 1);
	await db.deleteFrom('password_resets').where('token_hash', '=', hashToken(secret)).execute();
}
