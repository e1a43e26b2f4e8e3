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
