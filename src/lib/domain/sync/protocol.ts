import { z } from 'zod';
import { hasControlCharacter, NO_CONTROL_CHARACTERS } from '../text';
import type { MirrorTable } from './tables';

/** Most mutations accepted in one push. */
export const MAX_PUSH_MUTATIONS = 500;

/**
 * An id a sync client sends (enterprise, client, client group): 1–100 characters, no control
 * characters (R26; PostgreSQL cannot even compare a NUL).
 */
export function syncID(field: string) {
	return z
		.string({ error: `${field} is required` })
		.min(1, `${field} is required`)
		.max(100, `${field} is at most 100 characters`)
		.refine((s) => !hasControlCharacter(s), NO_CONTROL_CHARACTERS);
}

/** Body of `POST /api/sync/push` (ARCHITECTURE.md, contracts). */
export const pushBodySchema = z.object({
	enterpriseID: syncID('enterpriseID'),
	clientGroupID: syncID('clientGroupID'),
	clientID: syncID('clientID'),
	/**
	 * The admin whose queue this is (the mirror's user). When given, a push through another admin's
	 * session is refused whole (403). Optional while older clients are still out there.
	 */
	userID: syncID('userID').optional(),
	mutations: z
		.array(
			z.object({
				id: z.number().int('mutation id must be a whole number').min(1, 'mutation id starts at 1'),
				name: syncID('name'),
				args: z.unknown(),
				createdAt: z.number().int().min(0),
				/** Made while the device was offline (R24: marked as a queued offline change). */
				offline: z.boolean().optional()
			})
		)
		.max(MAX_PUSH_MUTATIONS, `at most ${MAX_PUSH_MUTATIONS} mutations per push`)
});

/** A parsed push request. */
export type PushBody = z.infer<typeof pushBodySchema>;

/** The outcome of one pushed mutation. */
export interface PushResult {
	id: number;
	status: 'applied' | 'alreadyApplied' | 'rejected';
	code?: string;
	message?: string;
	details?: Record<string, unknown>;
}

export type { MirrorTable };

/** One row change in a pull patch. */
export interface Change {
	table: MirrorTable;
	op: 'put' | 'del';
	key: string;
	value?: unknown;
}

/** A rejection the server recorded for one of the client's mutations. */
export interface Rejection {
	id: number;
	code: string;
	message: string;
	details?: Record<string, unknown>;
}

/** Response of `GET /api/sync/pull`. */
export interface PullResponse {
	cookie: number;
	lastMutationID: number;
	reset: boolean;
	changes: Change[];
	rejections: Rejection[];
	/**
	 * Set on a full pull asked with `licenses=chunked`: licensed users were left out of `changes`
	 * and come from `GET /api/sync/roster` in columnar pages instead.
	 */
	rosterChunked?: boolean;
	/** With `rosterChunked`: how many licensed users the roster pages will bring. */
	rosterTotal?: number;
	/**
	 * Set on a full pull asked with `licensesSince`: the client keeps its roster chunks, and the
	 * license changes in `changes` are those since their version.
	 */
	rosterKept?: boolean;
	/**
	 * Last Active dates that changed since the cookie (R19, R20), for licensed users the client
	 * holds already (see `ActivityDelta`). Absent when none changed; older clients ignore it.
	 */
	activity?: ActivityDelta;
}

/**
 * Compact Last Active changes: parallel columns of license numbers (each license's `seq`, from
 * roster pages and license rows) and the user's new Last Active as a UTC day number (days since
 * 1970-01-01; null when never). `seqs` ascend and are delta-coded: the first is a license number,
 * each next one the difference from the one before, so a day's catch-up of 200,000 of 1,000,000
 * users costs a few bytes per user after compression.
 */
export interface ActivityDelta {
	seqs: number[];
	days: (number | null)[];
}

/**
 * Response of `GET /api/sync/roster?enterpriseID=&after=&through=&limit=`: one page of licensed
 * users as columns, ids ascending, each id > `after` (and ≤ `through` when given); `next` is the
 * `after` of the following page (null on the last page of the range).
 */
export interface RosterPage {
	ids: string[];
	emails: string[];
	names: string[];
	/** Last Active as epoch ms, null when never (R20). */
	lastActive: (number | null)[];
	/** Each license's number, which `PullResponse.activity` names it by (absent from old servers). */
	seqs?: number[];
	/** How each license was given and when (epoch ms); absent from older servers. */
	sources?: string[];
	since?: number[];
	next: string | null;
}
