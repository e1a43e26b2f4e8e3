import { DAY_MS } from './seats';

/** Activity tracking began on this UTC date (R19). */
export const ACTIVITY_TRACKING_START = Date.UTC(2025, 4, 20);

/** Days raw activity events are kept, and the default "active" window of the report (R19, R20). */
export const RETENTION_DAYS = 90;

/** Default number of days after which last_active shows N/A (R20). */
export const NA_AFTER_DAYS = 100;

/**
 * A user's last-active instant (epoch ms) from their recorded activity and last login (R19):
 * the last activity when it is on or after the tracking start, otherwise the last login.
 */
export function lastActiveAt(
	lastActivity: number | null | undefined,
	lastLogin: number | null | undefined
): number | null {
	if (lastActivity != null && lastActivity >= ACTIVITY_TRACKING_START) return lastActivity;
	return lastLogin ?? null;
}

/** The UTC calendar date `YYYY-MM-DD` of an instant. */
export function utcDate(at: number): string {
	return new Date(at).toISOString().slice(0, 10);
}

/** Whole UTC calendar days from the day of `from` to the day of `to`. */
export function utcDaysBetween(from: number, to: number): number {
	return Math.floor(to / DAY_MS) - Math.floor(from / DAY_MS);
}

/** The UTC day number of an instant (days since 1970-01-01), as Last Active travels on the wire. */
export function utcDay(at: number): number {
	return Math.floor(at / DAY_MS);
}

/**
 * The one definition of "active in the last N days" (R20), for the report's filters, its status
 * column and the chart alike: last active on a UTC calendar day at most N days before the day of
 * `now`, so the boundary day counts whole ("within 90 days" includes 90 days ago, not 91).
 * `at` is epoch ms; null or NaN means never active.
 */
export function activeWithin(at: number | null, now: number, days: number): boolean {
	if (at === null || Number.isNaN(at)) return false;
	return utcDaysBetween(at, now) <= days;
}

/**
 * How many of `lastActive` (epoch ms, NaN for never) were active within each of `windows` days as of
 * `now` (see `activeWithin`): one pass, a few ms for a million users.
 */
export function countActive(
	lastActive: ArrayLike<number>,
	now: number,
	windows: number[]
): number[] {
	const today = utcDay(now);
	// Active within d days ⇔ the day number is at least today − d (NaN compares false: never).
	const firstDay = windows.map((d) => today - d);
	const counts = windows.map(() => 0);
	for (let i = 0; i < lastActive.length; i++) {
		const day = Math.floor(lastActive[i]! / DAY_MS);
		for (let k = 0; k < firstDay.length; k++) if (day >= firstDay[k]!) counts[k]!++;
	}
	return counts;
}

/**
 * Whether a Last Active value is a legacy last login (R19): dates before tracking began can only
 * come from the last login, so the console marks them.
 */
export function isLegacyLastLogin(at: number | null): boolean {
	return at !== null && !Number.isNaN(at) && at < ACTIVITY_TRACKING_START;
}

/** The report's thresholds (R20, decision): per enterprise, owner and co-owners change them. */
export interface ActivityThresholds {
	/** `status` is `active` within this many days (default 90). */
	activeDays: number;
	/** `last_active` is `N/A` after more than this many days (default 100). */
	naAfterDays: number;
}

/** The defaults of R20. */
export const DEFAULT_THRESHOLDS: ActivityThresholds = {
	activeDays: RETENTION_DAYS,
	naAfterDays: NA_AFTER_DAYS
};

/** Smallest and largest day count a threshold may take. */
export const THRESHOLD_MIN_DAYS = 1;
export const THRESHOLD_MAX_DAYS = 3650;

/** Why thresholds are refused, in plain words, or null when they are fine (R20). */
export function thresholdsProblem(t: ActivityThresholds): string | null {
	for (const [value, what] of [
		[t.activeDays, 'The active period'],
		[t.naAfterDays, 'The N/A period']
	] as const) {
		if (!Number.isInteger(value) || value < THRESHOLD_MIN_DAYS || value > THRESHOLD_MAX_DAYS)
			return `${what} must be a whole number of days from ${THRESHOLD_MIN_DAYS} to ${THRESHOLD_MAX_DAYS}.`;
	}
	if (t.naAfterDays < t.activeDays)
		return 'The N/A period must be at least as long as the active period.';
	return null;
}

/**
 * What the console and the report show as Last Active (R20): the UTC date, or `N/A` when the user
 * was never active or last active more than `naAfterDays` days before `now`.
 */
export function lastActiveLabel(
	at: number | null,
	now: number,
	naAfterDays: number = NA_AFTER_DAYS
): string {
	if (at == null || utcDaysBetween(at, now) > naAfterDays) return 'N/A';
	return utcDate(at);
}
