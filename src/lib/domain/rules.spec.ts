import { describe, expect, it } from 'vitest';
import {
	ACCOUNT_ROLES,
	canAccess,
	canManageCoOwners,
	canUseConsole,
	isAccountRole,
	type ConsoleArea
} from './roles';
import { DAY_MS, INVITE_TTL_DAYS, inviteExpiresAt, seatUsage } from './seats';
import { isMirrorTable, MIRROR, MIRROR_TABLES, seesTable } from './sync/tables';
import {
	ACTIVITY_TRACKING_START,
	lastActiveAt,
	lastActiveLabel,
	utcDate,
	utcDaysBetween
} from './activity';
import { slugify } from './slug';
import { loginSchema, normalizeEmail } from './auth';

const AREAS: ConsoleArea[] = [
	'licenses',
	'reports',
	'seats',
	'teams',
	'organizations',
	'domains',
	'storage',
	'co-owners',
	'audit',
	'scim',
	'settings'
];
const BILLING_AREAS: ConsoleArea[] = ['licenses', 'reports', 'seats', 'settings'];

describe('account roles', () => {
	it('R2: owner, co-owner and billing can open the console; members and strangers cannot', () => {
		expect(canUseConsole('owner')).toBe(true);
		expect(canUseConsole('co-owner')).toBe(true);
		expect(canUseConsole('billing')).toBe(true);
		expect(canUseConsole('member')).toBe(false);
		expect(canUseConsole(null)).toBe(false);
		expect(canUseConsole(undefined)).toBe(false);
	});

	it.each(AREAS)('R2: owner and co-owner can use %s', (area) => {
		expect(canAccess('owner', area)).toBe(true);
		expect(canAccess('co-owner', area)).toBe(true);
	});

	it('R2: billing sees only licenses, reports, seats and settings', () => {
		const allowed = AREAS.filter((area) => canAccess('billing', area));
		expect(allowed.sort()).toEqual([...BILLING_AREAS].sort());
	});

	it('R2: members and people without a role can use no area', () => {
		for (const area of AREAS) {
			expect(canAccess('member', area)).toBe(false);
			expect(canAccess(null, area)).toBe(false);
		}
	});

	it('R2: only the owner adds or removes co-owners', () => {
		expect(ACCOUNT_ROLES.filter((role) => canManageCoOwners(role))).toEqual(['owner']);
		expect(canManageCoOwners(undefined)).toBe(false);
	});

	it('R2: isAccountRole accepts the four roles and nothing else', () => {
		for (const role of ACCOUNT_ROLES) expect(isAccountRole(role)).toBe(true);
		for (const value of ['Owner', 'superuser', '', null, 1, {}])
			expect(isAccountRole(value)).toBe(false);
	});
});

describe('mirrored tables', () => {
	it('R2: billing receives the enterprise, licenses and invites; owners and co-owners every table', () => {
		const billing = MIRROR_TABLES.filter((t) => seesTable('billing', t));
		expect(billing).toEqual(['enterprise', 'licenses', 'invites']);
		for (const role of ['owner', 'co-owner'] as const) {
			expect(MIRROR_TABLES.filter((t) => seesTable(role, t))).toEqual(MIRROR_TABLES);
		}
	});

	it('a deletion takes along rows of mirrored tables only', () => {
		const targets = MIRROR_TABLES.flatMap((t) => MIRROR[t].cascade?.map((c) => c.table) ?? []);
		expect(targets.length).toBeGreaterThan(0);
		expect(targets.filter((t) => !isMirrorTable(t))).toEqual([]);
	});
});

describe('seats', () => {
	it('R4: seats used = licensed + pending invites; free = purchased − used', () => {
		expect(seatUsage(50, 40, 3)).toEqual({
			purchased: 50,
			licensed: 40,
			pendingInvites: 3,
			used: 43,
			free: 7
		});
	});

	it('R4: a full enterprise has zero free seats', () => {
		expect(seatUsage(10, 8, 2).free).toBe(0);
	});

	it('R4: free seats never go negative when usage exceeds the purchase', () => {
		const usage = seatUsage(10, 12, 3);
		expect(usage.used).toBe(15);
		expect(usage.free).toBe(0);
	});

	it('R5: an invite expires exactly 30 days after it is sent', () => {
		const sentAt = Date.UTC(2025, 0, 15, 9, 30);
		expect(INVITE_TTL_DAYS).toBe(30);
		expect(inviteExpiresAt(sentAt)).toBe(Date.UTC(2025, 1, 14, 9, 30));
		expect(inviteExpiresAt(sentAt) - sentAt).toBe(30 * DAY_MS);
	});
});

