import type { RosterPage } from '../../domain/sync/protocol';
import { stageRosterGeneration, stageRosterPage } from '../roster';
import type { SyncRun } from './context';
import { expectOK } from './transport';

// The roster is paged as four id ranges at once ((''..'3'], ('3'..'7'], ('7'..'b'], ('b'..)), so
// the server reads one page while the browser parses and stores another. Ids are UUIDs, so the
// ranges are about even; any other ids still land, in fewer ranges.
const ROSTER_RANGES: [string, string | undefined][] = [
	['', '3'],
	['3', '7'],
	['7', 'b'],
	['b', undefined]
];
// Chunk numbers: range r, page p → r × this + p, so chunks in number order are ids in order.
const RANGE_SEQ = 1_000_000;

/** Roster chunks staged under a generation nothing reads yet, to be adopted by the pull. */
export interface StagedRoster {
	gen: number;
	count: number;
}

/**
 * Pages every licensed user from the server into chunks of a new generation (not yet read by
 * anything), reporting progress. Each page is written while the next one downloads. Chunks an
 * earlier load left unfinished are dropped first; the generation in use stays as it is.
 */
export async function loadRoster(
	run: Pick<SyncRun, 'db' | 'enterpriseID' | 'transport' | 'set'>,
	total: number
): Promise<StagedRoster> {
	const { db, enterpriseID, set } = run;
	const roster = run.transport.roster!;
	const gen = await stageRosterGeneration(db);
	let count = 0;
	set({ loading: { done: 0, total } });
	let failed = false;
	const range = async ([from, through]: [string, string | undefined], r: number) => {
		let after = from;
		for (let seq = r * RANGE_SEQ; !failed; seq++) {
			const res = await roster({
				enterpriseID,
				after,
				...(through !== undefined ? { through } : {})
			});
			expectOK(set, res, 'roster');
			const page = res.body as RosterPage;
			if (failed) return;
			await stageRosterPage(db, gen, seq, page);
			count += page.ids.length;
			set({ loading: { done: count, total: Math.max(total, count) } });
			if (page.next === null || page.ids.length === 0) return;
			after = page.next;
		}
	};
	// One range failing stops the others; all have settled before the next attempt starts over.
	const settled = await Promise.allSettled(
		ROSTER_RANGES.map((bounds, r) =>
			range(bounds, r).catch((err: unknown) => {
				failed = true;
				throw err;
			})
		)
	);
	const failure = settled.find((o) => o.status === 'rejected');
	if (failure) {
		set({ loading: null });
		throw failure.reason;
	}
	return { gen, count };
}
