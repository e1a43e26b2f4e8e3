import Dexie from 'dexie';
import type { MutationResult, runMutation } from '../domain/mutations';
import type { MutationArgs, MutationName } from '../domain/mutations/types';
import type { AccountRole } from '../domain/roles';
import type {
	Change,
	PullResponse,
	PushBody,
	PushResult,
	RosterPage
} from '../domain/sync/protocol';
import { MIRROR_TABLES, type MirrorLicense, type OutboxRow, type RosterDB } from './db';
import { DexieMutationStore } from './dexie-store';
import {
	adoptRoster,
	applyLastActive,
	clearRoster,
	putLicenses,
	removeLicenses,
	rosterCookie,
	rosterGeneration
} from './roster';

/** An HTTP answer, as the engine needs it. */
export interface TransportResponse {
	status: number;
	body: unknown;
}

/** How the engine reaches the server (fetch in the app; anything in tests). */
export interface SyncTransport {
	push(body: PushBody): Promise<TransportResponse>;
	pull(query: {
		enterpriseID: string;
		clientID: string;
		cookie: number;
		after?: number;
		/** Ask a full pull to leave licensed users out (they come from `roster`). */
		licenses?: 'chunked';
		/** A full pull that keeps the roster chunks taken at this version: licenses changed since. */
		licensesSince?: number;
		/** Last Active changes in the compact `activity` field (this engine applies it). */
		activity?: 'delta';
	}): Promise<TransportResponse>;
	/** One page of the licensed users in columns (`GET /api/sync/roster`); optional for tests. */
	roster?(query: {
		enterpriseID: string;
		after: string;
		through?: string;
	}): Promise<TransportResponse>;
}

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

/** The app's transport: same-origin fetch with the session cookie. */
export const fetchTransport: SyncTransport = {
	async push(body) {
		const res = await fetch('/api/sync/push', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body)
		});
		return { status: res.status, body: await res.json().catch(() => null) };
	},
	async pull({ enterpriseID, clientID, cookie, after, licenses, licensesSince, activity }) {
		const q = new URLSearchParams({ enterpriseID, clientID, cookie: String(cookie) });
		if (after !== undefined) q.set('after', String(after));
		if (licenses) q.set('licenses', licenses);
		if (licensesSince !== undefined) q.set('licensesSince', String(licensesSince));
		if (activity) q.set('activity', activity);
		const res = await fetch(`/api/sync/pull?${q}`, { cache: 'no-store' });
		return { status: res.status, body: await res.json().catch(() => null) };
	},
	async roster({ enterpriseID, after, through }) {
		const q = new URLSearchParams({ enterpriseID, after });
		if (through !== undefined) q.set('through', through);
		const res = await fetch(`/api/sync/roster?${q}`, { cache: 'no-store' });
		return { status: res.status, body: await res.json().catch(() => null) };
	}
};

class TransientError extends Error {}

/** The shared mutators' runner (it brings zod and every mutator along). */
type MutationRunner = typeof runMutation;

/**
 * Loads the mutators. The app imports them on demand (sync-context.svelte.ts), off the first
 * render's critical path; a service worker passes a static import (no dynamic imports there, and
 * this module must not contain one: Vite's preload helper would break the worker's script).
 */
export type MutationsLoader = () => Promise<{ runMutation: MutationRunner }>;

const PUSH_BATCH = 100;
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
// Keeps any one change well under the server's request size limit (adapter-node: 512 KB).
const MAX_ARGS_CHARS = 64_000;

function randomID(): string {
	return globalThis.crypto.randomUUID();
}

/**
 * The browser half of the sync protocol: applies intent mutations optimistically to the mirror and
 * queues them in the same transaction, pushes them in order under a Web Lock (one tab at a time),
 * pulls patches, drops confirmed rows and re-applies pending ones on top.
 */
