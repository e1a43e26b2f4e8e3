import { describe, expect, it } from 'vitest';
import { InvitesState, LicensesState } from './licenses.svelte';
import { controllerFor, id, ME } from './support/console.svelte';
import { specScope } from './support/spec-scope';

const { mirror, watched } = specScope();
const DAY = 86_400_000;

describe('licenses state', () => {
	it('says the seats and the licensed users are loading while no mirror is open', () => {
		const licenses = new LicensesState(controllerFor());
		expect(
			watched(() => [licenses.seats.current, licenses.list.connection, licenses.active.current])
				.value
		).toEqual([null, null, null]);
	});

	it('removing a license takes the user off the licensed list and frees the seat at once', async () => {
		const m = await mirror({ users: ['ada@acme.test', 'bob@acme.test'], seats: 5 });
		const licenses = new LicensesState(controllerFor(m));
		const everyone = licenses.list.asked(
			() => '',
			(api) => api.window({ query: '', sort: 'email', inactiveDays: null, now: Date.now() }, 0, 100)
		);
		const emails = watched(() => everyone.current?.rows.map((r) => r.email) ?? null);
		const seats = watched(() => licenses.seats.current);
		await emails.until((e) => e?.length === 3);
		expect((await seats.until((s) => s !== null))?.licensed).toBe(3);

		expect(await licenses.removeLicense({ id: id('ada@acme.test'), email: 'ada@acme.test' })).toBe(
			true
		);
		expect([...(await emails.until((e) => e?.length === 2))!].sort()).toEqual([
			'bob@acme.test',
			'me@acme.test'
		]);
		expect((await seats.until((s) => s?.licensed === 2))?.licensed).toBe(2);
	});

	it('keeps the refusal to remove your own license in its message', async () => {
		const m = await mirror();
		const licenses = new LicensesState(controllerFor(m));

		expect(await licenses.removeLicense(ME)).toBe(false);
		expect(licenses.message).toBe(
			'Could not remove the license of me@acme.test. You cannot remove your own license. Ask the owner or another co-owner.'
		);
	});

	it('uses the default activity thresholds until an owner saves others', async () => {
		const m = await mirror();
		const licenses = new LicensesState(controllerFor(m));
		const thresholds = watched(() => licenses.thresholds.current);
		expect(await thresholds.until((t) => t !== null)).toEqual({ activeDays: 90, naAfterDays: 100 });

		expect(await licenses.setThresholds({ activeDays: 30, naAfterDays: 60 })).toBe(true);
		expect(licenses.done).toBe('Saved. The report and the charts use the new thresholds.');
		expect(await thresholds.until((t) => t?.activeDays === 30)).toEqual({
			activeDays: 30,
			naAfterDays: 60
		});
	});
});

describe('pending invites state', () => {
	it('lists pending invites newest first and expired ones last, and drops a revoked one', async () => {
		const m = await mirror();
		const now = Date.now();
		const invite = (email: string, sentAt: number, expiresAt: number) => ({
			id: id(email),
			email,
			role: 'member' as const,
			teamIDs: [],
			sentAt,
			expiresAt
		});
		await m.db.invites.bulkPut([
			invite('old@acme.test', now - 20 * DAY, now - DAY),
			invite('ada@acme.test', now - 2 * DAY, now + 5 * DAY),
			invite('bob@acme.test', now - DAY, now + 6 * DAY)
		]);
		const invites = new InvitesState(controllerFor(m));
		const emails = watched(() => invites.list.current?.map((i) => i.email) ?? null);
		expect(await emails.until((e) => e !== null)).toEqual([
			'bob@acme.test',
			'ada@acme.test',
			'old@acme.test'
		]);

		expect(await invites.revoke(id('ada@acme.test'))).toBe(true);
		expect(await emails.until((e) => e?.length === 2)).toEqual(['bob@acme.test', 'old@acme.test']);
	});
});
