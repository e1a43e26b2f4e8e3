import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/lib/server/auth/password';
import {
	SESSION_TTL_MS,
	createSession,
	resolveSession,
	revokeAllSessions,
	revokeSession
} from '../../src/lib/server/auth/session';
import {
	accountDelayMs,
	limitKeys,
	login,
	type LoginResult
} from '../../src/lib/server/auth/login';
import { clear, hit, isLimited, passGate } from '../../src/lib/server/auth/rate-limit';
import { purgeAuthRows, startAuthPurge } from '../../src/lib/server/auth/purge';
import { safeNext } from '../../src/lib/server/auth/next';
import { streamAllowed } from '../../src/lib/server/sync/poke';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { NOW, makeEmptyEnterprise, makeUser, tag } from './support/factories';

const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;

// One real scrypt hash shared by every test: hashing costs tens of milliseconds.
let passwordHash: string;
beforeAll(async () => {
	passwordHash = await hashPassword(PASSWORD);
});

describe('passwords', () => {
	it('a hashed password verifies, and the hash does not contain the password', async () => {
		expect(passwordHash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
		expect(passwordHash).not.toContain(PASSWORD);
		expect(await verifyPassword(PASSWORD, passwordHash)).toBe(true);
	});

	it('a wrong password does not verify (including a different case)', async () => {
		expect(await verifyPassword('correct horse battery stapler', passwordHash)).toBe(false);
		expect(await verifyPassword(PASSWORD.toUpperCase(), passwordHash)).toBe(false);
	});

	it('a malformed stored hash never verifies', async () => {
		for (const stored of ['', 'plaintext', PASSWORD, 'bcrypt$1$2$3$a$b', 'scrypt$$$$$']) {
			expect(await verifyPassword(PASSWORD, stored)).toBe(false);
		}
		// A truncated hash part has the wrong length.
		const truncated = passwordHash.slice(0, -8);
		expect(await verifyPassword(PASSWORD, truncated)).toBe(false);
	});

	it('two hashes of the same password differ (random salt) and both verify', async () => {
		const again = await hashPassword(PASSWORD);
		expect(again).not.toBe(passwordHash);
		expect(await verifyPassword(PASSWORD, again)).toBe(true);
	});
});

describe('where sign-in leads (next=)', () => {
	const origin = 'https://roster.example';

	it('R2: a page of this console is kept, with its query and fragment', () => {
		expect(safeNext('/e/acme/licenses?sort=email#top', origin)).toBe(
			'/e/acme/licenses?sort=email#top'
		);
		expect(safeNext(`${origin}/e/acme/teams`, origin)).toBe('/e/acme/teams');
	});

	it('R2: anything that leads to another origin, or nowhere, falls back to the default landing', () => {
		for (const next of [
			null,
			'',
			'/\\evil.example',
			'/\\evil.example/phish',
			'\\\\evil.example',
			'//evil.example',
			'///evil.example',
			'/\t/evil.example',
			'/\n/evil.example',
			'/\\/evil.example',
			'/.//evil.example',
			'https://evil.example',
			'http://roster.example/',
			'https://roster.example.evil.example/',
			'javascript:alert(1)',
			'data:text/html,hi',
			'http://[::1'
		]) {
			expect(safeNext(next, origin), JSON.stringify(next)).toBe('/');
		}
	});
});

describe.each(dialects)('sign-in on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	const admin = (email = `admin.${tag()}@acme.test`) =>
		makeUser(t.database, { email, name: 'Ada Admin', passwordHash });

	describe('sessions', () => {
		it('a new session resolves to its user', async () => {
			const user = await admin();
			const { secret, expiresAt } = await createSession(t.database, user.id, {}, NOW);
			expect(expiresAt).toBe(NOW + SESSION_TTL_MS);
			const resolved = await resolveSession(t.database, secret, NOW + MINUTE);
			expect(resolved?.user).toEqual({ id: user.id, email: user.email, name: 'Ada Admin' });
		});

		it('an unknown or garbage secret resolves to nobody', async () => {
			const user = await admin();
			const { secret } = await createSession(t.database, user.id, {}, NOW);
			const unknown = secret.slice(0, -4) + (secret.endsWith('AAAA') ? 'BBBB' : 'AAAA');
			expect(await resolveSession(t.database, unknown, NOW)).toBeNull();
			for (const garbage of ['', 'x', "' or 1=1 --", `${secret}!`, 'a'.repeat(500)]) {
				expect(await resolveSession(t.database, garbage, NOW)).toBeNull();
			}
		});

		it('only the SHA-256 of the secret is stored, never the secret', async () => {
			const user = await admin();
			const { secret } = await createSession(
				t.database,
				user.id,
				{ ip: '203.0.113.7', userAgent: 'vitest' },
				NOW
			);
			const rows = await t.database.db
				.selectFrom('sessions')
				.selectAll()
				.where('user_id', '=', user.id)
				.execute();
			expect(rows).toHaveLength(1);
			expect(rows[0]?.id).toBe(createHash('sha256').update(secret).digest('hex'));
			expect(JSON.stringify(rows)).not.toContain(secret);
			expect(rows[0]?.ip).toBe('203.0.113.7');
		});

		it('an expired session resolves to nobody and is deleted', async () => {
			const user = await admin();
			const { secret, expiresAt } = await createSession(t.database, user.id, {}, NOW);
			expect(await resolveSession(t.database, secret, expiresAt)).toBeNull();
			const left = await t.database.db
				.selectFrom('sessions')
				.select('id')
				.where('user_id', '=', user.id)
				.execute();
			expect(left).toEqual([]);
			// Gone for good, even when asked "earlier" again.
			expect(await resolveSession(t.database, secret, NOW)).toBeNull();
		});

		it('using a session slides its expiry forward', async () => {
			const user = await admin();
			const { secret } = await createSession(t.database, user.id, {}, NOW);
			const later = NOW + 20 * 24 * 60 * MINUTE;
			expect((await resolveSession(t.database, secret, later))?.expiresAt).toBe(
				later + SESSION_TTL_MS
			);
			// Still alive after the original 30 days because it was used on day 20.
			const pastOriginalExpiry = NOW + SESSION_TTL_MS + MINUTE;
			expect((await resolveSession(t.database, secret, pastOriginalExpiry))?.user.id).toBe(user.id);
		});

		it('an open change stream re-checking its session does not keep the session alive (R2)', async () => {
			const user = await admin();
			const hoursAgo = Date.now() - 3 * 60 * MINUTE;
			const { secret, expiresAt } = await createSession(t.database, user.id, {}, hoursAgo);
			const enterprise = await makeEmptyEnterprise(t.database);
			await streamAllowed(t.database, secret, enterprise.id);
			const row = await t.database.db
				.selectFrom('sessions')
				.select('expires_at')
				.where('user_id', '=', user.id)
				.executeTakeFirstOrThrow();
			expect(Number(row.expires_at)).toBe(expiresAt);
		});

		it('signing out revokes that session only; revoking all ends every session', async () => {
			const user = await admin();
			const laptop = await createSession(t.database, user.id, {}, NOW);
			const tablet = await createSession(t.database, user.id, {}, NOW);
			await revokeSession(t.database, laptop.secret);
			expect(await resolveSession(t.database, laptop.secret, NOW)).toBeNull();
			expect((await resolveSession(t.database, tablet.secret, NOW))?.user.id).toBe(user.id);
			await revokeAllSessions(t.database, user.id);
			expect(await resolveSession(t.database, tablet.secret, NOW)).toBeNull();
		});
	});

	describe('rate limits', () => {
		it('counts hits in a fixed window shared through the database, then starts over', async () => {
			const key = `test:${tag()}`;
			const window = 15 * MINUTE;
			for (let i = 1; i <= 3; i++) {
				expect(await hit(t.database, key, 3, window, NOW + i * MINUTE)).toEqual({
					allowed: true,
					retryAfterSeconds: (window - i * MINUTE) / 1000 + 60,
					count: i
				});
			}
			expect((await hit(t.database, key, 3, window, NOW + 4 * MINUTE)).allowed).toBe(false);
			expect(await isLimited(t.database, key, 3, NOW + 5 * MINUTE)).toEqual({
				allowed: false,
				retryAfterSeconds: 11 * 60
			});
			// The window ends 15 minutes after the first hit.
			expect((await isLimited(t.database, key, 3, NOW + 16 * MINUTE)).allowed).toBe(true);
			expect(await hit(t.database, key, 3, window, NOW + 16 * MINUTE)).toEqual({
				allowed: true,
				retryAfterSeconds: 15 * 60,
				count: 1
			});
		});

		it('a gate lets one of several attempts sent together through, then stays shut for its delay', async () => {
			const key = `gate:${tag()}`;
			const results = await Promise.all(
				Array.from({ length: 5 }, () => passGate(t.database, key, 4000, NOW))
			);
			expect(results.filter((r) => r.allowed)).toHaveLength(1);
			expect(results.filter((r) => !r.allowed).map((r) => r.retryAfterSeconds)).toEqual([
				4, 4, 4, 4
			]);
			expect((await passGate(t.database, key, 8000, NOW + 3000)).retryAfterSeconds).toBe(1);
			expect((await passGate(t.database, key, 8000, NOW + 4000)).allowed).toBe(true);
			expect(await passGate(t.database, key, 8000, NOW + 4000)).toEqual({
				allowed: false,
				retryAfterSeconds: 8
			});
		});

		it('clearing a key forgets its hits; other keys are untouched', async () => {
			const mine = `test:${tag()}`;
			const other = `test:${tag()}`;
			for (let i = 0; i < 3; i++) {
				await hit(t.database, mine, 3, MINUTE, NOW);
				await hit(t.database, other, 3, MINUTE, NOW);
			}
			await clear(t.database, mine);
			expect((await isLimited(t.database, mine, 3, NOW)).allowed).toBe(true);
			expect((await isLimited(t.database, other, 3, NOW)).allowed).toBe(false);
		});
	});

	describe('login', () => {
		// Each test signs in from its own address so the per-IP counter does not leak between tests.
		const from = () => ({ ip: `198.51.100.${tag()}`, userAgent: 'vitest' });
		const attempt = (email: string, password: string, meta = from(), now = NOW) =>
			login(t.database, { email, password }, meta, now);
		const codeOf = (r: LoginResult) => (r.ok ? 'OK' : r.code);

		it('the right password signs in with a working session and records the login', async () => {
			const user = await admin();
			const result = await attempt(user.email, PASSWORD);
			expect(result.ok).toBe(true);
			if (!result.ok) return;
			expect(result.userID).toBe(user.id);
			expect((await resolveSession(t.database, result.secret, NOW))?.user.id).toBe(user.id);
			const row = await t.database.db
				.selectFrom('users')
				.select('last_login_at')
				.where('id', '=', user.id)
				.executeTakeFirstOrThrow();
			expect(row.last_login_at).toBe(NOW);
		});

		it('R3: the email is matched case-insensitively and trimmed', async () => {
			const user = await admin();
			const result = await attempt(`  ${user.email.toUpperCase()} `, PASSWORD);
			expect(result.ok && result.userID).toBe(user.id);
		});

		it('a wrong password and an unknown email fail the same way, without a session', async () => {
			const user = await admin();
			const before = await t.database.db
				.selectFrom('sessions')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow();
			expect(await attempt(user.email, 'wrong')).toEqual({
				ok: false,
				code: 'INVALID_CREDENTIALS'
			});
			expect(await attempt(`nobody.${tag()}@acme.test`, PASSWORD)).toEqual({
				ok: false,
				code: 'INVALID_CREDENTIALS'
			});
			const after = await t.database.db
				.selectFrom('sessions')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.executeTakeFirstOrThrow();
			expect(Number(after.n)).toBe(Number(before.n));
		});

		it('R3: a user of the API client without a console password cannot sign in', async () => {
			const user = await makeUser(t.database, { passwordHash: null });
			expect(codeOf(await attempt(user.email, ''))).toBe('INVALID_CREDENTIALS');
			expect(codeOf(await attempt(user.email, PASSWORD))).toBe('INVALID_CREDENTIALS');
		});

		it('R2: after 5 failures from one address, that address is refused for the account even with the right password, until the 15-minute window passes', async () => {
			const user = await admin();
			const meta = from();
			// Mixed case counts against the same account.
			for (let i = 0; i < 5; i++) {
				const email = i % 2 ? user.email.toUpperCase() : user.email;
				expect(codeOf(await attempt(email, `guess-${i}`, meta, NOW + i * MINUTE))).toBe(
					'INVALID_CREDENTIALS'
				);
			}
			const locked = await attempt(user.email, PASSWORD, meta, NOW + 5 * MINUTE);
			expect(locked).toEqual({ ok: false, code: 'RATE_LIMITED', retryAfterSeconds: 10 * 60 });
			const result = await attempt(user.email, PASSWORD, meta, NOW + 16 * MINUTE);
			expect(result.ok).toBe(true);
		});

		it('R2 attack: rotating through the addresses of one IPv6 /64 does not escape the per-address limit', async () => {
			const prefix = `2001:db8:${tag().slice(0, 4)}:1`;
			const codes: string[] = [];
			// 31 accounts sprayed from 31 fresh addresses of one network: the 31st attempt is refused.
			for (let i = 1; i <= 31; i++) {
				const meta = { ip: `${prefix}:${i.toString(16)}::${i.toString(16)}`, userAgent: 'vitest' };
				codes.push(codeOf(await attempt(`nobody.${tag()}@acme.test`, 'guess', meta)));
			}
			expect(codes.slice(0, 30).every((c) => c === 'INVALID_CREDENTIALS')).toBe(true);
			expect(codes[30]).toBe('RATE_LIMITED');
			// Another /64, and IPv4 addresses, count on their own.
			expect(limitKeys('a@b.test', '2001:db8:0:2::1').address).not.toBe(
				limitKeys('a@b.test', `${prefix}::1`).address
			);
			expect(limitKeys('a@b.test', '::ffff:198.51.100.7').address).toBe('login:ip:198.51.100.7');
			expect(limitKeys('a@b.test', '2001:db8::1:2:3').address).toBe('login:ip:2001:db8:0:0::/64');
		});

		it('R2: failures from other addresses never lock the admin out: their own address signs in with the right password', async () => {
			const user = await admin();
			// Twenty failures (the account's ceiling) from four attacking addresses…
			for (let a = 0; a < 4; a++) {
				const attacker = from();
				for (let i = 0; i < 5; i++) {
					expect(codeOf(await attempt(user.email, `guess-${a}-${i}`, attacker))).toBe(
						'INVALID_CREDENTIALS'
					);
				}
				expect(codeOf(await attempt(user.email, PASSWORD, attacker))).toBe('RATE_LIMITED');
			}
			// …and the admin, from an address of their own, is let in at once.
			const result = await attempt(user.email, PASSWORD, from());
			expect(result.ok && result.userID).toBe(user.id);
		});

		it('R2: past its ceiling an account is slowed down, never locked: each further attempt waits a doubling delay', async () => {
			const user = await admin();
			// Twenty earlier failures from many addresses, counted the way login() counts them.
			const { account } = limitKeys(user.email, null);
			for (let i = 0; i < 20; i++) await hit(t.database, account, 20, 15 * MINUTE, NOW);
			let at = NOW;
			const waits: number[] = [];
			for (let k = 1; k <= 6; k++) {
				// The attempt that finds the gate open is evaluated (a plain wrong password)…
				expect(codeOf(await attempt(user.email, `guess-${k}`, from(), at))).toBe(
					'INVALID_CREDENTIALS'
				);
				// …and anyone trying before its delay is over, even with the password, is asked to wait.
				const early = await attempt(user.email, PASSWORD, from(), at);
				expect(codeOf(early)).toBe('RATE_LIMITED');
				if (!early.ok && early.code === 'RATE_LIMITED') waits.push(early.retryAfterSeconds);
				at += accountDelayMs(k);
			}
			expect(waits).toEqual([1, 2, 4, 8, 16, 32]);
			// Waiting that long is enough: the right password signs in.
			const result = await attempt(user.email, PASSWORD, from(), at);
			expect(result.ok && result.userID).toBe(user.id);
		});

		it('R2: an address the admin signed in from before is not slowed down by the failures of others', async () => {
			const user = await admin();
			const office = from();
			expect((await attempt(user.email, PASSWORD, office)).ok).toBe(true);
			const { account } = limitKeys(user.email, null);
			for (let i = 0; i < 20; i++) await hit(t.database, account, 20, 15 * MINUTE, NOW);
			// An attacker's evaluated guess shuts the gate for everybody else…
			expect(codeOf(await attempt(user.email, 'guess', from()))).toBe('INVALID_CREDENTIALS');
			expect(codeOf(await attempt(user.email, PASSWORD, from()))).toBe('RATE_LIMITED');
			// …but not for the admin's office.
			expect((await attempt(user.email, PASSWORD, office)).ok).toBe(true);
		});

		it('a successful sign-in resets the failure count of the account from that address', async () => {
			const user = await admin();
			const meta = from();
			for (let i = 0; i < 4; i++) {
				expect(codeOf(await attempt(user.email, `guess-${i}`, meta))).toBe('INVALID_CREDENTIALS');
			}
			expect((await attempt(user.email, PASSWORD, meta)).ok).toBe(true);
			// Without the reset this would be the 5th failure and the next attempt would be locked.
			expect(codeOf(await attempt(user.email, 'typo', meta))).toBe('INVALID_CREDENTIALS');
			expect((await attempt(user.email, PASSWORD, meta)).ok).toBe(true);
		});

		it('after 30 failures from one address (spraying many accounts), every account is locked from it, not from others', async () => {
			const user = await admin();
			const meta = from();
			// 29 earlier failures from this address, each for a different account, counted the way
			// login() counts them (29 real attempts would cost 29 scrypt hashes).
			for (let i = 0; i < 29; i++)
				await hit(t.database, limitKeys(user.email, meta.ip).address, 30, 15 * MINUTE, NOW);
			// The 30th failure is still evaluated…
			expect(codeOf(await attempt(`spray.${tag()}@acme.test`, 'Winter2025!', meta))).toBe(
				'INVALID_CREDENTIALS'
			);
			// …and now that address is locked out, for an account with no failures of its own too.
			expect(codeOf(await attempt(user.email, PASSWORD, meta))).toBe('RATE_LIMITED');
			expect((await attempt(user.email, PASSWORD, from())).ok).toBe(true);
			expect((await attempt(user.email, PASSWORD, meta, NOW + 16 * MINUTE)).ok).toBe(true);
		});

		// Attempts are counted before the password is checked, so parallel guesses cannot slip through.
		it('concurrent guesses from one address cannot exceed the 5 allowed per account', async () => {
			const user = await admin();
			const meta = from();
			const results = await Promise.all(
				Array.from({ length: 6 }, (_, i) => attempt(user.email, `guess-${i}`, meta))
			);
			const evaluated = results.filter((r) => codeOf(r) === 'INVALID_CREDENTIALS');
			expect(evaluated.length).toBeLessThanOrEqual(5);
		});
	});
});

