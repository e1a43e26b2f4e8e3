import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Db } from '../db';
import type { Database, MailQueueTable } from '../db/schema';
import { log } from '../log';
import { announceMail, mailConfig, smtpSender, type SendMail } from './config';
import { inviteMessage, resetMessage, type MailMessage } from './messages';
import { dropInviteLink, mintInviteLink } from '../invites/links';
import { dropResetLink, mintResetLink, RESET_VALID_MS } from '../auth/reset-links';

// A message being sent is held by its instance this long; past it another instance may retry.
const CLAIM_MS = 2 * 60 * 1000;
const FIRST_RETRY_MS = 30 * 1000;
const MAX_RETRY_MS = 15 * 60 * 1000;
const BATCH = 20;
const POLL_MS = 30 * 1000;
// Sent messages are kept this long (to see what went out), then deleted.
const KEEP_SENT_MS = 30 * 24 * 60 * 60 * 1000;

/** The wait before attempt `attempts + 1` after `attempts` failed ones: doubling, capped. */
export function retryDelayMs(attempts: number): number {
	return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(20, Math.max(0, attempts - 1)));
}

/** Queues one message to send now: `enterprise_id`, `invite_id` and `user_id` say what it is about. */
async function enqueue(
	db: Kysely<Database>,
	about: Pick<
		Row,
		'kind' | 'enterprise_id' | 'invite_id' | 'user_id' | 'recipient' | 'link_origin'
	>,
	now: number
): Promise<void> {
	await db
		.insertInto('mail_queue')
		.values({
			id: randomUUID(),
			...about,
			created_at: now,
			next_attempt_at: now,
			claimed_until: null,
			sent_at: null,
			last_error: null
		})
		.execute();
}

/** Queues the email of an invite just sent or resent (R5), in the caller's transaction. */
export async function queueInviteMail(
	db: Kysely<Database>,
	input: { enterpriseID: string; inviteID: string; email: string; origin: string },
	now = Date.now()
): Promise<void> {
	const about = { enterprise_id: input.enterpriseID, invite_id: input.inviteID, user_id: null };
	await enqueue(
		db,
		{ kind: 'invite', ...about, recipient: input.email, link_origin: input.origin },
		now
	);
}

/**
 * Queues a password reset email. `userID` null (no such password account) queues a row that is
 * dropped unsent, so asking about an unknown email does the same work as about a known one.
 */
export async function queueResetMail(
	db: Kysely<Database>,
	input: { userID: string | null; email: string; origin: string },
	now = Date.now()
): Promise<void> {
	const about = { enterprise_id: null, invite_id: null, user_id: input.userID };
	await enqueue(
		db,
		{ kind: 'reset', ...about, recipient: input.email, link_origin: input.origin },
		now
	);
}

type Row = Selectable<MailQueueTable>;

/** The message for a queued row with its freshly made link, or null when it is no longer due. */
async function compose(
	db: Kysely<Database>,
	row: Row,
	now: number
): Promise<{ message: MailMessage; link: string; to: string } | null> {
	if (row.kind === 'invite') {
		if (!row.enterprise_id || !row.invite_id) return null;
		const invite = await db
			.selectFrom('invites')
			.innerJoin('enterprises', 'enterprises.id', 'invites.enterprise_id')
			.select(['invites.expires_at', 'enterprises.name'])
			.where('invites.id', '=', row.invite_id)
			.where('invites.enterprise_id', '=', row.enterprise_id)
			.executeTakeFirst();
		// Revoked, accepted or expired meanwhile: there is nothing to invite to any more.
		if (!invite || invite.expires_at <= now) return null;
		const link = await mintInviteLink(
			db,
			row.enterprise_id,
			row.invite_id,
			row.link_origin,
			'email',
			now
		);
		const message = inviteMessage({
			enterpriseName: invite.name,
			link,
			expiresAt: invite.expires_at
		});
		return { message, link, to: row.recipient };
	}
	if (!row.user_id) return null;
	// To the address the account has now: if it changed since the request, not to the old one.
	const user = await db
		.selectFrom('users')
		.select(['id', 'email'])
		.where('id', '=', row.user_id)
		.where('password_hash', 'is not', null)
		.executeTakeFirst();
	if (!user) return null;
	const link = await mintResetLink(db, user.id, row.link_origin, now);
	return {
		message: resetMessage({ link, validMinutes: RESET_VALID_MS / 60_000 }),
		link,
		to: user.email
	};
}

/** What one delivery run did. */
export interface DeliveryRun {
	sent: number;
	failed: number;
	dropped: number;
}

