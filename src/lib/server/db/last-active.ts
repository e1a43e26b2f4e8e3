import { sql, type RawBuilder } from 'kysely';
import { ACTIVITY_TRACKING_START } from '../../domain/activity';

/**
 * R19 in SQL, as `lastActiveAt` (domain/activity) says it: a user's last active is their latest
 * tracked activity when it is from after tracking began, else their last login (legacy). `summary`
 * and `users` name the activity_summary and users rows of the query (a table or its alias).
 * PostgreSQL returns the bigint as a string: say so in `T` where the caller reads it raw.
 */
export function lastActiveSql<T extends number | string | null = number | null>(
	summary = 'activity_summary',
	users = 'users'
): RawBuilder<T> {
	const activity = sql.ref(`${summary}.last_active_at`);
	return sql<T>`case when ${activity} >= ${sql.lit(ACTIVITY_TRACKING_START)} then ${activity} else ${sql.ref(`${users}.last_login_at`)} end`;
}
