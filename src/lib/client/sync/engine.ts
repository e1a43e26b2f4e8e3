import type { MutationResult } from '../../domain/mutations';
import type { MutationArgs, MutationName } from '../../domain/mutations/types';
import type { AccountRole } from '../../domain/roles';
import type { RosterDB } from '../db';
import {
	clientIDs,
	type MutationRunner,
	type MutationsLoader,
	type SyncRun,
	type SyncState
} from './context';
import { queueMutation } from './mutate';
import { pull } from './pull';
import { pushAll } from './push';
import {
	backoff,
	failedState,
	fetchTransport,
	watchSignals,
	type SyncTransport
} from './transport';

/**
 * The browser half of the sync protocol: applies intent mutations optimistically to the mirror and
 * queues them in the same transaction, pushes them in order under a Web Lock (one tab at a time),
 * pulls patches, drops confirmed rows and re-applies pending ones on top.
 */
export class SyncEngine {
	readonly db: RosterDB;
	readonly enterpriseID: string;
	readonly userID: string;
	state: SyncState;
	#run: SyncRun;
	#listeners = new Set<(state: SyncState) => void>();
	#running: Promise<void> | null = null;
	#again = false;
	#timer: ReturnType<typeof setTimeout> | null = null;
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
		this.#run = {
			db: this.db,
			enterpriseID: this.enterpriseID,
			userID: this.userID,
			role: opts.role,
			transport: opts.transport ?? fetchTransport,
			now: () => this.#now(),
			set: (patch) => this.#set(patch),
			mutations: () => this.#mutations(),
			needsFull: false,
			serverBehind: false
		};
	}

	/** The admin's role here: what the mirror is built for and what mutations are checked against. */
	get role(): AccountRole {
		return this.#run.role;
	}

	set role(role: AccountRole) {
		this.#run.role = role;
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

	/** The ids that name this browser's client to the server, made on first use. */
	ids(): Promise<{ clientID: string; clientGroupID: string }> {
		return clientIDs(this.db);
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
		const online = () => this.state.online;
		const result = await queueMutation({ ...this.#run, online }, name, args, now);
		if (result.ok) {
			this.#askPersistence();
			this.schedule(0);
		}
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
			await pushAll(this.#run, () => pull(this.#run));
			await pull(this.#run);
			this.#set({
				syncing: false,
				lastError: null,
				lastSyncedAt: this.#now(),
				failures: 0,
				online: true
			});
		} catch (err) {
			this.#set(failedState(err, this.state.failures + 1));
			if (!this.state.signedOut && !this.state.forbidden && !this.state.blocked) {
				this.schedule(backoff(this.state.failures));
			}
		}
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
		// Changes must work offline. A service worker in control has every file of this build cached
		// already (it installs only once it has); until one does, fetch the mutators now, off the first
		// render's critical path.
		if (!globalThis.navigator?.serviceWorker?.controller) void this.#mutations().catch(() => {});
		this.#stoppers.push(
			watchSignals({
				pokeURL,
				online: () => {
					this.#set({ online: true });
					this.schedule(0);
				},
				offline: () => this.#set({ online: false }),
				visible: () => this.schedule(0),
				poke: () => this.schedule(50),
				heartbeat: () => {
					if (!this.#running && !this.#timer) this.schedule(0);
				}
			})
		);
	}

	/** Stops every listener and timer. */
	stop(): void {
		for (const stop of this.#stoppers.splice(0)) stop();
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
	}
}

export type { MutationsLoader, SyncState } from './context';
export type { SyncTransport, TransportResponse } from './transport';
export { backoff, fetchTransport, fetchTransportWith } from './transport';