describe.each(dialects)('purging sessions and rate limits on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	const rateLimitRows = async () =>
		Number(
			(
				await t.database.db
					.selectFrom('rate_limits')
					.select((eb) => eb.fn.countAll<number | string>().as('n'))
					.executeTakeFirstOrThrow()
			).n
		);
	const keysLeft = async (keys: string[]) =>
		(
			await t.database.db
				.selectFrom('rate_limits')
				.select('key')
				.where('key', 'in', keys)
				.orderBy('key')
				.execute()
		).map((r) => r.key);

	it('expired sessions are deleted; live ones keep working', async () => {
		const user = await makeUser(t.database, { passwordHash });
		const old = await createSession(t.database, user.id, {}, NOW - SESSION_TTL_MS - MINUTE);
		const live = await createSession(t.database, user.id, {}, NOW);
		const purged = await purgeAuthRows(t.database, NOW);
		expect(purged.sessions).toBe(1);
		const left = await t.database.db
			.selectFrom('sessions')
			.select('id')
			.where('user_id', '=', user.id)
			.execute();
		expect(left).toHaveLength(1);
		expect((await resolveSession(t.database, live.secret, NOW))?.user.id).toBe(user.id);
		expect(await resolveSession(t.database, old.secret, NOW)).toBeNull();
	});

	it('rate-limit rows whose window is over are deleted; running windows are kept', async () => {
		const done = `login:pair:203.0.113.1 done.${tag()}@acme.test`;
		const running = `login:pair:203.0.113.1 running.${tag()}@acme.test`;
		for (let i = 0; i < 4; i++) await hit(t.database, done, 5, 15 * MINUTE, NOW - 20 * MINUTE);
		for (let i = 0; i < 4; i++) await hit(t.database, running, 5, 15 * MINUTE, NOW - 5 * MINUTE);
		const purged = await purgeAuthRows(t.database, NOW);
		expect(purged.rateLimits).toBeGreaterThanOrEqual(1);
		expect(await keysLeft([done, running])).toEqual([running]);
		// The running window still counts: one more failure reaches the limit, the next is refused.
		expect((await hit(t.database, running, 5, 15 * MINUTE, NOW)).allowed).toBe(true);
		expect((await hit(t.database, running, 5, 15 * MINUTE, NOW)).allowed).toBe(false);
	});

	it('a flood of sign-in attempts for made-up accounts cannot grow the table past its cap, and the counters that matter stay', async () => {
		const cap = 300;
		// A guessed account's counter (4 failures) and a known address, from before the flood.
		const guessed = limitKeys(`ada.${tag()}@acme.test`, '198.51.100.9');
		for (let i = 0; i < 4; i++) await hit(t.database, guessed.pair, 5, 15 * MINUTE, NOW);
		await hit(t.database, guessed.known, 1, 30 * 24 * 60 * MINUTE, NOW);
		for (let round = 0; round < 2; round++) {
			// Each attempt names a new account from a new address: three new rows, as login() writes.
			for (let i = 0; i < 400; i += 20) {
				await Promise.all(
					Array.from({ length: 20 }, (_, j) => {
						const keys = limitKeys(
							`x${round}-${i + j}.${tag()}@flood.test`,
							`10.0.${round}.${i + j}`
						);
						return Promise.all([
							hit(t.database, keys.address, 30, 15 * MINUTE, NOW + MINUTE),
							hit(t.database, keys.pair, 5, 15 * MINUTE, NOW + MINUTE),
							hit(t.database, keys.account, 20, 15 * MINUTE, NOW + MINUTE)
						]);
					})
				);
			}
			expect(await rateLimitRows()).toBeGreaterThan(cap);
			const purged = await purgeAuthRows(t.database, NOW + 2 * MINUTE, { maxRateLimitRows: cap });
			expect(purged.evicted).toBeGreaterThan(0);
			expect(await rateLimitRows()).toBe(cap);
			expect(await keysLeft([guessed.pair, guessed.known])).toEqual(
				[guessed.pair, guessed.known].sort()
			);
		}
		// The guessed account's counter still stops the fifth and sixth guesses.
		expect((await hit(t.database, guessed.pair, 5, 15 * MINUTE, NOW + 3 * MINUTE)).allowed).toBe(
			true
		);
		expect((await hit(t.database, guessed.pair, 5, 15 * MINUTE, NOW + 3 * MINUTE)).allowed).toBe(
			false
		);
	});

	it('the scheduled purge runs when it starts and stops when told to', async () => {
		const user = await makeUser(t.database, { passwordHash });
		const expired = await createSession(
			t.database,
			user.id,
			{},
			Date.now() - SESSION_TTL_MS - MINUTE
		);
		const stop = startAuthPurge(t.database, { intervalMs: 60 * MINUTE });
		try {
			await vi.waitFor(async () => {
				const left = await t.database.db
					.selectFrom('sessions')
					.select('id')
					.where('user_id', '=', user.id)
					.execute();
				expect(left).toEqual([]);
			});
		} finally {
			stop();
		}
		expect(await resolveSession(t.database, expired.secret)).toBeNull();
	});
});