export class SyncEngine {
	readonly db: RosterDB;
	readonly enterpriseID: string;
	readonly userID: string;
	role: AccountRole;
	state: SyncState;
	#transport: SyncTransport;
	#listeners = new Set<(state: SyncState) => void>();
	#running: Promise<void> | null = null;
	#again = false;
	#timer: ReturnType<typeof setTimeout> | null = null;
	#needsFull = false;
	// The server forgot changes it had confirmed to this device (restored from a backup).
	#serverBehind = false;
	#persistAsked = false;
	#now: () => number;
	#stoppers: (() => void)[] = [];
	#loadMutations: MutationsLoader;
	#runner: Promise<MutationRunner> | null = null;
	#halted: (() => Promise<boolean>) | undefined;

	constructor(opts: {
		db: RosterDB;
		enterpriseID: string;
		userID: string;
		role: AccountRole;
		transport?: SyncTransport;
		now?: () => number;
		mutations: MutationsLoader;
		/** True when nothing may be sent as this admin any more (signed out on this device). */
		halted?: () => Promise<boolean>;
	}) {
		this.db = opts.db;
		this.enterpriseID = opts.enterpriseID;
		this.userID = opts.userID;
		this.role = opts.role;
		this.#transport = opts.transport ?? fetchTransport;
		this.#now = opts.now ?? Date.now;
		this.#loadMutations = opts.mutations;
		this.#halted = opts.halted;
		this.state = {
			online: typeof navigator === 'undefined' ? true : navigator.onLine,
			syncing: false,
			signedOut: false,
			forbidden: false,
			blocked: false,
			lastError: null,
			lastSyncedAt: null,
			offlineSince: null,
			failures: 0,
			loading: null
		};
		if (!this.state.online) this.state.offlineSince = this.#now();
	}

	/** Subscribes to state changes; returns the unsubscribe function. */
	subscribe(listener: (state: SyncState) => void): () => void {
		this.#listeners.add(listener);
		listener(this.state);
		return () => this.#listeners.delete(listener);
	}

	#set(patch: Partial<SyncState>) {
		const next = { ...this.state, ...patch };
		if (!next.online && this.state.online) next.offlineSince = this.#now();
		else if (next.online) next.offlineSince = null;
		this.state = next;
		for (const l of this.#listeners) l(this.state);
	}