describe('activity', () => {
	const login = Date.UTC(2025, 2, 1, 8);

	it('R19: activity tracking began on 2025-05-20 (UTC)', () => {
		expect(utcDate(ACTIVITY_TRACKING_START)).toBe('2025-05-20');
	});

	it('R19: activity since tracking began is the last-active date', () => {
		const at = Date.UTC(2025, 6, 4, 15);
		expect(lastActiveAt(at, login)).toBe(at);
		expect(lastActiveAt(ACTIVITY_TRACKING_START, login)).toBe(ACTIVITY_TRACKING_START);
	});

	it('R19: activity before 2025-05-20 falls back to the last login', () => {
		expect(lastActiveAt(ACTIVITY_TRACKING_START - 1, login)).toBe(login);
		expect(lastActiveAt(Date.UTC(2025, 0, 1), login)).toBe(login);
	});

	it('R19: no activity falls back to the last login; neither means never active', () => {
		expect(lastActiveAt(null, login)).toBe(login);
		expect(lastActiveAt(undefined, login)).toBe(login);
		expect(lastActiveAt(null, null)).toBeNull();
		expect(lastActiveAt(ACTIVITY_TRACKING_START - DAY_MS, null)).toBeNull();
	});

	// The report is generated shortly after midnight UTC on 2025-09-01.
	const now = Date.UTC(2025, 8, 1, 0, 5);
	const daysBefore = (days: number, hour: number, minute = 0) =>
		Date.UTC(2025, 8, 1 - days, hour, minute);

	it('R20: last active 99 UTC calendar days ago shows the date', () => {
		const at = daysBefore(99, 23, 59);
		expect(utcDaysBetween(at, now)).toBe(99);
		expect(lastActiveLabel(at, now)).toBe('2025-05-25');
	});

	it('R20: last active exactly 100 UTC calendar days ago still shows the date', () => {
		const at = daysBefore(100, 0, 0);
		expect(utcDaysBetween(at, now)).toBe(100);
		expect(lastActiveLabel(at, now)).toBe('2025-05-24');
	});

	it('R20: last active 101 UTC calendar days ago is N/A, even if under 101×24 hours', () => {
		const at = daysBefore(101, 23, 59);
		// Only 100 days and 6 minutes have elapsed, but it is 101 calendar days.
		expect(now - at).toBeLessThan(101 * DAY_MS);
		expect(utcDaysBetween(at, now)).toBe(101);
		expect(lastActiveLabel(at, now)).toBe('N/A');
	});

	it('R20: never active is N/A', () => {
		expect(lastActiveLabel(null, now)).toBe('N/A');
	});

	it('R20: the N/A threshold is a setting', () => {
		const at = daysBefore(40, 12);
		expect(lastActiveLabel(at, now, 30)).toBe('N/A');
		expect(lastActiveLabel(at, now, 40)).toBe('2025-07-23');
	});

	it('R20: dates are UTC calendar dates, not local ones, around midnight', () => {
		expect(utcDate(Date.UTC(2025, 7, 31, 23, 59, 59, 999))).toBe('2025-08-31');
		expect(utcDate(Date.UTC(2025, 8, 1, 0, 0, 0, 0))).toBe('2025-09-01');
		expect(lastActiveLabel(Date.UTC(2025, 7, 31, 23, 59), now)).toBe('2025-08-31');
		expect(lastActiveLabel(now, now)).toBe('2025-09-01');
	});
});

describe('slugify', () => {
	it.each([
		['Acme', 'acme'],
		['Acme Corp', 'acme-corp'],
		['ACME  2', 'acme-2'],
		['Société Générale', 'societe-generale'],
		['Zoë & Co.', 'zoe-co'],
		['  --Acme!!  ', 'acme']
	])('turns %j into the URL slug %j', (name, slug) => {
		expect(slugify(name)).toBe(slug);
	});

	it('falls back to "enterprise" when nothing URL-safe is left', () => {
		expect(slugify('!!!')).toBe('enterprise');
		expect(slugify('日本')).toBe('enterprise');
	});
});

describe('login form', () => {
	function problems(body: unknown) {
		const result = loginSchema.safeParse(body);
		expect(result.success).toBe(false);
		return result.error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
	}

	it('accepts an email and a password, trimming the email', () => {
		expect(loginSchema.parse({ email: '  Owner@Acme.test ', password: 'roster-demo' })).toEqual({
			email: 'Owner@Acme.test',
			password: 'roster-demo'
		});
	});

	it('says when the email is not an email address', () => {
		expect(problems({ email: 'owner-at-acme', password: 'x' })).toEqual([
			{ path: 'email', message: 'email must be an email address' }
		]);
	});

	it('says when the email is empty', () => {
		expect(problems({ email: '   ', password: 'x' })).toEqual([
			{ path: 'email', message: 'email is required' }
		]);
	});

	it('says when the password is missing or empty', () => {
		const missing = problems({ email: 'owner@acme.test' });
		expect(missing).toHaveLength(1);
		expect(missing?.[0]?.path).toBe('password');
		expect(missing?.[0]?.message).toMatch(/password is required/);
		expect(problems({ email: 'owner@acme.test', password: '' })).toEqual([
			{ path: 'password', message: 'password is required' }
		]);
	});

	it('rejects a body that is not an object', () => {
		expect(problems(null)).toHaveLength(1);
		expect(problems('owner@acme.test')).toHaveLength(1);
	});

	it('R3: emails compare case-insensitively and without surrounding spaces', () => {
		expect(normalizeEmail('  Alice@Example.TEST ')).toBe('alice@example.test');
	});
});
