import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db';
import { hashToken } from '../auth/tokens';
import { isLinkSecret } from './links';
import { inviteFromRow } from '../sync/sql-store';
import { enterpriseWrite } from '../sync/enterprise-write';
import { seatCheck } from '../../domain/mutations/define';
import { hasControlCharacter } from '../../domain/text';
import { hashPassword, verifyPassword } from '../auth/password';
import { hit } from '../auth/rate-limit';
import { newPasswordSchema } from '../auth/reset';

// Password tries per invite link (an account that already has a password signs in to accept).
const TRIES = 10;
const TRIES_WINDOW_MS = 15 * 60 * 1000;

/** What an invite link leads to. */
export type InviteLookup =
	| { status: 'invalid' }
	| { status: 'expired'; enterpriseName: string; email: string; expiredAt: number }
	| {
			status: 'pending';
			enterpriseName: string;
			email: string;
			expiresAt: number;
			/** An account with a password signs in to accept; anyone else creates one (sets a password). */
			hasPassword: boolean;
			/** Whether the account exists (one without a password only sets one, keeping its name). */
			hasAccount: boolean;
	  };

async function lookup(database: Db, secret: string) {
	if (!isLinkSecret(secret)) return undefined;
	return database.db
		.selectFrom('invite_tokens')
		.innerJoin('invites', (j) =>
			j
				.onRef('invites.id', '=', 'invite_tokens.invite_id')
				.onRef('invites.enterprise_id', '=', 'invite_tokens.enterprise_id')
		)
		.innerJoin('enterprises', 'enterprises.id', 'invites.enterprise_id')
		.select([
			'invites.id',
			'invites.enterprise_id',
			'invites.email',
			'invites.expires_at',
			'enterprises.name as enterprise_name'
		])
		.where('invite_tokens.token_hash', '=', hashToken(secret))
		.executeTakeFirst();
}

/** Finds the invite a link accepts: pending, expired (R5), or nothing (used, revoked, forged). */
export async function findInvite(
	database: Db,
	secret: string,
	now = Date.now()
): Promise<InviteLookup> {
	const row = await lookup(database, secret);
	if (!row) return { status: 'invalid' };
	if (row.expires_at <= now) {
		return {
			status: 'expired',
			enterpriseName: row.enterprise_name,
			email: row.email,
			expiredAt: row.expires_at
		};
	}
	const user = await database.db
		.selectFrom('users')
		.select('password_hash')
		.where(sql`lower(email)`, '=', row.email.toLowerCase())
		.executeTakeFirst();
	return {
		status: 'pending',
		enterpriseName: row.enterprise_name,
		email: row.email,
		expiresAt: row.expires_at,
		hasPassword: !!user?.password_hash,
		hasAccount: !!user
	};
}

/** What accepting an invite came to; a refusal carries a message for the invitee. */
export type AcceptResult =
	| { ok: true; enterpriseName: string; email: string }
	| {
			ok: false;
			code:
				| 'INVALID_LINK'
				| 'EXPIRED'
				| 'WRONG_PASSWORD'
				| 'INVALID_INPUT'
				| 'RATE_LIMITED'
				| 'NEEDS_TO_INCREASE_SEATS';
			message: string;
	  };

class Refused extends Error {
	constructor(readonly result: Extract<AcceptResult, { ok: false }>) {
		super(result.message);
	}
}

/**
 * Accepts an invite through its link: signs in the account that has a password (checks it) or
 * creates the account (or gives a password to one that had none), then, with the enterprise write
 * protocol, turns the invite into a license (seat-checked, R5/R6), adds the invite's teams, spends
 * every link of the invite and audits it (R24).
 */
