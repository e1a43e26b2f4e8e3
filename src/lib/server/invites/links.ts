import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Db } from '../db';
import { hashToken } from '../auth/tokens';

/** The path of the page that accepts an invite. */
export const INVITE_PATH = '/invite/';

/** Whether a string has the shape of a link secret Roster makes (anything else is refused early). */
export function isLinkSecret(secret: string): boolean {
	return /^[A-Za-z0-9_-]{43}$/.test(secret);
}

/** A new random link secret (256 bits, URL-safe). */
export function newLinkSecret(): string {
	return randomBytes(32).toString('base64url');
}

/**
 * Makes a link that accepts a pending invite; only its hash is stored. Every link of an invite
 * lives as long as the invite: accepting it (or revoking it) spends them all.
 */
export async function mintInviteLink(
	db: Kysely<Database>,
	enterpriseID: string,
	inviteID: string,
	origin: string,
	now = Date.now()
): Promise<string> {
	const secret = newLinkSecret();
	await db
		.insertInto('invite_tokens')
		.values({
			token_hash: hashToken(secret),
			invite_id: inviteID,
			enterprise_id: enterpriseID,
			created_at: now
		})
		.execute();
	return `${origin}${INVITE_PATH}${secret}`;
}

/** Takes back a link that never reached anyone (its email could not be sent). */
export async function dropInviteLink(db: Kysely<Database>, link: string): Promise<void> {
	const secret = link.slice(link.lastIndexOf('/') + 1);
	await db.deleteFrom('invite_tokens').where('token_hash', '=', hashToken(secret)).execute();
}

/**
 * A new link for a pending invite of this enterprise (R5), or null when there is none: expired,
 * accepted, revoked, another enterprise's, or not synced yet.
 */
export async function inviteLink(
	database: Db,
	enterpriseID: string,
	inviteID: string,
	origin: string,
	now = Date.now()
): Promise<string | null> {
	if (!/^[A-Za-z0-9-]{1,100}$/.test(inviteID)) return null;
	const invite = await database.db
		.selectFrom('invites')
		.select('id')
		.where('id', '=', inviteID)
		.where('enterprise_id', '=', enterpriseID)
		.where('expires_at', '>', now)
		.executeTakeFirst();
	if (!invite) return null;
	return mintInviteLink(database.db, enterpriseID, inviteID, origin, now);
}
