import { describe, expect, it, vi } from 'vitest';
import { InvitesState, LicensesState } from './licenses.svelte';
import { removeLicenses } from './roster';
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

	it("switching enterprises counts the new enterprise's licensed users, not nothing and not the old ones", async () => {
		const a = await mirror({ users: ['ada@acme.test', 'bob@acme.test'] });
		const b = await mirror({
			users: ['cy@acme.test', 'di@acme.test', 'ed@acme.test', 'fay@acme.test']
		});
		const sync = controllerFor(a);
		const licenses = new LicensesState(sync);
		const total = watched(() => licenses.active.current?.total ?? null);
		expect(await total.until((t) => t !== null)).toBe(3);

		sync.engine = b.engine;
		expect(await total.until((t) => t === 5)).toBe(5);
		sync.engine = a.engine;
		expect(await total.until((t) => t === 3)).toBe(3);
	});

	it('a list started again after a while unread counts what changed meanwhile', async () => {
		const m = await mirror({ users: ['ada@acme.test', 'bob@acme.test'] });
		const licenses = new LicensesState(controllerFor(m));
		const first = watched(() => licenses.active.current?.total ?? null);
		expect(await first.until((t) => t !== null)).toBe(3);

		// Nothing reads the list for a minute: its worker is stopped.
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		try {
			first.stop();
			await vi.advanceTimersByTimeAsync(61_000);
		} finally {
			vi.useRealTimers();
		}
		await removeLicenses(m.db, [id('ada@acme.test')]);

		const again = watched(() => licenses.active.current?.total ?? null);
		expect(await again.until((t) => t === 2)).toBe(2);
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