	/** The mutators, loaded once (outside any Dexie transaction: awaiting them inside would end it). */
	#mutations(): Promise<MutationRunner> {
		this.#runner ??= this.#loadMutations().then((m) => m.runMutation);
		this.#runner.catch(() => (this.#runner = null));
		return this.#runner;
	}

	async #meta<T>(key: string): Promise<T | undefined> {
		return (await this.db.meta.get(key))?.value as T | undefined;
	}

	/** The ids that name this browser's client to the server, made on first use. */
	async ids(): Promise<{ clientID: string; clientGroupID: string }> {
		return this.db.transaction('rw', this.db.meta, async () => {
			let clientID = await this.#meta<string>('clientID');
			let clientGroupID = await this.#meta<string>('clientGroupID');
			if (!clientID) await this.db.meta.put({ key: 'clientID', value: (clientID = randomID()) });
			if (!clientGroupID)
				await this.db.meta.put({ key: 'clientGroupID', value: (clientGroupID = randomID()) });
			return { clientID, clientGroupID };
		});
	}

	/**
	 * Applies a named mutation to the mirror and queues it, in one transaction. A change the mirror
	 * already shows to be impossible (no free seat, say) is refused at once and not queued.
	 */
	mutate<N extends MutationName>(name: N, args: MutationArgs<N>): Promise<MutationResult> {
		return this.#mutate(name, args);
	}

	/** mutate for a name and args read back from storage (a retried rejection), checked at run time. */
	async #mutate(name: string, args: unknown): Promise<MutationResult> {
		const now = this.#now();
		if (JSON.stringify(args ?? null).length > MAX_ARGS_CHARS) {
			return {
				ok: false,
				code: 'INVALID_ARGS',
				message: 'this change is too large to send; split it up'
			};
		}
		const runMutation = await this.#mutations();
		let result: MutationResult;
		try {
			result = await this.db.transaction('rw', this.db.mutationTables, async () => {
				const outcome = await runMutation(new DexieMutationStore(this.db), name, args, {
					userID: this.userID,
					role: this.role,
					now
				});
				if (!outcome.ok) {
					// Undo whatever the mutator wrote before it refused.
					throw new LocalRejection(outcome);
				}
				const mutationID = ((await this.#meta<number>('nextMutationID')) ?? 1) as number;
				await this.db.meta.put({ key: 'nextMutationID', value: mutationID + 1 });
				// R24: the audit log marks changes made while offline.
				const offline =
					!this.state.online || (typeof navigator !== 'undefined' && navigator.onLine === false);
				await this.db.outbox.add({
					mutationID,
					name,
					args,
					createdAt: now,
					...(offline ? { offline: true } : {})
				});
				return outcome;
			});
		} catch (err) {
			if (err instanceof LocalRejection) return err.result;
			if (isQuotaError(err)) {
				return {
					ok: false,
					code: 'INVALID_ARGS',
					message:
						'This device is out of storage space, so the change was not saved. Free some space; queued changes are kept.'
				};
			}
			throw err;
		}
		this.#askPersistence();
		this.schedule(0);
		return result;
	}

	#askPersistence() {
		if (this.#persistAsked || typeof navigator === 'undefined') return;
		this.#persistAsked = true;
		// Queued changes must survive storage pressure; ask once, on the first queued change.
		void navigator.storage?.persist?.().catch(() => false);
	}

	/** Runs a sync soon (coalescing), after `delay` ms. */
	schedule(delay: number): void {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.#timer = null;
			void this.sync().catch(() => {});
		}, delay);
	}

	/** Pushes the outbox and pulls, once; concurrent calls share the run and repeat once after it. */
	sync(): Promise<void> {
		if (this.#running) {
			this.#again = true;
			return this.#running;
		}
		this.#running = (async () => {
			try {
				do {
					this.#again = false;
					await this.#withPushLock(() => this.#syncOnce());
				} while (this.#again);
			} finally {
				this.#running = null;
			}
		})();
		return this.#running;
	}

	async #withPushLock(fn: () => Promise<void>): Promise<void> {
		const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
		if (!locks) return fn();
		// One pushing tab per mirror; the others see its work through liveQuery.
		await locks.request(`${this.db.name}:push`, fn);
	}

	async #syncOnce(): Promise<void> {
		if (this.state.signedOut || this.state.forbidden || this.state.blocked) return;
		if (await this.#halted?.().catch(() => false)) {
			this.#set({ signedOut: true, lastError: 'Signed out on this device.' });
			return;
		}
		this.#set({ syncing: true });
		try {
			await this.#pushAll();
			await this.#pull();
			this.#set({
				syncing: false,
				lastError: null,
				lastSyncedAt: this.#now(),
				failures: 0,
				online: true
			});
		} catch (err) {
			const failures = this.state.failures + 1;
			const offline =
				err instanceof TypeError || (typeof navigator !== 'undefined' && !navigator.onLine);
			this.#set({
				syncing: false,
				failures,
				online: !offline,
				lastError: err instanceof Error ? err.message : String(err)
			});
			if (!this.state.signedOut && !this.state.forbidden && !this.state.blocked) {
				this.schedule(backoff(failures));
			}
		}
	}

	async #pushAll(): Promise<void> {
		const { clientID, clientGroupID } = await this.ids();
		// Applied rows stay queued until a pull confirms them, so read on past what was pushed.
		let after = 0;
		let batch = PUSH_BATCH;
		for (;;) {
			const rows = await this.db.outbox.where('mutationID').above(after).limit(batch).toArray();
			if (rows.length === 0) return;
			const res = await this.#transport.push({
				enterpriseID: this.enterpriseID,
				clientGroupID,
				clientID,
				// The mirror's admin: the server refuses the queue when the session is someone else's.
				userID: this.userID,
				mutations: rows.map((r) => ({
					id: r.mutationID,
					name: r.name,
					args: r.args,
					createdAt: r.createdAt,
					...(r.offline ? { offline: true } : {})
				}))
			});
			if (res.status === 200) {
				const results = (res.body as { results: PushResult[] }).results;
				await this.#recordResults(rows, results);
				after = rows[rows.length - 1]?.mutationID ?? after;
				batch = PUSH_BATCH;
				continue;
			}
			if (res.status === 409) {
				const expected = (res.body as { expected?: number } | null)?.expected;
				if (typeof expected !== 'number') throw new TransientError('push refused as out of order');
				after = await this.#realign(expected);
				continue;
			}
			if (res.status === 413) {
				// Too large in one request: send fewer at a time. One change alone is capped far below
				// the server's limit (MAX_ARGS_CHARS), so a 413 for it comes from a proxy: retry later.
				if (batch === 1) throw new TransientError('the request was refused as too large');
				batch = Math.ceil(batch / 2);
				continue;
			}
			this.#handleAuth(res.status);
			if (res.status === 400) {
				// Retrying cannot help; keep every change and say so until the admin acts.
				const message =
					(res.body as { message?: string } | null)?.message ??
					`the server refused the changes (${res.status})`;
				this.#set({
					blocked: true,
					lastError: `The server refuses the queued changes: ${message}`
				});
				throw new TransientError(message);
			}
			throw new TransientError(`push failed with ${res.status}`);
		}
	}

	/**
	 * After `outOfOrder`: the server's next expected id. Ids below it are settled there (a pull
	 * confirms them); if the server is behind this device (restored from a backup), the queue is
	 * renumbered from `expected`, since the server has no record of those ids. Returns where to
	 * continue pushing from.
	 */
	async #realign(expected: number): Promise<number> {
		const first = (await this.db.outbox.orderBy('mutationID').first())?.mutationID;
		if (first === undefined || first >= expected) {
			if (first !== undefined && first > expected) {
				await this.db.transaction('rw', [this.db.outbox, this.db.meta], async () => {
					const rows = await this.db.outbox.orderBy('mutationID').toArray();
					await this.db.outbox.clear();
					let id = expected;
					for (const row of rows) await this.db.outbox.add({ ...row, mutationID: id++ });
					await this.db.meta.put({ key: 'nextMutationID', value: id });
					// Kept through a reload too: with no cookie the next pull (this session's or the
					// next's) is a full one.
					await this.db.meta.delete('cookie');
				});
				// The mirror holds what the server lost, and once the queue lands the server's version
				// may equal this device's cookie again, so the cookie cannot reveal the restore: rebuild
				// from scratch, roster chunks included.
				this.#needsFull = true;
				this.#serverBehind = true;
			}
			return expected - 1;
		}
		await this.#pull();
		return expected - 1;
	}

	#handleAuth(status: number) {
		if (status === 401) {
			this.#set({
				signedOut: true,
				lastError: 'Signed out: sign in again to send queued changes.'
			});
			throw new TransientError('signed out');
		}
		if (status === 403) {
			this.#set({ forbidden: true, lastError: 'You no longer have access to this enterprise.' });
			throw new TransientError('forbidden');
		}
	}

	async #recordResults(rows: OutboxRow[], results: PushResult[]) {
		const byID = new Map(rows.map((r) => [r.mutationID, r]));
		const rejected = results.filter((r) => r.status === 'rejected');
		if (rejected.length === 0) return;
		await this.db.transaction('rw', [this.db.rejections, this.db.outbox], async () => {
			for (const r of rejected) {
				const row = byID.get(r.id);
				if (!row) continue;
				await this.db.rejections.put({
					mutationID: r.id,
					name: row.name,
					args: row.args,
					code: r.code ?? 'REJECTED',
					message: r.message ?? 'rejected',
					details: r.details,
					at: this.#now()
				});
				await this.db.outbox.delete(r.id);
			}
		});
		// The optimistic effect of a rejected change must go: rebuild the mirror from the server.
		this.#needsFull = true;
	}

	async #pull(): Promise<void> {
		const { clientID } = await this.ids();
		// What the server sends depends on the role (R2): a mirror built for another role starts over.
		const builtFor = await this.#meta<string>('role');
		const roleChanged = builtFor !== undefined && builtFor !== this.role;
		const cookie = this.#needsFull || roleChanged ? 0 : ((await this.#meta<number>('cookie')) ?? 0);
		// Rejections matter from the oldest change still queued here on.
		const oldest = (await this.db.outbox.orderBy('mutationID').first())?.mutationID;
		const after =
			oldest !== undefined ? oldest - 1 : ((await this.#meta<number>('lastMutationID')) ?? 0);
		const chunked = this.#transport.roster !== undefined;
		// Rebuilding after a rejection keeps the roster chunks (a million users need not come again):
		// their optimistic changes live only in `licenses`, which the rebuild clears.
		const keptAt =
			chunked && cookie === 0 && this.#needsFull && !roleChanged && !this.#serverBehind
				? await rosterCookie(this.db)
				: undefined;
		let res = await this.#transport.pull({
			enterpriseID: this.enterpriseID,
			clientID,
			cookie,
			after,
			activity: 'delta',
			...(chunked && cookie === 0
				? keptAt !== undefined
					? { licensesSince: keptAt }
					: { licenses: 'chunked' as const }
				: {})
		});
		this.#handleAuth(res.status);
		if (res.status !== 200) throw new TransientError(`pull failed with ${res.status}`);
		let patch = res.body as PullResponse;
		if (patch.reset && cookie !== 0 && chunked) {
			// A cookie from the future: start over from a full pull, with the roster in chunks.
			res = await this.#transport.pull({
				enterpriseID: this.enterpriseID,
				clientID,
				cookie: 0,
				after,
				activity: 'delta',
				licenses: 'chunked'
			});
			this.#handleAuth(res.status);
			if (res.status !== 200) throw new TransientError(`pull failed with ${res.status}`);
			patch = res.body as PullResponse;
		}
		const full = cookie === 0 || patch.reset;
		// The licensed users of a full pull arrive in columnar pages, staged under a new generation
		// of chunks before the one transaction that swaps the mirror.
		const roster = patch.rosterChunked ? await this.#loadRoster(patch.rosterTotal ?? 0) : null;
		// Pending changes are re-applied on top: that needs the mutators (loaded only when there are any).
		const runMutation = (await this.db.outbox.count()) > 0 ? await this.#mutations() : null;
		let learned = 0;
		await this.db.transaction('rw', [...this.db.mutationTables, this.db.rejections], async () => {
			if (full) {
				await Promise.all(MIRROR_TABLES.map((t) => this.db.table(t).clear()));
				if (roster) await adoptRoster(this.db, roster.gen, roster.count, patch.cookie);
				else if (!patch.rosterKept) await clearRoster(this.db);
			}
			await applyChanges(this.db, patch.changes);
			// Last Active dates that moved, named by license number (R19, R20).
			if (patch.activity) await applyLastActive(this.db, patch.activity);
			// Rejections recorded by the server for changes still queued here (say, pushed by a tab
			// that closed before it read the answer).
			for (const r of patch.rejections) {
				const row = await this.db.outbox.get(r.id);
				if (!row) continue;
				await this.db.rejections.put({
					mutationID: r.id,
					name: row.name,
					args: row.args,
					code: r.code,
					message: r.message,
					details: r.details,
					at: this.#now()
				});
				learned++;
			}
			await this.db.outbox.where('mutationID').belowOrEqual(patch.lastMutationID).delete();
			// Rebase: what is still queued goes back on top of the server's state.
			const store = new DexieMutationStore(this.db);
			const pending = await this.db.outbox.orderBy('mutationID').toArray();
			// Another tab queued a change since the count: abort (nothing applied) and sync again.
			if (pending.length > 0 && !runMutation)
				throw new TransientError('changes were queued meanwhile; syncing again');
			for (const row of pending) {
				await runMutation!(store, row.name, row.args, {
					userID: this.userID,
					role: this.role,
					now: row.createdAt
				});
			}
			const next = ((await this.#meta<number>('nextMutationID')) ?? 1) as number;
			if (next <= patch.lastMutationID)
				await this.db.meta.put({ key: 'nextMutationID', value: patch.lastMutationID + 1 });
			await this.db.meta.put({ key: 'cookie', value: patch.cookie });
			// What reports say they are based on: the copy as the server had it at this moment.
			await this.db.meta.put({ key: 'syncedAt', value: this.#now() });
			await this.db.meta.put({ key: 'role', value: this.role });
			await this.db.meta.put({ key: 'lastMutationID', value: patch.lastMutationID });
		});
		if (full) {
			this.#needsFull = false;
			this.#serverBehind = false;
		}
		if (roster) this.#set({ loading: null });
		if (learned > 0 && !full) {
			// A rejection learned here still has its optimistic effect in the mirror: rebuild it.
			this.#needsFull = true;
			await this.#pull();
		}
	}

	/**
	 * Pages every licensed user from the server into chunks of a new generation (not yet read by
	 * anything), reporting progress. Each page is written while the next one downloads.
	 */
	async #loadRoster(total: number): Promise<{ gen: number; count: number }> {
		const roster = this.#transport.roster!;
		const current = await rosterGeneration(this.db);
		// Chunks of an earlier load that never finished are not read by anything: drop them.
		await this.db.rosterChunks.where('gen').notEqual(current).delete();
		const gen = current + 1;
		let count = 0;
		this.#set({ loading: { done: 0, total } });
		let failed = false;
		const range = async ([from, through]: [string, string | undefined], r: number) => {
			let after = from;
			for (let seq = r * RANGE_SEQ; !failed; seq++) {
				const res = await roster({
					enterpriseID: this.enterpriseID,
					after,
					...(through !== undefined ? { through } : {})
				});
				this.#handleAuth(res.status);
				if (res.status !== 200) throw new TransientError(`roster failed with ${res.status}`);
				const page = res.body as RosterPage;
				if (failed) return;
				if (page.ids.length > 0) {
					await this.db.rosterChunks.put({
						gen,
						seq,
						ids: page.ids,
						emails: page.emails,
						names: page.names,
						lastActive: Float64Array.from(page.lastActive, (t) => t ?? Number.NaN),
						seqs: Float64Array.from(page.seqs ?? page.ids.map(() => Number.NaN))
					});
				}
				count += page.ids.length;
				this.#set({ loading: { done: count, total: Math.max(total, count) } });
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
			this.#set({ loading: null });
			throw failure.reason;
		}
		return { gen, count };
	}

	/** Queues a rejected change again as a new mutation (optionally with edited args). */
	async retry(mutationID: number, args?: unknown): Promise<MutationResult> {
		const row = await this.db.rejections.get(mutationID);
		if (!row) return { ok: true };
		// Check against the freshest mirror we can get: the cause (a full seat count, say) may be gone.
		await this.sync().catch(() => {});
		const result = await this.#mutate(row.name, args ?? row.args);
		if (result.ok) await this.db.rejections.delete(mutationID);
		return result;
	}

	/** Forgets a rejected change. */
	async discard(mutationID: number): Promise<void> {
		await this.db.rejections.delete(mutationID);
	}

	/** After signing in again: resume pushing the queued changes. */
	resume(): void {
		this.#set({ signedOut: false, forbidden: false, blocked: false, lastError: null });
		this.schedule(0);
	}

	/** Starts syncing on the browser's signals: online, visibility, pokes, and a backoff timer. */
	start(pokeURL?: string): void {
		this.schedule(0);
		// Changes must work offline: fetch the mutators now, off the first render's critical path.
		void this.#mutations().catch(() => {});
		if (typeof window === 'undefined') return;
		const onOnline = () => {
			this.#set({ online: true });
			this.schedule(0);
		};
		const onOffline = () => this.#set({ online: false });
		const onVisible = () => {
			if (document.visibilityState === 'visible') this.schedule(0);
		};
		window.addEventListener('online', onOnline);
		window.addEventListener('offline', onOffline);
		document.addEventListener('visibilitychange', onVisible);
		this.#stoppers.push(() => {
			window.removeEventListener('online', onOnline);
			window.removeEventListener('offline', onOffline);
			document.removeEventListener('visibilitychange', onVisible);
		});
		if (pokeURL && typeof EventSource !== 'undefined') {
			const source = new EventSource(pokeURL);
			source.onmessage = () => this.schedule(50);
			this.#stoppers.push(() => source.close());
		}
		// A slow heartbeat keeps retrying after recovery even when nothing new was written.
		const beat = setInterval(() => {
			if (!this.#running && !this.#timer) this.schedule(0);
		}, 30_000);
		this.#stoppers.push(() => clearInterval(beat));
	}

	/** Stops every listener and timer. */
	stop(): void {
		for (const stop of this.#stoppers.splice(0)) stop();
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
	}
}

class LocalRejection extends Error {
	constructor(readonly result: MutationResult) {
		super('rejected locally');
	}
}

function isQuotaError(err: unknown): boolean {
	const name = (err as { name?: string; inner?: { name?: string } } | null)?.name;
	const inner = (err as { inner?: { name?: string } } | null)?.inner?.name;
	return (
		name === Dexie.errnames.QuotaExceeded ||
		inner === 'QuotaExceededError' ||
		name === 'QuotaExceededError'
	);
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to a minute. */
export function backoff(failures: number, random = Math.random): number {
	const base = Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
	return Math.round(base * (0.5 + random()));
}

async function applyChanges(db: RosterDB, changes: Change[]): Promise<void> {
	// The server sends deletions first, then puts; grouping by table keeps that order and lets Dexie
	// write each table in bulk (thousands of rows on a first sync).
	const dels = new Map<string, string[]>();
	const puts = new Map<string, unknown[]>();
	// Licenses go through the roster module, on top of the chunks.
	const licensePuts: MirrorLicense[] = [];
	const licenseDels: string[] = [];
	for (const c of changes) {
		if (c.table === 'licenses') {
			if (c.op === 'del') licenseDels.push(c.key);
			else licensePuts.push(c.value as MirrorLicense);
			continue;
		}
		if (c.op === 'del') {
			const list = dels.get(c.table) ?? [];
			list.push(c.key);
			dels.set(c.table, list);
		} else {
			const list = puts.get(c.table) ?? [];
			const linked =
				c.table === 'teamMembers' || c.table === 'teamOrgLinks' || c.table === 'orgMembers';
			list.push(linked ? { key: c.key, ...(c.value as object) } : c.value);
			puts.set(c.table, list);
		}
	}
	for (const [table, keys] of dels) {
		await db.table(table).bulkDelete(keys);
		if (table === 'teams') {
			await db.teamMembers.where('teamID').anyOf(keys).delete();
			await db.teamOrgLinks.where('teamID').anyOf(keys).delete();
		}
		if (table === 'organizations') {
			await db.orgMembers.where('orgID').anyOf(keys).delete();
			await db.teamOrgLinks.where('orgID').anyOf(keys).delete();
			await db.storagePolicies.bulkDelete(keys);
		}
	}
	await removeLicenses(db, licenseDels);
	for (const [table, rows] of puts) await db.table(table).bulkPut(rows);
	await putLicenses(db, licensePuts);
}
