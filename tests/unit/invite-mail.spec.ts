import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { push } from '../../src/lib/server/sync/push';
import { deliverDueMail, queueResetMail } from '../../src/lib/server/mail/queue';
import { mailConfig, smtpSender, type SendMail } from '../../src/lib/server/mail/config';
import { acceptInvite, findInvite } from '../../src/lib/server/invites/accept.service';
import { copyInviteLink, inviteLink } from '../../src/lib/server/invites/links';
import { hashPassword } from '../../src/lib/server/auth/password';
import { hashToken } from '../../src/lib/server/auth/tokens';
import { login } from '../../src/lib/server/auth/login';
import { DAY_MS } from '../../src/lib/domain/seats';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, license, makeEmptyEnterprise, makeUser, tag } from './support/factories';
import { linkIn, recipients, startSmtp, type TestSmtp } from '../support/smtp';

const ORIGIN = 'https://roster.example.test';

let smtp: TestSmtp;
let send: SendMail;
beforeAll(async () => {
	smtp = await startSmtp();
	process.env.SMTP_URL = smtp.url;
	process.env.MAIL_FROM = 'Roster <roster@example.test>';
	send = smtpSender(mailConfig()!);
});
afterAll(async () => {
	delete process.env.SMTP_URL;
	delete process.env.MAIL_FROM;
	await smtp?.close();
});
afterEach(() => {
	smtp.down = false;
});

