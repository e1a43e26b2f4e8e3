import type { runMutation } from '../../domain/mutations';
import type { AccountRole } from '../../domain/roles';
import type { RosterDB } from '../db';
import type { SyncTransport } from './transport';

/** What the sync status element says (ARCHITECTURE.md: it always says the truth). */
export interface SyncState {
	online: boolean;
	syncing: boolean;
	/** The server refused the session: queued changes wait for the admin to sign in again. */
	signedOut: boolean;
	/** The admin lost access to this enterprise. */
	forbidden: boolean;
	/** The server refuses the queued changes as malformed; retrying cannot help. */
	blocked: boolean;
	lastError: string | null;
	lastSyncedAt: number | null;
	/** When this device last found itself offline (null while online). */
	offlineSince: number | null;
	/** Consecutive failures, for the backoff. */
	failures: number;
	/** A full sync is loading the licensed users: how many have landed of how many. */
	loading: { done: number; total: number } | null;
}

/** The shared mutators' runner (it brings zod and every mutator along). */
export type MutationRunner = typeof runMutation;

/**
 * Loads the mutators. The app imports them on demand (sync-context.svelte.ts), off the first
 * render's critical path; a service worker passes a static import (no dynamic imports there, and
 * this module must not contain one: Vite's preload helper would break the worker's script).
 */
export type MutationsLoader = () => Promise<{ runMutation: MutationRunner }>;

/** What the push and pull steps share with the engine that runs them. */
export interface SyncRun {
	readonly db: RosterDB;
	readonly enterpriseID: string;
	readonly userID: string;
	role: AccountRole;
	readonly transport: SyncTransport;
	now(): number;
	/** Updates the sync state the status element shows. */
	set(patch: Partial<SyncState>): void;
	/** The mutators, loaded once (outside any Dexie transaction: awaiting them inside would end it). */
	mutations(): Promise<MutationRunner>;
	/** The next pull rebuilds the mirror from scratch (after a rejection, or a server restore). */
	needsFull: boolean;
	/** The server forgot changes it had confirmed to this device (restored from a backup). */
	serverBehind: boolean;
}

/** A value of the mirror's sync bookkeeping (`meta`). */
export async function readMeta<T>(db: RosterDB, key: string): Promise<T | undefined> {
	return (await db.meta.get(key))?.value as T | undefined;
}

/** The ids that name this browser's client to the server, made on first use. */
export function clientIDs(db: RosterDB): Promise<{ clientID: string; clientGroupID: string }> {
	return db.transaction('rw', db.meta, async () => {
		let clientID = await readMeta<string>(db, 'clientID');
		let clientGroupID = await readMeta<string>(db, 'clientGroupID');
		if (!clientID) await db.meta.put({ key: 'clientID', value: (clientID = randomID()) });
		if (!clientGroupID)
			await db.meta.put({ key: 'clientGroupID', value: (clientGroupID = randomID()) });
		return { clientID, clientGroupID };
	});
}

function randomID(): string {
	return globalThis.crypto.randomUUID();
}
