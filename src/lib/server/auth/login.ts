import type { Db } from '../db';
import { normalizeEmail } from '../../domain/auth';
import { dummyHash, verifyPassword } from './password';
import { clear, hit, release } from './rate-limit';
import { createSession } from './session';
import { sql } from 'kysely';
import { captureOnSignIn } from '../domains/capture';
import { log } from '../log';

// Failed attempts allowed per window: per account (guessing one password) and per IP (spraying).
const ACCOUNT_LIMIT = 5;
const IP_LIMIT = 30;
const WINDOW_MS = 15 * 60 * 1000;

/** What a sign-in attempt came to. */
export type LoginResult =
	| { ok: true; secret: string; expiresAt: number; userID: string }
	| { ok: false; code: 'INVALID_CREDENTIALS' }
	| { ok: false; code: 'RATE_LIMITED'; retryAfterSeconds: number };

/** Signs an admin in: rate-limited per account and per IP, timing-safe for unknown emails. */
export async function login(
	database: Db,
	input: { email: string; password: string },
	meta: { ip: string | null; userAgent: string | null },
	now = Date.now()
): Promise<LoginResult> {
	const email = normalizeEmail(input.email);
	const accountKey = `login:account:${email}`;
	const ipKey = `login:ip:${meta.ip ?? 'unknown'}`;
	// Count the attempt before checking the password, atomically, so attempts sent in parallel
	// cannot all slip under the limit; a successful sign-in gives its counts back.
	const account = await hit(database, accountKey, ACCOUNT_LIMIT, WINDOW_MS, now);
	const ip = await hit(database, ipKey, IP_LIMIT, WINDOW_MS, now);
	if (!account.allowed || !ip.allowed) {
		const retryAfterSeconds = Math.max(
			account.allowed ? 0 : account.retryAfterSeconds,
			ip.allowed ? 0 : ip.retryAfterSeconds
		);
		return { ok: false, code: 'RATE_LIMITED', retryAfterSeconds };
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
	await clear(database, accountKey);
	await release(database, ipKey);
	await database.db
		.updateTable('users')
		.set({ last_login_at: now })
		.where('id', '=', user.id)
		.execute();
	// R14: an unmanaged user on a captured domain takes a seat when they sign in. A failure here
	// must not keep anyone out: it is logged and the next sign-in tries again.
	try {
		await captureOnSignIn(database, { id: user.id, email }, now);
	} catch (err) {
		log('error', 'domain capture on sign-in failed', {
			userID: user.id,
			err: err instanceof Error ? err.message : String(err)
		});
	}
	const session = await createSession(database, user.id, meta, now);
	return { ok: true, ...session, userID: user.id };
}
