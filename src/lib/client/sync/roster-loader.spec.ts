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
		const staged = await loadRoster(run, IDS.length);
		expect(staged).toEqual({ gen: 1, count: IDS.length });
		// Staged chunks are read by nothing until the pull adopts them.
		expect(await rosterGeneration(run.db)).toBe(0);
		await adoptRoster(run.db, staged.gen, staged.count, 7);
		expect((await allLicenses(run.db)).map((l) => l.id)).toEqual(IDS);
		expect(run.states[0]).toEqual({ loading: { done: 0, total: IDS.length } });
		expect(run.states.at(-1)).toEqual({ loading: { done: IDS.length, total: IDS.length } });
	});

	it('stops every range when one fails, keeps the roster in use, and starts over on the next load', async () => {
		const run = syncRun({ roster: rosterServer(2).roster });
		const first = await loadRoster(run, IDS.length);
		await adoptRoster(run.db, first.gen, first.count, 7);

		const failing = rosterServer(1, '8f');
		const broken = { ...run, transport: { ...run.transport, roster: failing.roster } };
		await expect(loadRoster(broken, IDS.length)).rejects.toThrow('roster failed with 503');
		expect(run.states.at(-1)).toEqual({ loading: null });
		expect(await rosterGeneration(run.db)).toBe(1);
		expect((await allLicenses(run.db)).map((l) => l.id)).toEqual(IDS);
		expect(await run.db.rosterChunks.where('gen').equals(2).count()).toBeGreaterThan(0);

		// The next load drops the half-written generation and writes a whole one.
		const again = await loadRoster(run, IDS.length);
		expect(again.gen).toBe(2);
		await adoptRoster(run.db, again.gen, again.count, 8);
		expect(await run.db.rosterChunks.where('gen').notEqual(2).count()).toBe(0);
		expect((await allLicenses(run.db)).map((l) => l.id)).toEqual(IDS);
	});

	it('says the session is gone when the server refuses a roster page with 401', async () => {
		const run = syncRun({ roster: async () => ({ status: 401, body: null }) });
		await expect(loadRoster(run, 3)).rejects.toThrow('signed out');
		expect(run.states).toContainEqual({
			signedOut: true,
			lastError: 'Signed out: sign in again to send queued changes.'
		});
	});
});
