import type Dexie from 'dexie';
import { scanLicenses } from '../roster';
import { CSV_NEEDS_QUOTES, csvCell } from '../../domain/csv';
import { DAY_MS } from '../../domain/seats';
import { NA_AFTER_DAYS, RETENTION_DAYS, utcDate } from '../../domain/activity';
import {
	ACTIVITY_REPORT_COLUMNS,
	UTF8_BOM,
	type ReportOptions
} from '../../domain/activity-report';

/** How the report tells its progress: licensed users read so far, of all of them. */
export type ReportProgress = (done: number, total: number) => unknown;

/** What the report hands back: the CSV file and how many users it lists. */
export interface ActivityReport {
	blob: Blob;
	rows: number;
}

/** Rows written per Blob part (the roster's chunk size), so memory stays flat for 1M users. */
const PART_ROWS = 10_000;

/**
 * One CSV cell of free text, as the shared writer writes it (R21): most emails and names need
 * nothing, so they are returned as they are after a character test and a regex, and the rest go
 * through `csvCell`. Two million calls of the general path would be a large part of the report.
 */
function textCell(value: string): string {
	const c = value.charCodeAt(0);
	// = + - @ tab CR start a formula.
	if (c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13) return csvCell(value);
	return CSV_NEEDS_QUOTES.test(value) ? csvCell(value) : value;
}

/**
 * Writes the activity report (R20, R21) of a mirror, read straight from IndexedDB: the roster's
 * columnar chunks one at a time (the next one is read while this one is written), the changes of
 * the `licenses` table joined in place as `licenseColumns` joins them, each 10,000 rows written as
 * CSV into a Blob part. `signal` is checked between chunks. One read transaction, so a sync that
 * replaces the roster meanwhile waits and the report reads one consistent mirror.
 *
 * The rows are the same as `activityReportRow` gives (a spec holds them to it), written without
 * papaparse: `Papa.unparse` alone takes 2.1 s for 1M rows (ARCHITECTURE.md), over the 2 s target.
 */
export async function generateActivityReport(
	db: Dexie,
	options: ReportOptions,
	onProgress?: ReportProgress,
	signal?: { readonly aborted: boolean }
): Promise<ActivityReport> {
	const activeDays = options.activeDays ?? RETENTION_DAYS;
	const naAfterDays = options.naAfterDays ?? NA_AFTER_DAYS;
	const today = Math.floor(options.now / DAY_MS);
	// The label of each day back to the N/A threshold, so a row costs no Date.
	const labels: string[] = [];
	for (let d = 0; d <= naAfterDays; d++) labels.push(utcDate((today - d) * DAY_MS));
	// The filter as a window on days ago (never-active users: keepNever), see matchesFilter.
	const keepNever = options.filter === 'all' || options.filter === 'inactive';
	const minDaysExclusive = options.filter === 'inactive' ? activeDays : -Infinity;
	const maxDays = options.filter.startsWith('active-')
		? Number(options.filter.slice('active-'.length))
		: Infinity;

	let rows = 0;
	let out = '';
	/** Appends one user's row when the filter keeps it; `t` is epoch ms or NaN for never. */
	const write = (email: string, name: string, t: number) => {
		let tail: string;
		if (Number.isNaN(t)) {
			if (!keepNever) return;
			tail = ',N/A,inactive\r\n';
		} else {
			const days = today - Math.floor(t / DAY_MS);
			if (days > maxDays || days <= minDaysExclusive) return;
			const label = days > naAfterDays ? 'N/A' : days >= 0 ? labels[days]! : utcDate(t);
			tail = days <= activeDays ? `,${label},active\r\n` : `,${label},inactive\r\n`;
		}
		out += textCell(email) + ',' + textCell(name) + tail;
		rows++;
	};

	const parts: Blob[] = [new Blob([UTF8_BOM + ACTIVITY_REPORT_COLUMNS.join(',') + '\r\n'])];
	const flush = () => {
		if (out) parts.push(new Blob([out]));
		out = '';
	};
	const checkCancelled = () => {
		if (signal?.aborted) throw new DOMException('The report was cancelled', 'AbortError');
	};

	let total = 0;
	const progress = (done: number) => {
		void Promise.resolve(onProgress?.(done, total)).catch(() => undefined);
	};
	const read = await scanLicenses(
		db,
		{
			total: (n) => {
				total = n;
				progress(0);
			},
			row: write,
			progress: (done) => {
				flush();
				progress(done);
				checkCancelled();
			}
		},
		PART_ROWS
	);
	flush();
	progress(read);
	return { blob: new Blob(parts, { type: 'text/csv;charset=utf-8' }), rows };
}
