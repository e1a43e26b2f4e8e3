import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { parseRfc4180 } from '../../../tests/unit/support/rfc4180';
import { lastActiveAt } from './activity';
import { DAY_MS } from './seats';
import {
	activityReportCsv,
	activityReportFileName,
	activityReportRow,
	matchesFilter,
	UTF8_BOM,
	type ReportFilter,
	type ReportUser
} from './activity-report';

// The report is generated as of this instant: 2025-09-01, 10:30 UTC.
const NOW = Date.UTC(2025, 8, 1, 10, 30);
/** An instant `days` UTC calendar days before NOW's date, at hh:mm UTC. */
const daysAgo = (days: number, hh = 12, mm = 0) =>
	Date.UTC(2025, 8, 1 - days) + (hh * 60 + mm) * 60_000;
const user = (
	name: string,
	lastActive: number | null,
	email = `${name}@acme.test`
): ReportUser => ({
	email,
	name,
	lastActiveAt: lastActive
});
const row = (u: ReportUser, filter: ReportFilter = 'all') =>
	activityReportRow(u, { now: NOW, filter });

/** Both parsers read the file the same way; the BOM is checked and dropped first. */
function parseBoth(csv: string): string[][] {
	expect(csv.startsWith(UTF8_BOM)).toBe(true);
	const body = csv.slice(UTF8_BOM.length);
	const ours = parseRfc4180(body);
	const papa = Papa.parse<string[]>(csv, { newline: '\r\n', skipEmptyLines: true });
	expect(papa.errors).toEqual([]);
	expect(papa.data).toEqual(ours);
	return ours;
}

describe('activity report rows (R20), as of a given instant on UTC dates', () => {
	it('shows the date up to 100 days and N/A after more than 100 days, whatever the hour', () => {
		// 23:59 UTC 101 days back is less than 101 × 24 h before NOW, but 101 calendar days.
		expect(row(user('d99', daysAgo(99, 0, 0)))?.last_active).toBe('2025-05-25');
		expect(row(user('d100', daysAgo(100, 23, 59)))?.last_active).toBe('2025-05-24');
		expect(row(user('d101', daysAgo(101, 23, 59)))?.last_active).toBe('N/A');
		expect(NOW - daysAgo(101, 23, 59)).toBeLessThan(101 * DAY_MS);
		// Thresholds are settings (R20): N/A after 30 days.
		expect(
			activityReportRow(user('d31', daysAgo(31)), { now: NOW, filter: 'all', naAfterDays: 30 })
				?.last_active
		).toBe('N/A');
	});

	it('is active within 90 days (day 90 included), else inactive; thresholds are settings', () => {
		expect(row(user('today', daysAgo(0)))?.status).toBe('active');
		expect(row(user('d90', daysAgo(90, 0, 0)))?.status).toBe('active');
		expect(row(user('d91', daysAgo(91, 23, 59)))?.status).toBe('inactive');
		expect(row(user('d99', daysAgo(99)))).toEqual({
			email: 'd99@acme.test',
			name: 'd99',
			last_active: '2025-05-25',
			status: 'inactive'
		});
		expect(
			activityReportRow(user('d45', daysAgo(45)), { now: NOW, filter: 'all', activeDays: 30 })
				?.status
		).toBe('inactive');
	});

	it('lists never-active users as N/A and inactive', () => {
		expect(row(user('never', null))).toEqual({
			email: 'never@acme.test',
			name: 'never',
			last_active: 'N/A',
			status: 'inactive'
		});
	});

	it('dates legacy users by their last login when no activity is recorded since 2025-05-20 (R19)', () => {
		// Activity before tracking began does not count; the last login does.
		const legacy = lastActiveAt(Date.UTC(2025, 4, 10), Date.UTC(2025, 6, 1, 8));
		expect(row(user('legacy', legacy))).toMatchObject({
			last_active: '2025-07-01',
			status: 'active'
		});
		const oldLogin = lastActiveAt(null, Date.UTC(2025, 3, 2));
		expect(row(user('old-login', oldLogin))).toMatchObject({
			last_active: 'N/A',
			status: 'inactive'
		});
	});

	it('filters: active in the last 7, 30, 90 days, inactive, all (R20)', () => {
		const kept = (filter: ReportFilter) =>
			[null, 0, 7, 8, 30, 31, 90, 91, 101].filter((d) => matchesFilter(d, filter, 90));
		expect(kept('all')).toEqual([null, 0, 7, 8, 30, 31, 90, 91, 101]);
		expect(kept('active-7')).toEqual([0, 7]);
		expect(kept('active-30')).toEqual([0, 7, 8, 30]);
		expect(kept('active-90')).toEqual([0, 7, 8, 30, 31, 90]);
		expect(kept('inactive')).toEqual([null, 91, 101]);
		expect(row(user('d8', daysAgo(8)), 'active-7')).toBeNull();
		expect(row(user('never', null), 'active-90')).toBeNull();
	});

	it('names the file activity-report-<slug>-<filter>-<UTC date>.csv', () => {
		expect(activityReportFileName('acme', Date.UTC(2026, 11, 7, 23, 59), 'inactive')).toBe(
			'activity-report-acme-inactive-2026-12-07.csv'
		);
		expect(activityReportFileName('acme', Date.UTC(2025, 8, 1), 'active-30')).toBe(
			'activity-report-acme-active-30-days-2025-09-01.csv'
		);
		expect(activityReportFileName('acme', Date.UTC(2025, 8, 1), 'all')).toBe(
			'activity-report-acme-all-2025-09-01.csv'
		);
	});
});

