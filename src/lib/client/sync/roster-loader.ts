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
	/** The cookie of the full pull the load began with: the chunks are as of then or later. */
	cookie: number;
}

/**
 * Pages every licensed user from the server into chunks of a staged generation (not yet read by
 * anything), reporting progress. Each page is written while the next one downloads, and each
 * range's position is kept with it: a load cut off by the network or a reload goes on from the
 * last stored page of each range, not from the first. `cookie` is the full pull's, for a new load.
 */
export async function loadRoster(
	run: Pick<SyncRun, 'db' | 'enterpriseID' | 'transport' | 'set'>,
	total: number,
	cookie: number
): Promise<StagedRoster> {
	const { db, enterpriseID, set } = run;
	const roster = run.transport.roster!;
	const staging = await stageRosterGeneration(
		db,
		cookie,
		ROSTER_RANGES.map(([from], r) => ({ after: from, seq: r * RANGE_SEQ, done: false }))
	);
	const { gen } = staging;
	let count = staging.count;
	set({ loading: { done: count, total: Math.max(total, count) } });
	let failed = false;
	const range = async ([, through]: [string, string | undefined], r: number) => {
		let { after, seq, done } = staging.ranges[r]!;
		while (!done && !failed) {
			const res = await roster({
				enterpriseID,
				after,
				...(through !== undefined ? { through } : {})
			});
			expectOK(set, res, 'roster');
			const page = res.body as RosterPage;
			// Kept even when another range failed meanwhile: the next attempt goes on after it.
			done = page.next === null || page.ids.length === 0;
			const next = { after: done ? after : page.next!, seq: seq + 1, done };
			await stageRosterPage(db, gen, r, seq, page, next);
			count += page.ids.length;
			set({ loading: { done: count, total: Math.max(total, count) } });
			({ after, seq } = next);
		}
	};
	// One range failing stops the others asking for more; all have settled before the next attempt.
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
	return { gen, count, cookie: staging.cookie };
}
