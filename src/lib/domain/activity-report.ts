import { toCsv } from './csv';
import { activeWithin, lastActiveLabel, NA_AFTER_DAYS, RETENTION_DAYS, utcDate } from './activity';

/** The rows a report keeps (R20): everyone, active in the last 7, 30 or 90 days, or inactive. */
export type ReportFilter = 'all' | 'active-7' | 'active-30' | 'active-90' | 'inactive';

/** The filters in the order the console offers them, with their wording. */
export const REPORT_FILTERS: readonly { value: ReportFilter; label: string }[] = [
	{ value: 'all', label: 'All licensed users' },
	{ value: 'active-7', label: 'Active in the last 7 days' },
	{ value: 'active-30', label: 'Active in the last 30 days' },
	{ value: 'active-90', label: 'Active in the last 90 days' },
	{ value: 'inactive', label: 'Inactive' }
];

/** What a report is generated with: the instant it is "as of" and the two thresholds (R20). */
export interface ReportOptions {
	/** The instant the report is generated as of (epoch ms); days are counted on UTC dates. */
	now: number;
	filter: ReportFilter;
	/** `status` is `active` within this many days (default 90, the retention). */
	activeDays?: number;
	/** `last_active` is `N/A` after more than this many days (default 100). */
	naAfterDays?: number;
}

/** The report's columns, in order (R20). */
export const ACTIVITY_REPORT_COLUMNS = ['email', 'name', 'last_active', 'status'] as const;

/** One row of the report (R20). */
export interface ActivityReportRow {
	email: string;
	name: string;
	last_active: string;
	status: 'active' | 'inactive';
}

/** A licensed user as the report reads them: last active epoch ms, null when never. */
export interface ReportUser {
	email: string;
	name: string;
	lastActiveAt: number | null;
}

/**
 * The byte order mark the report starts with: UTF-8 is what R21 asks for, and Excel reads a CSV
 * without it in the machine's legacy code page, garbling accents, emoji and right-to-left names.
 * Every CSV reader we target (papaparse, Google Sheets, Numbers, LibreOffice) skips it.
 */
export const UTF8_BOM = '\uFEFF';

/**
 * Whether a user last active `days` whole UTC days before the report (null: never) belongs in a
 * report with `filter`. "Within N days" includes day N: 90 days ago is active, 91 is not.
 */
export function matchesFilter(days: number | null, filter: ReportFilter, activeDays: number) {
	switch (filter) {
		case 'all':
			return true;
		case 'inactive':
			return days === null || days > activeDays;
		default:
			return days !== null && days <= Number(filter.slice('active-'.length));
	}
}

/** A user's report row as of `options.now`, or null when the filter leaves them out (R20). */
export function activityReportRow(
	user: ReportUser,
	options: ReportOptions
): ActivityReportRow | null {
	const activeDays = options.activeDays ?? RETENTION_DAYS;
	const at = user.lastActiveAt;
	const filter = options.filter;
	const kept =
		filter === 'all' ||
		(filter === 'inactive'
			? !activeWithin(at, options.now, activeDays)
			: activeWithin(at, options.now, Number(filter.slice('active-'.length))));
	if (!kept) return null;
	return {
		email: user.email,
		name: user.name,
		last_active: lastActiveLabel(at, options.now, options.naAfterDays ?? NA_AFTER_DAYS),
		status: activeWithin(at, options.now, activeDays) ? 'active' : 'inactive'
	};
}

/**
 * The whole report as one string, row by row through the shared CSV writer (R20, R21). The
 * reference the worker's streaming writer is tested against; fine for small enterprises.
 */
export function activityReportCsv(users: Iterable<ReportUser>, options: ReportOptions): string {
	const rows: ActivityReportRow[] = [];
	for (const user of users) {
		const row = activityReportRow(user, options);
		if (row) rows.push(row);
	}
	return UTF8_BOM + toCsv(rows, ACTIVITY_REPORT_COLUMNS);
}

/** The filter as the file name says it. */
const FILE_FILTER: Record<ReportFilter, string> = {
	all: 'all',
	'active-7': 'active-7-days',
	'active-30': 'active-30-days',
	'active-90': 'active-90-days',
	inactive: 'inactive'
};

/**
 * The download's file name, with the filter it was made with:
 * `activity-report-<enterprise-slug>-<filter>-<YYYY-MM-DD>.csv` (UTC date), e.g.
 * `activity-report-acme-inactive-2026-12-07.csv`.
 */
export function activityReportFileName(slug: string, now: number, filter: ReportFilter): string {
	return `activity-report-${slug}-${FILE_FILTER[filter]}-${utcDate(now)}.csv`;
}
