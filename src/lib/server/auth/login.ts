import { recordSignIn } from '../activity.service';
import type { Db } from '../db';
import { normalizeEmail } from '../../domain/auth';
import { dummyHash, verifyPassword } from './password';
import {
	addressKey,
	clear,
	hit,
	isMarked,
	mark,
	passGate,
	release,
	type LimitResult,
	type RateLimited
} from './rate-limit';
import { auditPasswordFallback, passwordPolicy } from './sso.service';
import { createSession } from './session';
import { sql } from 'kysely';
import { DAY_MS } from '../../domain/seats';
import { plural } from '../../domain/text';

// Attempts allowed per 15-minute window. Hard limits: per account from one address (guessing one
// password) and per address (spraying many accounts). Per account from all addresses together
// there is no lock, which anyone knowing the email could trigger, but past a ceiling each
// further attempt waits a delay that doubles (1 s, 2 s, 4 s … up to the window).
const PAIR_LIMIT = 5;
const ADDRESS_LIMIT = 30;
const ACCOUNT_CEILING = 20;
const WINDOW_MS = 15 * 60 * 1000;
const MAX_DELAY_MS = WINDOW_MS;
// An address the account signed in from lately is not slowed down by other addresses' failures.
const KNOWN_ADDRESS_MS = 30 * DAY_MS;

/** The wait before the next attempt on an account that is `beyond` attempts past its ceiling. */
export function accountDelayMs(beyond: number): number {
	return Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(30, Math.max(0, beyond - 1)));
}

/** The rate-limit keys of one attempt (exported for the tests that plant earlier attempts). */
export function limitKeys(email: string, address: string | null) {
	const from = addressKey(address);
	return {
		address: `login:ip:${from}`,
		pair: `login:pair:${from} ${email}`,
		account: `login:account:${email}`,
		gate: `login:gate:${email}`,
		known: `login:known:${from} ${email}`
	};
}

/** What to tell someone who has to wait `seconds` before trying again. */
export function rateLimitedMessage(seconds: number): string {
	const wait = seconds < 60 ? plural(seconds, 'second') : plural(Math.ceil(seconds / 60), 'minute');
	return `Too many sign-in attempts. Try again in ${wait}.`;
}

/**
 * Counts an SSO sign-in attempt against the address's limit, as a password attempt counts (a
 * successful one gives it back through `releaseAddressAttempt`).
 */
export async function countAddressAttempt(
	database: Db,
	address: string | null,
	now = Date.now()
): Promise<LimitResult> {
	return hit(database, limitKeys('', address).address, ADDRESS_LIMIT, WINDOW_MS, now);
}

/** Gives back an attempt counted by `countAddressAttempt` (the sign-in succeeded). */
export async function releaseAddressAttempt(database: Db, address: string | null): Promise<void> {
	await release(database, limitKeys('', address).address);
}

/** What an admin whose enterprise requires SSO is told when they try their password. */
export const SSO_REQUIRED_MESSAGE =
	'Your enterprise requires single sign-on. Use Continue with SSO and your work email.';

/** What a sign-in attempt came to. */
export type LoginResult =
	| { ok: true; secret: string; expiresAt: number; userID: string }
	| { ok: false; code: 'INVALID_CREDENTIALS' }
	| { ok: false; code: 'SSO_REQUIRED' }
	| RateLimited;

/** What checking a password came to (a sign-in without the session). */
export type PasswordCheck = { ok: true; userID: string } | Exclude<LoginResult, { ok: true }>;

/**
 * Checks an account's password as every password sign-in does (/login, and the invite accept page
 * for an account that has one): rate-limited per (account, address) and per address, slowed down
 * per account (see above), timing-safe for unknown emails, and refused where an enterprise of the
 * account requires SSO (the owner keeps the password as the way back in; each such use is audited).
 * The limits are shared: tries on one page count on the other. `purpose: 'accept'` (the invite
 * accept page, which opens no console session and turns an invite into a license) skips the
 * console's SSO policy and its audit.
 */
export async function checkPassword(
	database: Db,
	input: { email: string; password: string },
	meta: { ip: string | null; purpose?: 'console' | 'accept' },
	now = Date.now()
): Promise<PasswordCheck> {
	const email = normalizeEmail(input.email);
	const keys = limitKeys(email, meta.ip);
	const limited = (retryAfterSeconds: number): PasswordCheck => ({
		ok: false,
		code: 'RATE_LIMITED',
		retryAfterSeconds
	});
	// Count the attempt before checking the password, atomically, so attempts sent in parallel
	// cannot all slip under a limit; a successful sign-in gives its counts back. The address is
	// checked first so a blocked address adds no rows for the accounts it names.
	const address = await hit(database, keys.address, ADDRESS_LIMIT, WINDOW_MS, now);
	if (!address.allowed) return limited(address.retryAfterSeconds);
	const pair = await hit(database, keys.pair, PAIR_LIMIT, WINDOW_MS, now);
	if (!pair.allowed) return limited(pair.retryAfterSeconds);
	const account = await hit(database, keys.account, ACCOUNT_CEILING, WINDOW_MS, now);
	if (!account.allowed && !(await isMarked(database, keys.known, now))) {
		const delay = accountDelayMs(account.count - ACCOUNT_CEILING);
		const gate = await passGate(database, keys.gate, delay, now);
		if (!gate.allowed) {
			// Not evaluated, so it neither counts as a guess from this address nor grows the delay.
			await release(database, keys.account);
			await release(database, keys.pair);
			return limited(gate.retryAfterSeconds);
		}
	}

	const user = await database.db
		.selectFrom('users')
		.select(['id', 'password_hash'])
		.where(sql`lower(email)`, '=', email)
		.executeTakeFirst();
	const valid = user?.password_hash
		? await verifyPassword(input.password, user.password_hash)
		: (await verifyPassword(input.password, await dummyHash())) && false;

	if (!user || !valid) return { ok: false, code: 'INVALID_CREDENTIALS' };
	// Checked only once the password is right, so it tells a guesser nothing. The owner keeps the
	// password as the way back in when the IdP fails; each such sign-in is audited.
	const console = meta.purpose !== 'accept';
	const policy = console ? await passwordPolicy(database, user.id) : null;
	if (policy?.blocked) return { ok: false, code: 'SSO_REQUIRED' };
	await clear(database, keys.pair);
	await release(database, keys.address);
	await release(database, keys.account);
	await mark(database, keys.known, now + KNOWN_ADDRESS_MS);
	if (policy) await auditPasswordFallback(database, user.id, policy.fallbackIn, now);
	return { ok: true, userID: user.id };
}

/** Signs an admin in: the password is checked by `checkPassword`, then a session is made. */
export async function login(
	database: Db,
	input: { email: string; password: string },
	meta: { ip: string | null; userAgent: string | null },
	now = Date.now()
): Promise<LoginResult> {
	const checked = await checkPassword(database, input, meta, now);
	if (!checked.ok) return checked;
	const user = { id: checked.userID };
	// R19: the last login is Last Active for users without tracked activity; consoles receive it.
	await recordSignIn(database, user.id, now);
	// R14: signing in to the console never takes a seat; only the API client's sign-ins capture
	// (`clientSignIn`).
	const session = await createSession(database, user.id, meta, now);
	return { ok: true, ...session, userID: user.id };
}