/**
 * Claims up to a batch of due messages for one delivery run, in one statement: an UPDATE of the
 * due rows that RETURNs them, with a lease (`claimed_until`) and the run's token. On PostgreSQL the
 * rows are picked FOR UPDATE SKIP LOCKED, so two instances claiming at once take disjoint rows
 * without waiting; SQLite runs the statement under its write lock. The rows come back as they are
 * now (never as an earlier read saw them), so a message another run just failed waits for its
 * retry time.
 */
async function claimDue(database: Db, token: string, now: number): Promise<Row[]> {
	const { db, dialect } = database;
	const due = db
		.selectFrom('mail_queue')
		.select('id')
		.where('sent_at', 'is', null)
		.where('next_attempt_at', '<=', now)
		.where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
		.orderBy('next_attempt_at')
		.limit(BATCH);
	const rows = await db
		.updateTable('mail_queue')
		.set({ claimed_until: now + CLAIM_MS, claim_token: token })
		.where('id', 'in', dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
		.where('sent_at', 'is', null)
		.where('next_attempt_at', '<=', now)
		.where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
		.returningAll()
		.execute();
	return rows.sort((a, b) => Number(a.next_attempt_at) - Number(b.next_attempt_at));
}

/**
 * Sends the queued messages that are due: they are claimed first, atomically (see `claimDue`, so
 * two instances never send one twice), each gets a new link made at sending time (link secrets
 * never wait in the queue), and is marked sent, or kept with a later retry when the SMTP server
 * fails. A run finishes only the rows it holds. Never throws for a send. Sent messages and reset
 * links older than 30 days are deleted.
 */
export async function deliverDueMail(
	database: Db,
	send: SendMail,
	now = Date.now()
): Promise<DeliveryRun> {
	const { db } = database;
	const run: DeliveryRun = { sent: 0, failed: 0, dropped: 0 };
	await db
		.deleteFrom('mail_queue')
		.where('sent_at', '<', now - KEEP_SENT_MS)
		.execute();
	// Reset links are made only here, so their leftovers (used or expired) are cleared here too.
	await db
		.deleteFrom('password_resets')
		.where('expires_at', '<', now - KEEP_SENT_MS)
		.execute();
	const token = randomUUID();
	const held = (id: string) =>
		db.updateTable('mail_queue').where('id', '=', id).where('claim_token', '=', token);
	for (const row of await claimDue(database, token, now)) {
		const composed = await compose(db, row, now);
		if (!composed) {
			await db
				.deleteFrom('mail_queue')
				.where('id', '=', row.id)
				.where('claim_token', '=', token)
				.execute();
			run.dropped++;
			continue;
		}
		try {
			await send({ to: composed.to, ...composed.message });
		} catch (err) {
			// The link never reached anyone: take it back, and try again later with a new one.
			if (row.kind === 'invite') await dropInviteLink(db, composed.link);
			else await dropResetLink(db, composed.link);
			const attempts = row.attempts + 1;
			const error = err instanceof Error ? err.message : String(err);
			await held(row.id)
				.set({
					attempts,
					next_attempt_at: now + retryDelayMs(attempts),
					claimed_until: null,
					claim_token: null,
					last_error: error.slice(0, 500)
				})
				.execute();
			log('warn', 'an email could not be sent; it stays queued and is retried', {
				kind: row.kind,
				attempts,
				err: error
			});
			run.failed++;
			continue;
		}
		await held(row.id)
			.set({
				sent_at: now,
				claimed_until: null,
				claim_token: null,
				last_error: null,
				attempts: sql`attempts + 1`
			})
			.execute();
		run.sent++;
	}
	return run;
}

let active: { database: Db; send: SendMail } | null = null;
let running: Promise<void> | null = null;
let again = false;

async function drain(): Promise<void> {
	if (!active) return;
	const { database, send } = active;
	do {
		again = false;
		try {
			const run = await deliverDueMail(database, send);
			// A full batch went out: more may be waiting.
			if (run.sent + run.failed + run.dropped >= BATCH) again = true;
		} catch (err) {
			log('error', 'the email queue could not be read', {
				err: err instanceof Error ? err.message : String(err)
			});
			return;
		}
	} while (again && active);
}

/** Sends what is queued soon, after the caller's commit; a no-op when email is off. */
export function kickMail(): void {
	if (!active) return;
	if (running) {
		again = true;
		return;
	}
	running = drain().finally(() => {
		running = null;
	});
}

/**
 * Starts sending queued email (when SMTP_URL is set) now, after each commit that queues some, and
 * every 30 seconds for retries; logs whether email is on. Returns the function that stops it.
 */
export function startMailer(database: Db, send?: SendMail): () => Promise<void> {
	const config = mailConfig();
	announceMail(config);
	if (!config && !send) return async () => {};
	active = { database, send: send ?? smtpSender(config!) };
	kickMail();
	const timer = setInterval(kickMail, POLL_MS);
	timer.unref();
	return async () => {
		clearInterval(timer);
		active = null;
		await running;
	};
}
