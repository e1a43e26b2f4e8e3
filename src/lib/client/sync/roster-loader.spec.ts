import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { RosterPage } from '../../domain/sync/protocol';
import { adoptRoster, allLicenses, rosterGeneration } from '../roster';
import { loadRoster } from './roster-loader';
import { syncRun } from '../../../../tests/sync/support/sync-run';

/** Licensed users with ids spread over the four ranges the loader pages at once. */
const IDS = ['0a', '1b', '2c', '4d', '5e', '8f', '9g', 'ch', 'di', 'ej', 'fk'];

/** The server's roster pages, `size` users a page, with a way to fail one range. */
function rosterServer(size: number, failAfter?: string) {
	const asked: string[] = [];
	return {
		asked,
		async roster({ after, through }: { enterpriseID: string; after: string; through?: string }) {
			asked.push(after);
			if (failAfter !== undefined && after === failAfter) return { status: 503, body: null };
			const ids = IDS.filter((id) => id > after && (through === undefined || id <= through));
			const page = ids.slice(0, size);
			const body: RosterPage = {
				ids: page,
				emails: page.map((id) => `${id}@acme.test`),
				names: page.map((id) => `User ${id}`),
				lastActive: page.map(() => null),
				seqs: page.map((id) => IDS.indexOf(id) + 1),
				next: ids.length > size ? page.at(-1)! : null
			};
			return { status: 200, body };
		}
	};
}

describe('roster loader: licensed users are paged into a new generation of chunks', () => {
	it('pages every range into chunks read in id order once adopted, telling progress', async () => {
		const server = rosterServer(2);
		const run = syncRun({ roster: server.roster });
		const staged = await loadRoster(run, IDS.length, 7);
		expect(staged).toEqual({ gen: 1, count: IDS.length, cookie: 7 });
		// Staged chunks are read by nothing until the pull adopts them.
		expect(await rosterGeneration(run.db)).toBe(0);
		await adoptRoster(run.db, staged.gen, staged.count, 7);
		expect((await allLicenses(run.db)).map((l) => l.id)).toEqual(IDS);
		expect(run.states[0]).toEqual({ loading: { done: 0, total: IDS.length } });
		expect(run.states.at(-1)).toEqual({ loading: { done: IDS.length, total: IDS.length } });
	});

	it('stops every range when one fails, keeps the roster in use, and goes on from the last stored page on the next load', async () => {
		const run = syncRun({ roster: rosterServer(2).roster });
		const first = await loadRoster(run, IDS.length, 7);
		await adoptRoster(run.db, first.gen, first.count, first.cookie);

		const failing = rosterServer(1, '8f');
		const broken = { ...run, transport: { ...run.transport, roster: failing.roster } };
		await expect(loadRoster(broken, IDS.length, 9)).rejects.toThrow('roster failed with 503');
		expect(run.states.at(-1)).toEqual({ loading: null });
		expect(await rosterGeneration(run.db)).toBe(1);
		expect((await allLicenses(run.db)).map((l) => l.id)).toEqual(IDS);
		const stored = await run.db.rosterChunks.where('gen').equals(2).count();
		expect(stored).toBeGreaterThan(0);

		// The next load (a later pull, cookie 12) asks only for what is missing, says how far it
		// already is, and keeps the first attempt's cookie: its pages are as of then.
		const rest = rosterServer(1);
		const resumed = { ...run, transport: { ...run.transport, roster: rest.roster } };
		const states = run.states.length;
		const again = await loadRoster(resumed, IDS.length, 12);
		expect(again).toEqual({ gen: 2, count: IDS.length, cookie: 9 });
		expect(run.states[states]).toEqual({
			loading: { done: IDS.length - rest.asked.filter((a) => a !== '').length, total: IDS.length }
		});
		expect(rest.asked).not.toContain('');
		expect(rest.asked.length).toBeLessThan(failing.asked.length + IDS.length);
		expect(rest.asked).toContain('8f');
		await adoptRoster(run.db, again.gen, again.count, again.cookie);
		expect(await run.db.rosterChunks.where('gen').notEqual(2).count()).toBe(0);
		expect((await allLicenses(run.db)).map((l) => l.id)).toEqual(IDS);

		// Adopted: the next load is a new one, from the first page.
		const fresh = rosterServer(2);
		const third = await loadRoster(
			{ ...run, transport: { ...run.transport, roster: fresh.roster } },
			IDS.length,
			20
		);
		expect(third).toMatchObject({ gen: 3, cookie: 20, count: IDS.length });
		expect(fresh.asked).toContain('');
	});

	it('says the session is gone when the server refuses a roster page with 401', async () => {
		const run = syncRun({ roster: async () => ({ status: 401, body: null }) });
		await expect(loadRoster(run, 3, 7)).rejects.toThrow('signed out');
		expect(run.states).toContainEqual({
			signedOut: true,
			lastError: 'Signed out: sign in again to send queued changes.'
		});
	});
});
