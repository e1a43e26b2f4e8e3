import { describe, expect, it } from 'vitest';
import {
	activeWithin,
	countActive,
	DEFAULT_THRESHOLDS,
	isLegacyLastLogin,
	thresholdsProblem
} from './activity';
import { activityReportCsv, type ReportFilter, type ReportUser } from './activity-report';
import { DAY_MS } from './seats';

// A mirror of users last active at every hour of the last 100 days, plus some who never were.
const DAY0 = Date.UTC(2026, 11, 7);
const users: ReportUser[] = [];
for (let h = 0; h < 100 * 24; h += 5) {
	users.push({ email: `u${h}@acme.test`, name: `U ${h}`, lastActiveAt: DAY0 - h * 3_600_000 });
}
for (let i = 0; i < 7; i++)
	users.push({ email: `never${i}@acme.test`, name: 'N', lastActiveAt: null });
const lastActive = Float64Array.from(users, (u) => u.lastActiveAt ?? Number.NaN);

/** Rows of the report with a filter, counted from the CSV the device would download. */
function reportCount(now: number, filter: ReportFilter): number {
	const csv = activityReportCsv(users, { now, filter });
	return csv.split('\r\n').filter((l) => l !== '').length - 1;
}

describe('"active in the last N days" has one definition (R20)', () => {
	for (const [hh, mm] of [
		[0, 0],
		[0, 1],
		[9, 30],
		[12, 0],
		[23, 59]
	] as const) {
		it(`the chart and the report's filters count the same users at ${hh}:${String(mm).padStart(2, '0')} UTC`, () => {
			const now = DAY0 + (hh * 60 + mm) * 60_000;
			const [c7, c30, c90] = countActive(lastActive, now, [7, 30, 90]);
			expect(c7).toBe(reportCount(now, 'active-7'));
			expect(c30).toBe(reportCount(now, 'active-30'));
			expect(c90).toBe(reportCount(now, 'active-90'));
			// Inactive is everyone the 90-day window leaves out, the never-active included.
			expect(reportCount(now, 'inactive')).toBe(users.length - c90!);
		});
	}

	it('counts whole UTC calendar days, the boundary day included', () => {
		const now = DAY0 + 23 * 3_600_000 + 59 * 60_000;
		expect(activeWithin(DAY0 - 7 * DAY_MS, now, 7)).toBe(true);
		expect(activeWithin(DAY0 - 7 * DAY_MS - 1, now, 7)).toBe(false);
		expect(activeWithin(null, now, 7)).toBe(false);
		expect(activeWithin(Number.NaN, now, 7)).toBe(false);
	});
});

describe('legacy last login (R19)', () => {
	it('is a date before activity tracking began on 2025-05-20', () => {
		expect(isLegacyLastLogin(Date.UTC(2025, 4, 19, 23, 59))).toBe(true);
		expect(isLegacyLastLogin(Date.UTC(2025, 4, 20))).toBe(false);
		expect(isLegacyLastLogin(null)).toBe(false);
		expect(isLegacyLastLogin(Number.NaN)).toBe(false);
	});
});

describe('report thresholds (R20 decision)', () => {
	it('accepts the defaults and refuses N/A shorter than the active period or out of range', () => {
		expect(thresholdsProblem(DEFAULT_THRESHOLDS)).toBeNull();
		expect(thresholdsProblem({ activeDays: 30, naAfterDays: 30 })).toBeNull();
		expect(thresholdsProblem({ activeDays: 90, naAfterDays: 60 })).toMatch(/at least as long/);
		expect(thresholdsProblem({ activeDays: 0, naAfterDays: 100 })).toMatch(/1 to 3650/);
		expect(thresholdsProblem({ activeDays: 90, naAfterDays: 3651 })).toMatch(/1 to 3650/);
		expect(thresholdsProblem({ activeDays: 1.5, naAfterDays: 100 })).toMatch(/whole number/);
	});
});
