import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliverDueMail } from '../../src/lib/server/mail/queue';
import { mailConfig, smtpSender, type SendMail } from '../../src/lib/server/mail/config';
import {
	completePasswordReset,
	findReset,
	requestPasswordReset
} from '../../src/lib/server/auth/reset';
import { RESET_VALID_MS } from '../../src/lib/server/auth/reset-links';
import { hashPassword } from '../../src/lib/server/auth/password';
import { newLinkSecret } from '../../src/lib/server/invites/links';
import { createSession, resolveSession } from '../../src/lib/server/auth/session';
import { login } from '../../src/lib/server/auth/login';
import { hashToken } from '../../src/lib/server/auth/tokens';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { makeUser, tag } from './support/factories';
import { linkIn, recipients, startSmtp, type TestSmtp } from '../support/smtp';

const ORIGIN = 'https://roster.example.test';

let smtp: TestSmtp;
let send: SendMail;
beforeAll(async () => {
	smtp = await startSmtp();
	process.env.SMTP_URL = smtp.url;
	send = smtpSender(mailConfig()!);
});
afterAll(async () => {
	delete process.env.SMTP_URL;
	await smtp?.close();
});
afterEach(() => {
	smtp.down = false;
});

describe.each(dialects)('password reset on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	async function admin(password = 'the old password') {
		return makeUser(t.database, {
			email: `admin.${tag()}@corp.test`,
			passwordHash: await hashPassword(password)
		});
	}

	/** Sets a new password through a reset link, from an address of its own. */
	function complete(secret: string, password: string, now = Date.now()) {
		return completePasswordReset(t.database, secret, password, now, {
			ip: `10.50.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`
		});
	}

	/** Asks for a reset from a fresh address and returns the link's secret from the email. */
	async function resetSecret(email: string): Promise<string> {
		const asked = await requestPasswordReset(
			t.database,
			{ email, origin: ORIGIN },
			{ ip: `10.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` }
		);
		expect(asked).toEqual({ ok: true });
		await deliverDueMail(t.database, send);
		const link = linkIn(await smtp.next(email.toLowerCase()), '/reset-password/');
		expect(link.startsWith(`${ORIGIN}/reset-password/`)).toBe(true);
		return link.slice(link.lastIndexOf('/') + 1);
	}

	it('a reset link by email sets a new password once and ends every session of the account', async () => {
		const user = await admin();
		const laptop = await createSession(t.database, user.id);
		const phone = await createSession(t.database, user.id);
		const secret = await resetSecret(user.email);
		expect(await findReset(t.database, secret)).toEqual({ email: user.email });

		expect(await complete(secret, 'a brand new password')).toEqual({
			ok: true,
			email: user.email
		});
		expect(await resolveSession(t.database, laptop.secret)).toBeNull();
		expect(await resolveSession(t.database, phone.secret)).toBeNull();
		const meta = { ip: '10.9.9.9', userAgent: null };
		expect(
			await login(t.database, { email: user.email, password: 'the old password' }, meta)
		).toMatchObject({ ok: false });
		expect(
			await login(t.database, { email: user.email, password: 'a brand new password' }, meta)
		).toMatchObject({ ok: true });

		// Used once: the same link is refused after.
		expect(await findReset(t.database, secret)).toBeNull();
		expect(await complete(secret, 'another new password')).toEqual({
			ok: false,
			code: 'INVALID_LINK'
		});
	});

	it('reset links are stored hashed, expire after an hour, and forged ones are refused', async () => {
		const user = await admin();
		const secret = await resetSecret(user.email);
		const rows = await t.database.db
			.selectFrom('password_resets')
			.selectAll()
			.where('user_id', '=', user.id)
			.execute();
		expect(JSON.stringify(rows)).not.toContain(secret);
		expect(rows.map((r) => r.token_hash)).toEqual([hashToken(secret)]);

		const later = Date.now() + RESET_VALID_MS + 1000;
		expect(await findReset(t.database, secret, later)).toBeNull();
		expect(await complete(secret, 'too late password', later)).toEqual({
			ok: false,
			code: 'INVALID_LINK'
		});
		for (const forged of ['', 'short', 'C'.repeat(43), `${secret.slice(0, 42)}x`]) {
			expect(await findReset(t.database, forged)).toBeNull();
			expect(await complete(forged, 'forged password 1')).toEqual({
				ok: false,
				code: 'INVALID_LINK'
			});
		}
		// The expired and forged tries changed nothing: the link still works within its hour.
		expect(await complete(secret, 'in time password')).toMatchObject({
			ok: true
		});
	});

	it("setting a password through one reset link spends the account's other links", async () => {
		const user = await admin();
		const first = await resetSecret(user.email);
		const second = await resetSecret(user.email);
		expect(await complete(second, 'second link password')).toMatchObject({
			ok: true
		});
		expect(await findReset(t.database, first)).toBeNull();
	});

	it('sent reset emails and their links are deleted after 30 days', async () => {
		const user = await admin();
		await resetSecret(user.email);
		const rows = () =>
			Promise.all([
				t.database.db
					.selectFrom('password_resets')
					.select('token_hash')
					.where('user_id', '=', user.id)
					.execute(),
				t.database.db
					.selectFrom('mail_queue')
					.select('id')
					.where('recipient', '=', user.email)
					.execute()
			]);
		await deliverDueMail(t.database, send, Date.now() + 29 * 24 * 60 * 60 * 1000);
		expect((await rows()).map((r) => r.length)).toEqual([1, 1]);
		await deliverDueMail(t.database, send, Date.now() + 31 * 24 * 60 * 60 * 1000);
		expect((await rows()).map((r) => r.length)).toEqual([0, 0]);
	});

	it('an unknown email gets the same answer and the same work, and no email is sent', async () => {
		const unknown = `nobody.${tag()}@corp.test`;
		const apiUser = await makeUser(t.database, { email: `apiuser.${tag()}@corp.test` });
		const received = smtp.messages.length;
		for (const email of [unknown, apiUser.email]) {
			expect(
				await requestPasswordReset(t.database, { email, origin: ORIGIN }, { ip: '10.1.1.1' })
			).toEqual({ ok: true });
		}
		// Each request queued one row, as for a password account…
		const queued = await t.database.db
			.selectFrom('mail_queue')
			.select('recipient')
			.where('recipient', 'in', [unknown, apiUser.email])
			.execute();
		expect(queued).toHaveLength(2);
		// …which is dropped unsent.
		expect(await deliverDueMail(t.database, send)).toMatchObject({ sent: 0, dropped: 2 });
		expect(smtp.messages.length).toBe(received);
	});

	it('reset requests are rate-limited per email and per address, known or unknown alike', async () => {
		const known = await admin();
		const unknown = `ghost.${tag()}@corp.test`;
		for (const email of [known.email, unknown]) {
			const answers = [];
			for (let i = 0; i < 4; i++) {
				const r = await requestPasswordReset(
					t.database,
					{ email, origin: ORIGIN },
					{ ip: `10.2.${i}.${email === unknown ? 2 : 1}` }
				);
				answers.push(r.ok ? 'ok' : r.code);
			}
			expect(answers).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
		}
		const fromOne = [];
		for (let i = 0; i < 11; i++) {
			const r = await requestPasswordReset(
				t.database,
				{ email: `spray.${i}.${tag()}@corp.test`, origin: ORIGIN },
				{ ip: '10.3.3.3' }
			);
			fromOne.push(r.ok ? 'ok' : r.code);
		}
		expect(fromOne.slice(0, 10).every((c) => c === 'ok')).toBe(true);
		expect(fromOne[10]).toBe('RATE_LIMITED');
		await deliverDueMail(t.database, send);
	});
	it('a forged or spent reset link is refused before the new password is hashed (no CPU spent for anyone)', async () => {
		// One hash, the cost each submission paid before its link was checked.
		const started = performance.now();
		await hashPassword('a password to time');
		const oneHash = performance.now() - started;
		const forged = Array.from({ length: 10 }, () => newLinkSecret());
		const t0 = performance.now();
		for (const [i, secret] of forged.entries()) {
			expect(
				await completePasswordReset(t.database, secret, 'a new password 123', Date.now(), {
					ip: `10.40.${i}.1`
				})
			).toEqual({ ok: false, code: 'INVALID_LINK' });
		}
		const tenForged = performance.now() - t0;
		// Ten refusals cost less than five hashes (they cost ten when the password was hashed first).
		expect(tenForged).toBeLessThan(oneHash * 5);
	});

	it('reset submissions are rate-limited per address: 10 in 15 minutes, forged links included', async () => {
		const user = await admin();
		const secret = await resetSecret(user.email);
		const ip = `10.41.${Math.floor(Math.random() * 250)}.1`;
		const codes: string[] = [];
		for (let i = 0; i < 11; i++) {
			const r = await completePasswordReset(
				t.database,
				newLinkSecret(),
				'a new password 123',
				Date.now(),
				{
					ip
				}
			);
			codes.push(r.ok ? 'ok' : r.code);
		}
		expect(codes).toEqual([...Array(10).fill('INVALID_LINK'), 'RATE_LIMITED']);
		// Even the genuine link waits from that address…
		expect(
			await completePasswordReset(t.database, secret, 'a new password 123', Date.now(), { ip })
		).toMatchObject({ ok: false, code: 'RATE_LIMITED' });
		// …and works from another one.
		expect(
			await completePasswordReset(t.database, secret, 'a new password 123', Date.now(), {
				ip: '10.42.0.1'
			})
		).toMatchObject({ ok: true });
	});
	it('a reset email goes to the address the account has when it is sent, never to an address it had before', async () => {
		const user = await admin();
		expect(
			await requestPasswordReset(
				t.database,
				{ email: user.email, origin: ORIGIN },
				{ ip: '10.43.0.1' }
			)
		).toEqual({ ok: true });
		// The address changes (SCIM, say) before the queue sends the email.
		const renamed = `renamed.${tag()}@corp.test`;
		await t.database.db
			.updateTable('users')
			.set({ email: renamed })
			.where('id', '=', user.id)
			.execute();
		expect(await deliverDueMail(t.database, send)).toMatchObject({ sent: 1 });
		expect(
			smtp.messages.filter((m) => recipients(m).includes(user.email)).length,
			'emails to the old address'
		).toBe(0);
		const mail = await smtp.next(renamed);
		expect(linkIn(mail, '/reset-password/')).toContain(`${ORIGIN}/reset-password/`);
	});

	it('a new reset link deletes the older ones, and a new password deletes every reset link of the account', async () => {
		const user = await admin();
		const resets = () =>
			t.database.db
				.selectFrom('password_resets')
				.select('token_hash')
				.where('user_id', '=', user.id)
				.execute();
		const first = await resetSecret(user.email);
		const second = await resetSecret(user.email);
		expect(await findReset(t.database, first)).toBeNull();
		expect((await resets()).map((r) => r.token_hash)).toEqual([hashToken(second)]);
		expect(await complete(second, 'the newest password')).toMatchObject({ ok: true });
		expect(await resets()).toEqual([]);
	});
});