describe('the activity report CSV (R20, R21), parsed back by papaparse and an RFC 4180 reader', () => {
	const users: ReportUser[] = [
		user('Lovelace, Ada', daysAgo(3), 'ada@acme.test'),
		user('Ada "The Countess" King', daysAgo(99), 'countess@acme.test'),
		user('Line\nbreak\r\nand CRLF', daysAgo(100), 'lines@acme.test'),
		user('Zoë 👩‍💻 Dev 🚀', daysAgo(101), 'emoji@acme.test'),
		user('مريم العربية', daysAgo(91), 'rtl@acme.test'),
		user('=HYPERLINK("http://evil.test","click")', daysAgo(0), 'formula@acme.test'),
		user('+1 555 0100', null, 'plus@acme.test'),
		user('-2+3', daysAgo(7), '-dash@acme.test'),
		user('@SUM(A1:A2)', daysAgo(30), '@at@acme.test'),
		user('\tTabbed', daysAgo(45), 'tab@acme.test'),
		user('\rCarriage', daysAgo(60), 'cr@acme.test'),
		user('Plain Name', lastActiveAt(null, Date.UTC(2025, 6, 1)), 'legacy@acme.test')
	];
	const expected = [
		['email', 'name', 'last_active', 'status'],
		['ada@acme.test', 'Lovelace, Ada', '2025-08-29', 'active'],
		['countess@acme.test', 'Ada "The Countess" King', '2025-05-25', 'inactive'],
		['lines@acme.test', 'Line\nbreak\r\nand CRLF', '2025-05-24', 'inactive'],
		['emoji@acme.test', 'Zoë 👩‍💻 Dev 🚀', 'N/A', 'inactive'],
		['rtl@acme.test', 'مريم العربية', '2025-06-02', 'inactive'],
		['formula@acme.test', `'=HYPERLINK("http://evil.test","click")`, '2025-09-01', 'active'],
		['plus@acme.test', "'+1 555 0100", 'N/A', 'inactive'],
		["'-dash@acme.test", "'-2+3", '2025-08-25', 'active'],
		["'@at@acme.test", "'@SUM(A1:A2)", '2025-08-02', 'active'],
		['tab@acme.test', "'\tTabbed", '2025-07-18', 'active'],
		['cr@acme.test', "'\rCarriage", '2025-07-03', 'active'],
		['legacy@acme.test', 'Plain Name', '2025-07-01', 'active']
	];

	it('has the header, one row per licensed user, values as expected row by row', () => {
		const parsed = parseBoth(activityReportCsv(users, { now: NOW, filter: 'all' }));
		expect(parsed).toHaveLength(expected.length);
		parsed.forEach((r, i) => expect(r, `row ${i}`).toEqual(expected[i]));
	});

	it('is RFC 4180 with CRLF line ends, quoting only where needed', () => {
		const csv = activityReportCsv(users.slice(0, 3), { now: NOW, filter: 'all' });
		expect(csv).toBe(
			UTF8_BOM +
				'email,name,last_active,status\r\n' +
				'ada@acme.test,"Lovelace, Ada",2025-08-29,active\r\n' +
				'countess@acme.test,"Ada ""The Countess"" King",2025-05-25,inactive\r\n' +
				'lines@acme.test,"Line\nbreak\r\nand CRLF",2025-05-24,inactive\r\n'
		);
	});

	it('keeps the header when the filter keeps nobody', () => {
		expect(
			parseBoth(activityReportCsv([user('never', null)], { now: NOW, filter: 'active-7' }))
		).toEqual([['email', 'name', 'last_active', 'status']]);
	});

	it('lists only the filtered users', () => {
		const active7 = parseBoth(activityReportCsv(users, { now: NOW, filter: 'active-7' }));
		expect(active7.slice(1).map((r) => r[0])).toEqual([
			'ada@acme.test',
			'formula@acme.test',
			"'-dash@acme.test"
		]);
		const inactive = parseBoth(activityReportCsv(users, { now: NOW, filter: 'inactive' }));
		expect(inactive.slice(1).every((r) => r[3] === 'inactive')).toBe(true);
		expect(inactive).toHaveLength(1 + 5);
	});
});
