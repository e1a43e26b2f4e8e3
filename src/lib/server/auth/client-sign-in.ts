import { sql } from 'kysely';
import type { Db } from '../db';
import { recordSignIn } from '../activity.service';
import { captureOnSignIn } from '../sync/capture';
import { normalizeEmail } from '../../domain/email';

/**
 * A user signed in to the API client, as the vendor's client reports it with the ingest key: the
 * sign-in is their last login (R19), and domain capture licenses them in each enterprise that
 * captures their email's domain, seat allowing (R14). Null when no account has the email.
 */
export async function clientSignIn(
	database: Db,
	email: string,
	now = Date.now()
): Promise<{ userID: string; licensedIn: string[] } | null> {
	const normalized = normalizeEmail(email);
	const user = await database.db
		.selectFrom('users')
		.select('id')
		.where(sql`lower(email)`, '=', normalized)
		.executeTakeFirst();
	if (!user) return null;
	await recordSignIn(database, user.id, now);
	const licensedIn = await captureOnSignIn(database, { id: user.id, email: normalized }, now);
	return { userID: user.id, licensedIn };
}