describe.each(dialects)('invite email on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	/** An enterprise with an owner, and a function that pushes mutations as that owner's console. */
	async function console_(seats = 5) {
		const ent = await makeEmptyEnterprise(t.database, { seats });
		const owner = await makeUser(t.database, { passwordHash: 'x' });
		await grantRole(t.database, ent.id, owner.id, 'owner');
		const clientID = randomUUID();
		let id = 0;
		const run = async (
			name: string,
			args: unknown,
			opts: { createdAt?: number; offline?: boolean; linkOrigin?: string } = {}
		) => {
			const out = await push(
				t.database,
				{
					enterpriseID: ent.id,
					clientGroupID: clientID,
					clientID,
					mutations: [
						{
							id: ++id,
							name,
							args,
							createdAt: opts.createdAt ?? Date.now(),
							...(opts.offline ? { offline: true } : {})
						}
					]
				},
				{ userID: owner.id, role: 'owner', linkOrigin: opts.linkOrigin ?? ORIGIN }
			);
			if (!out.ok) throw new Error(`push refused: ${JSON.stringify(out.body)}`);
			return out.results[0]!;
		};
		return { ent, owner, run };
	}

	/** The secret of the link in the invite email just sent to `email`. */
	async function emailedSecret(email: string): Promise<string> {
		await deliverDueMail(t.database, send);
		const link = linkIn(await smtp.next(email), '/invite/');
		return link.slice(link.lastIndexOf('/') + 1);
	}

	/** The secret of a link an admin copied from the console. */
	async function copiedSecret(enterpriseID: string, inviteID: string): Promise<string> {
		const link = (await inviteLink(t.database, enterpriseID, inviteID, ORIGIN))!;
		return link.slice(link.lastIndexOf('/') + 1);
	}

	async function passwordOf(email: string) {
		const row = await t.database.db
			.selectFrom('users')
			.select('password_hash')
			.where('email', '=', email)
			.executeTakeFirst();
		return row?.password_hash;
	}

	async function version(database: Db, enterpriseID: string) {
		const row = await database.db
			.selectFrom('enterprises')
			.select('version')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow();
		return Number(row.version);
	}

	it('R5: an invite is emailed after the push commits, and its link creates the account and licenses it', async () => {
		const { ent, run } = await console_();
		const email = `new.${tag()}@corp.test`;
		const inviteID = randomUUID();
		expect((await run('inviteUser', { inviteID, email })).status).toBe('applied');
		expect(await deliverDueMail(t.database, send)).toMatchObject({ sent: 1 });
		const mail = await smtp.next(email);
		expect(mail.subject).toBe(`You are invited to join ${ent.name}`);
		const link = linkIn(mail, '/invite/');
		expect(link.startsWith(`${ORIGIN}/invite/`)).toBe(true);
		const secret = link.slice(link.lastIndexOf('/') + 1);

		expect(await findInvite(t.database, secret)).toMatchObject({
			status: 'pending',
			email,
			enterpriseName: ent.name,
			way: 'create'
		});
		const before = await version(t.database, ent.id);
		const accepted = await acceptInvite(t.database, secret, {
			name: 'New Person',
			password: 'a long enough password'
		});
		expect(accepted).toEqual({ ok: true, enterpriseName: ent.name, email });

		const user = await t.database.db
			.selectFrom('users')
			.selectAll()
			.where('email', '=', email)
			.executeTakeFirstOrThrow();
		expect(user.name).toBe('New Person');
		const held = await t.database.db
			.selectFrom('licenses')
			.select(['source', 'version'])
			.where('enterprise_id', '=', ent.id)
			.where('user_id', '=', user.id)
			.executeTakeFirstOrThrow();
		expect(held.source).toBe('invite');
		// The enterprise write protocol: one version further, the license and the invite's tombstone
		// carry it, so consoles pull both.
		expect(await version(t.database, ent.id)).toBe(before + 1);
		expect(Number(held.version)).toBe(before + 1);
		const tomb = await t.database.db
			.selectFrom('tombstones')
			.select('version')
			.where('enterprise_id', '=', ent.id)
			.where('table_name', '=', 'invites')
			.where('row_key', '=', inviteID)
			.executeTakeFirstOrThrow();
		expect(Number(tomb.version)).toBe(before + 1);
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['action', 'target'])
			.where('enterprise_id', '=', ent.id)
			.where('action', '=', 'acceptInvite')
			.execute();
		expect(audit).toEqual([{ action: 'acceptInvite', target: email }]);

		// Single use: the link is spent with the invite.
		expect(await findInvite(t.database, secret)).toEqual({ status: 'invalid' });
		expect(
			await acceptInvite(t.database, secret, { name: 'Again', password: 'a long enough password' })
		).toMatchObject({ ok: false, code: 'INVALID_LINK' });
	});

	it('invite links are stored hashed: the secret in the email is in no table', async () => {
		const { run } = await console_();
		const email = `hashed.${tag()}@corp.test`;
		await run('inviteUser', { inviteID: randomUUID(), email });
		await deliverDueMail(t.database, send);
		const link = linkIn(await smtp.next(email), '/invite/');
		const secret = link.slice(link.lastIndexOf('/') + 1);
		const tokens = await t.database.db.selectFrom('invite_tokens').selectAll().execute();
		const queue = await t.database.db.selectFrom('mail_queue').selectAll().execute();
		const everything = JSON.stringify([tokens, queue]);
		expect(everything).not.toContain(secret);
		expect(tokens.map((r) => r.token_hash)).toContain(hashToken(secret));
	});

	it('an invite queued offline is emailed when its push lands', async () => {
		const { run } = await console_();
		const email = `offline.${tag()}@corp.test`;
		const result = await run(
			'inviteUser',
			{ inviteID: randomUUID(), email },
			{ createdAt: Date.now() - 3 * 60 * 60 * 1000, offline: true }
		);
		expect(result.status).toBe('applied');
		await deliverDueMail(t.database, send);
		expect(linkIn(await smtp.next(email), '/invite/')).toContain('/invite/');
	});

	it('R5: resending sends the invite again, with a new link that works', async () => {
		const { run } = await console_();
		const email = `resend.${tag()}@corp.test`;
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		await deliverDueMail(t.database, send);
		const first = linkIn(await smtp.next(email), '/invite/');
		await run('resendInvite', { inviteID });
		expect(await deliverDueMail(t.database, send)).toMatchObject({ sent: 1 });
		const second = linkIn(await smtp.next(email), '/invite/');
		expect(second).not.toBe(first);
		const secret = second.slice(second.lastIndexOf('/') + 1);
		expect(await findInvite(t.database, secret)).toMatchObject({ status: 'pending', email });
	});

	it('an SMTP outage answers the push normally, loses nothing, and the email goes out once SMTP is back', async () => {
		const { run } = await console_();
		const email = `outage.${tag()}@corp.test`;
		smtp.down = true;
		expect((await run('inviteUser', { inviteID: randomUUID(), email })).status).toBe('applied');
		const now = Date.now();
		expect(await deliverDueMail(t.database, send, now)).toMatchObject({ sent: 0, failed: 1 });
		const queued = await t.database.db
			.selectFrom('mail_queue')
			.selectAll()
			.where('recipient', '=', email)
			.executeTakeFirstOrThrow();
		expect(queued).toMatchObject({ sent_at: null, attempts: 1 });
		expect(queued.last_error).toMatch(/421|not available/i);
		expect(Number(queued.next_attempt_at)).toBeGreaterThan(now);
		// The link of the failed attempt reached nobody and was taken back.
		expect(
			await t.database.db
				.selectFrom('invite_tokens')
				.select('token_hash')
				.where('invite_id', '=', queued.invite_id!)
				.execute()
		).toEqual([]);
		smtp.down = false;
		// Not before its retry time…
		expect(await deliverDueMail(t.database, send, now + 1)).toMatchObject({ sent: 0 });
		// …then sent.
		expect(await deliverDueMail(t.database, send, Number(queued.next_attempt_at))).toMatchObject({
			sent: 1
		});
		expect(linkIn(await smtp.next(email), '/invite/')).toContain('/invite/');
	});

	it('two instances delivering at once send each email once (the row is claimed first)', async () => {
		const { run } = await console_();
		const email = `once.${tag()}@corp.test`;
		await run('inviteUser', { inviteID: randomUUID(), email });
		const received = smtp.messages.length;
		const runs = await Promise.all([
			deliverDueMail(t.database, send),
			deliverDueMail(t.database, send)
		]);
		expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
		await smtp.next(email);
		expect(smtp.messages.length).toBe(received + 1);
	});

	it('without SMTP settings a push queues no email, and the console link still lets an existing account accept by signing in', async () => {
		const { ent, run } = await console_();
		const email = `nosmtp.${tag()}@corp.test`;
		await makeUser(t.database, { email, passwordHash: await hashPassword('my own password') });
		const inviteID = randomUUID();
		const saved = process.env.SMTP_URL;
		delete process.env.SMTP_URL;
		try {
			await run('inviteUser', { inviteID, email });
		} finally {
			process.env.SMTP_URL = saved;
		}
		const queued = await t.database.db
			.selectFrom('mail_queue')
			.select('id')
			.where('recipient', '=', email)
			.execute();
		expect(queued).toEqual([]);
		const link = await inviteLink(t.database, ent.id, inviteID, ORIGIN);
		expect(link).toMatch(/^https:\/\/roster\.example\.test\/invite\/[A-Za-z0-9_-]{43}$/);
		const secret = link!.slice(link!.lastIndexOf('/') + 1);
		expect(await findInvite(t.database, secret)).toMatchObject({ way: 'signIn' });
		expect(
			await acceptInvite(t.database, secret, { password: 'my own password', ip: '10.72.0.1' })
		).toMatchObject({ ok: true });
	});

	it('R1: an invite link is scoped to its enterprise: another enterprise cannot make one for it', async () => {
		const { ent, run } = await console_();
		const other = await makeEmptyEnterprise(t.database);
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email: `scoped.${tag()}@corp.test` });
		expect(await inviteLink(t.database, other.id, inviteID, ORIGIN)).toBeNull();
		// A token row that names another enterprise for this invite leads nowhere.
		const secret = 'A'.repeat(43);
		await t.database.db
			.insertInto('invite_tokens')
			.values({
				token_hash: hashToken(secret),
				invite_id: inviteID,
				enterprise_id: other.id,
				created_at: Date.now()
			})
			.execute();
		expect(await findInvite(t.database, secret)).toEqual({ status: 'invalid' });
		expect(await inviteLink(t.database, ent.id, inviteID, ORIGIN)).not.toBeNull();
	});

	it('R5: an expired invite link is refused, and forged links lead nowhere', async () => {
		const { ent, run } = await console_();
		const email = `expired.${tag()}@corp.test`;
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const link = (await inviteLink(t.database, ent.id, inviteID, ORIGIN))!;
		const secret = link.slice(link.lastIndexOf('/') + 1);
		const later = Date.now() + 31 * DAY_MS;
		expect(await findInvite(t.database, secret, later)).toMatchObject({ status: 'expired', email });
		expect(
			await acceptInvite(
				t.database,
				secret,
				{ name: 'Late', password: 'a long enough password' },
				later
			)
		).toMatchObject({ ok: false, code: 'EXPIRED' });
		for (const forged of ['', 'x', 'B'.repeat(43), `${secret.slice(0, 42)}x`, '../../etc']) {
			expect(await findInvite(t.database, forged)).toEqual({ status: 'invalid' });
		}
	});

	it('R6: accepting is seat-checked: with no free seat the invite stays and nothing is created', async () => {
		const { ent, run } = await console_(1);
		const email = `noseat.${tag()}@corp.test`;
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		// Someone took a seat behind the invite's back (over-full, as after a seat count change).
		await license(t.database, ent.id, (await makeUser(t.database)).id);
		const secret = await emailedSecret(email);
		const before = await version(t.database, ent.id);
		const result = await acceptInvite(t.database, secret, {
			name: 'No Seat',
			password: 'a long enough password'
		});
		expect(result).toMatchObject({ ok: false, code: 'NEEDS_TO_INCREASE_SEATS' });
		expect(await version(t.database, ent.id)).toBe(before);
		expect(
			await t.database.db.selectFrom('users').select('id').where('email', '=', email).execute()
		).toEqual([]);
		expect(await findInvite(t.database, secret)).toMatchObject({ status: 'pending' });
	});

	it('an account with a password signs in to accept; a wrong password is refused and tries are limited', async () => {
		const { ent, run } = await console_();
		const email = `member.${tag()}@corp.test`;
		const existing = await makeUser(t.database, {
			email,
			passwordHash: await hashPassword('the right password')
		});
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const link = (await inviteLink(t.database, ent.id, inviteID, ORIGIN))!;
		const secret = link.slice(link.lastIndexOf('/') + 1);
		expect(await findInvite(t.database, secret)).toMatchObject({ way: 'signIn' });
		expect(
			await acceptInvite(t.database, secret, { password: 'wrong', ip: '10.74.0.1' })
		).toMatchObject({
			ok: false,
			code: 'WRONG_PASSWORD'
		});
		expect(
			await acceptInvite(t.database, secret, { password: 'the right password', ip: '10.74.0.1' })
		).toMatchObject({ ok: true });
		const held = await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', ent.id)
			.where('user_id', '=', existing.id)
			.execute();
		expect(held).toHaveLength(1);

		const second = randomUUID();
		const email2 = `guessed.${tag()}@corp.test`;
		await makeUser(t.database, { email: email2, passwordHash: await hashPassword('secret one') });
		await run('inviteUser', { inviteID: second, email: email2 });
		const link2 = (await inviteLink(t.database, ent.id, second, ORIGIN))!;
		const secret2 = link2.slice(link2.lastIndexOf('/') + 1);
		const codes: string[] = [];
		// From as many addresses: the link's own limit (10 tries) holds whatever the address.
		for (let i = 0; i < 11; i++) {
			const r = await acceptInvite(t.database, secret2, {
				password: `guess ${i}`,
				ip: `10.73.${i}.${Math.floor(Math.random() * 250)}`
			});
			codes.push(r.ok ? 'ok' : r.code);
		}
		expect(codes.slice(0, 10).every((c) => c === 'WRONG_PASSWORD')).toBe(true);
		expect(codes[10]).toBe('RATE_LIMITED');
	});
	it('attack: a link copied from the console sets no password on an existing account that has none (SCIM or SSO provisioned)', async () => {
		const { ent, run } = await console_();
		const email = `provisioned.${tag()}@corp.test`;
		await makeUser(t.database, { email });
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const secret = await copiedSecret(ent.id, inviteID);
		const result = await acceptInvite(t.database, secret, {
			password: 'the attacker password',
			ip: '10.66.0.1'
		});
		expect(result).toMatchObject({ ok: false, code: 'EMAIL_LINK_NEEDED' });
		expect(await passwordOf(email)).toBeNull();
		expect(
			await login(
				t.database,
				{ email, password: 'the attacker password' },
				{ ip: '10.66.0.2', userAgent: null }
			)
		).toMatchObject({ ok: false });
		// The page says to use the emailed link, and the invite stays pending for its owner.
		expect(await findInvite(t.database, secret)).toMatchObject({
			status: 'pending',
			way: 'useEmailLink'
		});
	});

	it('attack: a link copied from the console creates no account; only the emailed link does', async () => {
		const { ent, run } = await console_();
		const email = `nobody.${tag()}@corp.test`;
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const copied = await copiedSecret(ent.id, inviteID);
		expect(
			await acceptInvite(t.database, copied, {
				name: 'Attacker',
				password: 'the attacker password',
				ip: '10.66.0.3'
			})
		).toMatchObject({ ok: false, code: 'EMAIL_LINK_NEEDED' });
		expect(await passwordOf(email)).toBeUndefined();
		expect(await findInvite(t.database, copied)).toMatchObject({ way: 'useEmailLink' });
		// The emailed link proves the mailbox: it creates the account.
		const emailed = await emailedSecret(email);
		expect(await findInvite(t.database, emailed)).toMatchObject({ way: 'create' });
		expect(
			await acceptInvite(t.database, emailed, {
				name: 'Owner Of Mailbox',
				password: 'a long enough password',
				ip: '10.66.0.3'
			})
		).toMatchObject({ ok: true });
	});

	it('the emailed link gives a first password to an existing account that has none', async () => {
		const { run } = await console_();
		const email = `firstpw.${tag()}@corp.test`;
		await makeUser(t.database, { email });
		await run('inviteUser', { inviteID: randomUUID(), email });
		const secret = await emailedSecret(email);
		expect(await findInvite(t.database, secret)).toMatchObject({ way: 'choosePassword' });
		expect(
			await acceptInvite(t.database, secret, {
				password: 'a long enough password',
				ip: '10.66.0.4'
			})
		).toMatchObject({ ok: true });
		expect(await passwordOf(email)).toMatch(/^scrypt\$/);
	});

	it('guessing a password through the accept page is locked out like /login, and counts at /login too', async () => {
		const { ent, run } = await console_();
		const email = `guess.${tag()}@corp.test`;
		await makeUser(t.database, { email, passwordHash: await hashPassword('the right password') });
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const secret = await copiedSecret(ent.id, inviteID);
		const ip = `10.67.${Math.floor(Math.random() * 250)}.1`;
		const codes: string[] = [];
		for (let i = 0; i < 6; i++) {
			const r = await acceptInvite(t.database, secret, { password: `guess ${i}`, ip });
			codes.push(r.ok ? 'ok' : r.code);
		}
		// /login allows 5 tries per account and address in 15 minutes.
		expect(codes).toEqual([...Array(5).fill('WRONG_PASSWORD'), 'RATE_LIMITED']);
		// The same count: /login from that address is locked out for this account as well.
		expect(
			await login(t.database, { email, password: 'the right password' }, { ip, userAgent: null })
		).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
	});

	it('accepting with a password is not a console sign-in: an admin whose enterprises require SSO accepts with their password, and no password fallback is audited', async () => {
		const { run } = await console_();
		const sso = await makeEmptyEnterprise(t.database);
		await t.database.db
			.insertInto('sso_configs')
			.values({
				enterprise_id: sso.id,
				issuer: 'https://idp.example.test',
				client_id: 'roster',
				client_secret: 'sealed',
				required: 1,
				tested_at: Date.now(),
				updated_at: Date.now()
			})
			.execute();
		const results: string[] = [];
		for (const role of ['co-owner', 'owner'] as const) {
			const email = `${role}.sso.${tag()}@corp.test`;
			const user = await makeUser(t.database, {
				email,
				passwordHash: await hashPassword('the right password')
			});
			await grantRole(t.database, sso.id, user.id, role);
			await run('inviteUser', { inviteID: randomUUID(), email });
			const secret = await emailedSecret(email);
			const r = await acceptInvite(t.database, secret, {
				password: 'the right password',
				ip: '10.68.0.1'
			});
			results.push(r.ok ? 'ok' : r.code);
		}
		expect(results).toEqual(['ok', 'ok']);
		const fallbacks = await t.database.db
			.selectFrom('audit_log')
			.select('action')
			.where('enterprise_id', '=', sso.id)
			.where('action', '=', 'ssoPasswordFallback')
			.execute();
		expect(fallbacks).toEqual([]);
	});

	it('two accepts of the same invite at the same moment: one joins, the other is told it was already accepted (no server error)', async () => {
		const { ent, run } = await console_();
		const email = `race.${tag()}@corp.test`;
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const secret = await emailedSecret(email);
		const input = { name: 'Racer', password: 'a long enough password' };
		const results = await Promise.all([
			acceptInvite(t.database, secret, { ...input, ip: '10.69.0.1' }),
			acceptInvite(t.database, secret, { ...input, ip: '10.69.0.2' })
		]);
		const codes = results.map((r) => (r.ok ? 'ok' : r.code)).sort();
		expect(codes).toEqual(['ALREADY_ACCEPTED', 'ok']);
		const loser = results.find((r) => !r.ok)!;
		expect(loser).toMatchObject({ message: expect.stringMatching(/already accepted/) });
		const licensed = await t.database.db
			.selectFrom('licenses')
			.innerJoin('users', 'users.id', 'licenses.user_id')
			.select('users.email')
			.where('licenses.enterprise_id', '=', ent.id)
			.where('users.email', '=', email)
			.execute();
		expect(licensed).toHaveLength(1);
	});

	it('two invites to the same new person accepted at the same moment: no server error, one account', async () => {
		const a = await console_();
		const b = await console_();
		const email = `twice.${tag()}@corp.test`;
		await a.run('inviteUser', { inviteID: randomUUID(), email });
		await b.run('inviteUser', { inviteID: randomUUID(), email });
		await deliverDueMail(t.database, send);
		const links = [
			linkIn(await smtp.next(email), '/invite/'),
			linkIn(await smtp.next(email), '/invite/')
		];
		const input = { name: 'Twice', password: 'a long enough password' };
		const results = await Promise.all(
			links.map((l, i) =>
				acceptInvite(t.database, l.slice(l.lastIndexOf('/') + 1), { ...input, ip: `10.70.0.${i}` })
			)
		);
		// The second finds the account the first just made, and signs in with the same password.
		expect(results.map((r) => r.ok)).toEqual([true, true]);
		const users = await t.database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', email)
			.execute();
		expect(users).toHaveLength(1);
	});

	it('R22: accepting an invite adds no one to a team SCIM manages (the identity provider owns its members)', async () => {
		const { ent, run } = await console_();
		const manual = randomUUID();
		const managed = randomUUID();
		for (const id of [manual, managed])
			await t.database.db
				.insertInto('teams')
				.values({
					id,
					enterprise_id: ent.id,
					name: `Team ${id.slice(0, 6)}`,
					name_key: `team ${id.slice(0, 6)}`,
					source: 'manual',
					external_id: null,
					created_at: Date.now()
				})
				.execute();
		const email = `teams.${tag()}@corp.test`;
		await run('inviteUser', { inviteID: randomUUID(), email, teamIDs: [manual, managed] });
		// The identity provider took the team over after the invite was sent.
		await t.database.db
			.updateTable('teams')
			.set({ source: 'scim', external_id: 'idp-group-1' })
			.where('id', '=', managed)
			.execute();
		const secret = await emailedSecret(email);
		expect(
			await acceptInvite(t.database, secret, {
				name: 'Team Person',
				password: 'a long enough password',
				ip: '10.71.0.1'
			})
		).toMatchObject({ ok: true });
		const teams = await t.database.db
			.selectFrom('team_members')
			.innerJoin('users', 'users.id', 'team_members.user_id')
			.select('team_members.team_id')
			.where('users.email', '=', email)
			.execute();
		expect(teams.map((r) => r.team_id)).toEqual([manual]);
	});
	it('R24: copying an invite link is audited and limited to 30 links per admin in 15 minutes', async () => {
		const { ent, owner, run } = await console_();
		const email = `copied.${tag()}@corp.test`;
		const inviteID = randomUUID();
		await run('inviteUser', { inviteID, email });
		const input = { enterpriseID: ent.id, inviteID, userID: owner.id, origin: ORIGIN };
		const codes: string[] = [];
		for (let i = 0; i < 31; i++) {
			const r = await copyInviteLink(t.database, input);
			codes.push(r.ok ? 'ok' : r.code);
		}
		expect(codes).toEqual([...Array(30).fill('ok'), 'RATE_LIMITED']);
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['action', 'target', 'actor_user_id'])
			.where('enterprise_id', '=', ent.id)
			.where('action', '=', 'copyInviteLink')
			.execute();
		expect(audit).toHaveLength(30);
		expect(audit[0]).toEqual({ action: 'copyInviteLink', target: email, actor_user_id: owner.id });
		// Another enterprise's admin gets nothing for this invite, and nothing is audited there.
		const other = await makeEmptyEnterprise(t.database);
		expect(
			await copyInviteLink(t.database, { ...input, enterpriseID: other.id, userID: randomUUID() })
		).toEqual({ ok: false, code: 'NOT_FOUND' });
	});
	it('two instances claiming the queue at once never send one email twice, even when a send fails after the SMTP server took it', async () => {
		const now = Date.now();
		const emails: string[] = [];
		for (let i = 0; i < 3; i++) {
			const user = await makeUser(t.database, {
				email: `claim${i}.${tag()}@corp.test`,
				passwordHash: 'scrypt$x'
			});
			emails.push(user.email);
			await queueResetMail(
				t.database.db,
				{ userID: user.id, email: user.email, origin: ORIGIN },
				now - 3000 + i * 1000
			);
		}
		// Instance A: the SMTP server takes each message, then the connection times out (A sees a failure).
		const sendA: SendMail = async (message) => {
			await send(message);
			throw new Error('timeout after the message was handed over');
		};
		let aDone: () => void = () => {};
		const aFinished = new Promise<void>((resolve) => (aDone = resolve));
		// Instance B: slow on its first message, so A runs to its end meanwhile.
		let first = true;
		const sendB: SendMail = async (message) => {
			if (first) {
				first = false;
				await aFinished;
			}
			await send(message);
		};
		const a = deliverDueMail(t.database, sendA, now).finally(aDone);
		const b = deliverDueMail(t.database, sendB, now);
		await Promise.all([a, b]);
		const received = emails.map(
			(email) => smtp.messages.filter((m) => recipients(m).includes(email)).length
		);
		expect(received).toEqual([1, 1, 1]);
		// A's failed rows would be retried by later tests: take them out.
		await t.database.db.deleteFrom('mail_queue').where('recipient', 'in', emails).execute();
	});
});
