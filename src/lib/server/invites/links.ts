import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, InviteDelivery } from '../db/schema';
import type { Db } from '../db';
import { hashToken } from '../auth/tokens';
import { overLimit, type RateLimited } from '../auth/rate-limit';
import { writeAudit } from '../audit.service';

// Copied links an admin may make per 15 minutes: plenty for passing invites on by hand, few for
// harvesting links.
const COPY_LIMIT = 30;
const COPY_WINDOW_MS = 15 * 60 * 1000;

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
 * Makes a link that accepts a pending invite; only its hash is stored, with how it is delivered
 * (`email`: sent to the invitee's mailbox, so it may create their account or set a first password;
 * `copy`: shown to an admin, so it never sets a credential). Every link of an invite lives as long
 * as the invite: accepting it (or revoking it) spends them all.
 */
export async function mintInviteLink(
	db: Kysely<Database>,
	enterpriseID: string,
	inviteID: string,
	origin: string,
	delivery: InviteDelivery,
	now = Date.now()
): Promise<string> {
	const secret = newLinkSecret();
	await db
		.insertInto('invite_tokens')
		.values({
			token_hash: hashToken(secret),
			invite_id: inviteID,
			enterprise_id: enterpriseID,
			created_at: now,
			delivery
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
 * A new copyable link for a pending invite of this enterprise (R5), or null when there is none:
 * expired, accepted, revoked, another enterprise's, or not synced yet. The link never sets a
 * credential (see `mintInviteLink`).
 */
export async function inviteLink(
	database: Db,
	enterpriseID: string,
	inviteID: string,
	origin: string,
	now = Date.now()
): Promise<string | null> {
	return (await copyableLink(database, enterpriseID, inviteID, origin, now))?.link ?? null;
}

async function copyableLink(
	database: Db,
	enterpriseID: string,
	inviteID: string,
	origin: string,
	now: number
): Promise<{ link: string; email: string } | null> {
	if (!/^[A-Za-z0-9-]{1,100}$/.test(inviteID)) return null;
	const invite = await database.db
		.selectFrom('invites')
		.select('email')
		.where('id', '=', inviteID)
		.where('enterprise_id', '=', enterpriseID)
		.where('expires_at', '>', now)
		.executeTakeFirst();
	if (!invite) return null;
	const link = await mintInviteLink(database.db, enterpriseID, inviteID, origin, 'copy', now);
	return { link, email: invite.email };
}

/** What an admin's "copy link" came to. */
export type CopyLinkResult =
	{ ok: true; link: string } | { ok: false; code: 'NOT_FOUND' } | RateLimited;

/**
 * The console's "copy link": a new copyable link for a pending invite of this enterprise, limited
 * per admin (30 per 15 minutes) and audited (R24), since every link is one more way into the invite.
 */
export async function copyInviteLink(
	database: Db,
	input: { enterpriseID: string; inviteID: string; userID: string; origin: string },
	now = Date.now()
): Promise<CopyLinkResult> {
	const key = `invite-link:${input.userID}`;
	const limited = await overLimit(database, key, COPY_LIMIT, COPY_WINDOW_MS, now);
	if (limited) return limited;
	const made = await copyableLink(database, input.enterpriseID, input.inviteID, input.origin, now);
	if (!made) return { ok: false, code: 'NOT_FOUND' };
	await writeAudit(database.db, {
		enterpriseID: input.enterpriseID,
		at: now,
		actorUserID: input.userID,
		kind: 'console',
		action: 'copyInviteLink',
		target: made.email,
		after: { inviteID: input.inviteID }
	});
	return { ok: true, link: made.link };
}
