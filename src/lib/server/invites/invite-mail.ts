import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { queueInviteMail } from '../mail/queue';

const SENDS_INVITES = new Set(['inviteUser', 'resendInvite']);

/**
 * Queues the email of an invite an applied mutation just sent or resent (R5), in the push's
 * transaction, so it goes out only if the push commits. Returns whether it queued one. An
 * `inviteUser` for someone already licensed sends no invite, so no email.
 */
export async function queueSentInviteMail(
	trx: Kysely<Database>,
	enterpriseID: string,
	mutation: { name: string; args: unknown },
	at: number,
	origin: string
): Promise<boolean> {
	if (!SENDS_INVITES.has(mutation.name)) return false;
	const inviteID = (mutation.args as { inviteID?: unknown } | null)?.inviteID;
	if (typeof inviteID !== 'string') return false;
	const invite = await trx
		.selectFrom('invites')
		.select(['email', 'sent_at'])
		.where('id', '=', inviteID)
		.where('enterprise_id', '=', enterpriseID)
		.executeTakeFirst();
	// Sent by this very mutation: an invite left as it was (a repeat of a pending one) is not re-sent.
	if (!invite || invite.sent_at !== at) return false;
	await queueInviteMail(trx, { enterpriseID, inviteID, email: invite.email, origin }, at);
	return true;
}
