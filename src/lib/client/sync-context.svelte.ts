import { getContext, setContext } from 'svelte';
import type { MutationResult } from '../domain/mutations';
import type { MutationArgs, MutationName } from '../domain/mutations/types';
import type { AccountRole } from '../domain/roles';
import { mirrorName, RosterDB, type OutboxRow, type RejectionRow } from './db';
import { Live } from './live.svelte';
import { pendingSignOut } from './sign-out';
import { fetchTransportWith, SyncEngine, type SyncState } from './sync/engine';

const KEY = Symbol('sync');

/** The enterprise's sync engine and what the console shows about it, for the enterprise subtree. */
export class SyncController {
	engine = $state.raw<SyncEngine | null>(null);
	state = $state.raw<SyncState | null>(null);
	/**
	 * Whether the mirror has been filled at least once (a sync finished here, now or before): until
	 * then every list is loading, never empty.
	 */
	ready = $state(false);
	#outbox = $state.raw<Live<OutboxRow[]> | null>(null);
	#rejections = $state.raw<Live<RejectionRow[]> | null>(null);
	#stop: () => void = () => {};

	/** Opens the mirror of one enterprise for one admin and starts syncing; returns the stop function. */
	connect(user: { id: string }, enterprise: { id: string }, role: AccountRole): () => void {
		const db = new RosterDB(mirrorName(user.id, enterprise.id));
		const engine = new SyncEngine({
			db,
			enterpriseID: enterprise.id,
			userID: user.id,
			role,
			// On demand: the mutators (and their schemas) stay out of the first page's scripts.
			mutations: () => import('../domain/mutations'),
			// Roster pages in the binary form, its decoder loaded with the first page.
			transport: fetchTransportWith(() =>
				import('../domain/sync/roster-wire').then((m) => m.decodeRosterPage)
			),
			// Signed out on this device (in this tab or another): nothing more goes out as this admin.
			halted: async () => (await pendingSignOut()) !== null
		});
		this.engine = engine;
		this.ready = false;
		this.#outbox = new Live(() => db.outbox.orderBy('mutationID').toArray(), []);
		this.#rejections = new Live(() => db.rejections.orderBy('mutationID').toArray(), []);
		const off = engine.subscribe((s) => {
			this.state = s;
		});
		void db.meta.get('cookie').then((row) => {
			if (row && this.engine === engine) this.ready = true;
		});
		const onReady = engine.subscribe((s) => {
			if (s.lastSyncedAt) this.ready = true;
		});
		engine.start(`/api/sync/poke?enterpriseID=${encodeURIComponent(enterprise.id)}`);
		let open = true;
		const stop = () => {
			if (!open) return;
			open = false;
			off();
			onReady();
			engine.stop();
			db.close();
			if (this.engine === engine) this.engine = null;
		};
		this.#stop = stop;
		return stop;
	}

	/** Stops syncing and closes the mirror now (before the device's data is removed). */
	disconnect(): void {
		this.#stop();
	}

	/** Queued changes not yet confirmed by the server. */
	get pending(): OutboxRow[] {
		return this.#outbox?.current ?? [];
	}

	/** Changes the server refused. */
	get rejections(): RejectionRow[] {
		return this.#rejections?.current ?? [];
	}

	/** Applies and queues a change; refuses when no mirror is open. */
	async mutate<N extends MutationName>(name: N, args: MutationArgs<N>): Promise<MutationResult> {
		if (!this.engine)
			return { ok: false, code: 'NOT_FOUND', message: 'the console is still loading' };
		return this.engine.mutate(name, args);
	}
}

/** Provides the sync controller to an enterprise's pages. */
export function setSync(controller: SyncController): SyncController {
	return setContext(KEY, controller);
}

/** The sync controller of the current enterprise. */
export function getSync(): SyncController {
	return getContext<SyncController>(KEY);
}
