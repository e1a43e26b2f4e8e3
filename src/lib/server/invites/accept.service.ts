import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db';
import { hashToken } from '../auth/tokens';
import { isLinkSecret } from './links';
import { inviteFromRow } from '../sync/sql-store';
import { enterpriseWrite } from '../sync/enterprise-write';
import { seatCheck } from '../../domain/mutations/define';
import { hasControlCharacter } from '../../domain/text';
import { hashPassword } from '../auth/password';
import { hit } from '../auth/rate-limit';
import { newPasswordSchema } from '../auth/reset';
import { checkPassword, rateLimitedMessage } from '../auth/login';
import { isConstraintError } from '../sync/db-errors';
import type { InviteDelivery } from '../db/schema';

// Tries per invite link, on top of the sign-in limits every password check shares with /login.
const TRIES = 10;
const TRIES_WINDOW_MS = 15 * 60 * 1000;

/**
 * How the invitee accepts through this link:
 * - `signIn`: the account has a password; they sign in with it (as on /login, same limits);
 * - `create`: no account yet and the link came by email: they create it (name and password);
 * - `choosePassword`: an account without a password and the link came by email: they choose one;
 * - `useEmailLink`: the link was copied from the console and the account has no password (or does
 *   not exist): holding a copied link proves nothing about the mailbox, so it never creates an
 *   account or sets a password; the invitee opens the link in the invite email instead.
 */
export type AcceptWay = 'signIn' | 'create' | 'choosePassword' | 'useEmailLink';

function wayFor(delivery: InviteDelivery, account: { password_hash: string | null } | undefined) {
	if (account?.password_hash) return 'signIn' as const;
	if (delivery !== 'email') return 'useEmailLink' as const;
	return account ? ('choosePassword' as const) : ('create' as const);
}

/** What an invite link leads to. */
export type InviteLookup =
	| { status: 'invalid' }
	| { status: 'expired'; enterpriseName: string; email: string; expiredAt: number }
	| {
			status: 'pending';
			enterpriseName: string;
			email: string;
			expiresAt: number;
			way: AcceptWay;
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
			'enterprises.name as enterprise_name',
			'invite_tokens.delivery'
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
		way: wayFor(row.delivery, user)
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
				| 'ALREADY_ACCEPTED'
				| 'EMAIL_LINK_NEEDED'
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
 * Accepts an invite through its link: signs in the account that has a password (the same check,
 * limits and SSO policy as /login), or, only through the emailed link, creates the account or gives
 * a first password to one that had none; a copied link never sets a credential. Then, with the
 * enterprise write protocol, turns the invite into a license (seat-checked, R5/R6), adds the
 * invite's teams except those SCIM manages (R22), spends every link of the invite and audits it
 * (R24). Two accepts at once: one joins, the other is told the invite was already accepted.
 */
export async function acceptInvite(
	database: Db,
	secret: string,
	input: { password: string; name?: string; ip?: string | null },
	now = Date.now()
): Promise<AcceptResult> {
	try {
		return await accept(database, secret, input, now);
	} catch (err) {
		// Another accept created the account between our look and our insert (two invites to the
		// same person, accepted at once): look again, now as an existing account.
		if (!isConstraintError(err)) throw err;
		return accept(database, secret, input, now);
	}
}

async function accept(
	database: Db,
	secret: string,
	input: { password: string; name?: string; ip?: string | null },
	now: number
): Promise<AcceptResult> {
	const found = await lookup(database, secret);
	if (!found) return invalid();
	if (found.expires_at <= now) return expired();
	const account = await database.db
		.selectFrom('users')
		.select(['id', 'password_hash'])
		.where(sql`lower(email)`, '=', found.email.toLowerCase())
		.executeTakeFirst();
	const way = wayFor(found.delivery, account);
	if (way === 'useEmailLink') return emailLinkNeeded(found.email);
	const tries = await hit(database, `invite:${hashToken(secret)}`, TRIES, TRIES_WINDOW_MS, now);
	if (!tries.allowed) return refuse('RATE_LIMITED', rateLimitedMessage(tries.retryAfterSeconds));
	let newPasswordHash: string | null = null;
	let name: string | null = null;
	if (way === 'signIn') {
		const checked = await checkPassword(
			database,
			{ email: found.email, password: input.password },
			// Accepting opens no console session, so the console's SSO policy does not apply here.
			{ ip: input.ip ?? null, purpose: 'accept' },
			now
		);
		if (!checked.ok) {
			if (checked.code === 'RATE_LIMITED')
				return refuse('RATE_LIMITED', rateLimitedMessage(checked.retryAfterSeconds));
			return refuse('WRONG_PASSWORD', 'The password is incorrect. Try again.');
		}
	} else {
		const password = newPasswordSchema.safeParse(input.password);
		if (!password.success)
			return refuse(
				'INVALID_INPUT',
				`${password.error.issues[0]?.message ?? 'Check the password'}.`
			);
		if (way === 'create') {
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
				if (!row) {
					const joined = await w.trx
						.selectFrom('licenses')
						.innerJoin('users', 'users.id', 'licenses.user_id')
						.select('licenses.user_id')
						.where('licenses.enterprise_id', '=', found.enterprise_id)
						.where(sql`lower(users.email)`, '=', found.email.toLowerCase())
						.executeTakeFirst();
					throw new Refused(joined ? alreadyAccepted(found) : invalid());
				}
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
					// Only an account that had no password gets one, and only through the emailed link.
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
					const { noSeat } = await seatCheck(w.store, 1, now);
					if (noSeat) {
						throw new Refused({
							ok: false,
							code: 'NEEDS_TO_INCREASE_SEATS',
							message: `${found.enterprise_name} has no free seat for you right now. Ask its administrator to add seats, then open this link again.`
						});
					}
					await w.store.addLicense(userID, 'invite');
				}
				// R22: a team SCIM manages is the identity provider's; its members come only from there.
				for (const teamID of invite.teamIDs) {
					const team = await w.store.getTeam(teamID);
					if (team && team.source !== 'scim' && !(await w.store.isTeamMember(teamID, userID)))
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

function alreadyAccepted(found: {
	email: string;
	enterprise_name: string;
}): Extract<AcceptResult, { ok: false }> {
	return {
		ok: false,
		code: 'ALREADY_ACCEPTED',
		message: `This invite was already accepted: ${found.email} has a license for ${found.enterprise_name}. Sign in to the API client to use it.`
	};
}

function emailLinkNeeded(email: string): Extract<AcceptResult, { ok: false }> {
	return {
		ok: false,
		code: 'EMAIL_LINK_NEEDED',
		message: `This link was copied from the Roster console, and a copied link cannot create an account or set a password. Open the link in the invite email sent to ${email}, or ask the person who invited you to send the invite again.`
	};
}

function expired(): Extract<AcceptResult, { ok: false }> {
	return {
		ok: false,
		code: 'EXPIRED',
		message: 'This invite has expired. Ask the person who invited you to send it again.'
	};
}