export async function acceptInvite(
	database: Db,
	secret: string,
	input: { password: string; name?: string },
	now = Date.now()
): Promise<AcceptResult> {
	const found = await lookup(database, secret);
	if (!found) return invalid();
	if (found.expires_at <= now) return expired();
	const tries = await hit(database, `invite:${hashToken(secret)}`, TRIES, TRIES_WINDOW_MS, now);
	if (!tries.allowed) {
		const minutes = Math.ceil(tries.retryAfterSeconds / 60);
		return refuse(
			'RATE_LIMITED',
			`Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
		);
	}
	const account = await database.db
		.selectFrom('users')
		.select(['id', 'password_hash'])
		.where(sql`lower(email)`, '=', found.email.toLowerCase())
		.executeTakeFirst();
	let newPasswordHash: string | null = null;
	let name: string | null = null;
	if (account?.password_hash) {
		if (!(await verifyPassword(input.password, account.password_hash)))
			return refuse('WRONG_PASSWORD', 'The password is incorrect. Try again.');
	} else {
		const password = newPasswordSchema.safeParse(input.password);
		if (!password.success)
			return refuse(
				'INVALID_INPUT',
				`${password.error.issues[0]?.message ?? 'Check the password'}.`
			);
		if (!account) {
			name = (input.name ?? '').trim();
			if (name.length < 1 || name.length > 100)
				return refuse('INVALID_INPUT', 'Enter your name (1 to 100 characters).');
			if (hasControlCharacter(name))
				return refuse('INVALID_INPUT', 'Your name must not contain line breaks or tabs.');
		}
		newPasswordHash = await hashPassword(input.password);
	}

	try {
		return await enterpriseWrite(
			database,
			found.enterprise_id,
			{ userID: account?.id ?? null, kind: 'system', queued: false },
			async (w) => {
				// Again under the enterprise's lock: another tab may have accepted or an admin revoked it.
				const row = await w.trx
					.selectFrom('invites')
					.selectAll()
					.where('id', '=', found.id)
					.where('enterprise_id', '=', found.enterprise_id)
					.executeTakeFirst();
				if (!row) throw new Refused(invalid());
				if (row.expires_at <= now) throw new Refused(expired());
				const invite = inviteFromRow(row);
				let userID = account?.id;
				if (!userID) {
					userID = randomUUID();
					await w.trx
						.insertInto('users')
						.values({
							id: userID,
							email: invite.email,
							name: name!,
							password_hash: newPasswordHash,
							last_login_at: null,
							created_at: now
						})
						.execute();
				} else if (newPasswordHash) {
					// Only an account that had no password gets one through its invite.
					await w.trx
						.updateTable('users')
						.set({ password_hash: newPasswordHash })
						.where('id', '=', userID)
						.where('password_hash', 'is', null)
						.execute();
				}
				// The invite's seat becomes the license: free it, then take one (R5, R6).
				await w.store.deleteInvite(invite.id);
				if (!(await w.store.hasLicense(userID))) {
					const noSeat = await seatCheck(w.store, 1, now);
					if (noSeat && !noSeat.ok) {
						throw new Refused({
							ok: false,
							code: 'NEEDS_TO_INCREASE_SEATS',
							message: `${found.enterprise_name} has no free seat for you right now. Ask its administrator to add seats, then open this link again.`
						});
					}
					await w.store.addLicense(userID, 'invite');
				}
				for (const teamID of invite.teamIDs) {
					if ((await w.store.getTeam(teamID)) && !(await w.store.isTeamMember(teamID, userID)))
						await w.store.addTeamMember(teamID, userID);
				}
				await w.audit('acceptInvite', invite.email, invite, {
					userID,
					licensed: true,
					accountCreated: !account
				});
				w.changed();
				return { ok: true as const, enterpriseName: found.enterprise_name, email: invite.email };
			},
			now
		);
	} catch (err) {
		if (err instanceof Refused) return err.result;
		throw err;
	}
}

function refuse(code: Extract<AcceptResult, { ok: false }>['code'], message: string): AcceptResult {
	return { ok: false, code, message };
}

function invalid(): Extract<AcceptResult, { ok: false }> {
	return {
		ok: false,
		code: 'INVALID_LINK',
		message:
			'This invite link does not work: it was already used, the invite was revoked, or the link is incomplete.'
	};
}

function expired(): Extract<AcceptResult, { ok: false }> {
	return {
		ok: false,
		code: 'EXPIRED',
		message: 'This invite has expired. Ask the person who invited you to send it again.'
	};
}
