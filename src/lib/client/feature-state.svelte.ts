import type { MutationArgs, MutationName } from '../domain/mutations/types';
import { sentence } from '../domain/text';
import type { RosterDB } from './db';
import { Live } from './live.svelte';
import type { SyncController } from './sync-context.svelte';

/** A live query's latest answer: `null` while no mirror is open or it has not answered yet. */
export interface Loading<T> {
	readonly current: T | null;
}

/** What an action says: a refusal in `fail`'s words (the mutator's message alone by default), a success in `ok`'s. */
export interface ActionWords {
	fail?: (message: string) => string;
	ok?: string;
}

/**
 * A console feature's state over the current enterprise's mirror: its live queries follow
 * `sync.engine` (switching enterprise or admin opens another mirror), and its actions leave their
 * last refusal in `message` and their last confirmation in `done`.
 */
export class FeatureState {
	#message = $state<{ engine: unknown; text: string } | null>(null);
	#done = $state<{ engine: unknown; text: string } | null>(null);
	protected readonly sync: SyncController;

	constructor(sync: SyncController) {
		this.sync = sync;
	}

	/** The last refusal, for this mirror only. */
	get message(): string {
		return this.#message?.engine === this.sync.engine ? this.#message.text : '';
	}
	set message(text: string) {
		this.#message = text ? { engine: this.sync.engine, text } : null;
	}

	/** The last confirmation, for this mirror only. */
	get done(): string {
		return this.#done?.engine === this.sync.engine ? this.#done.text : '';
	}
	set done(text: string) {
		this.#done = text ? { engine: this.sync.engine, text } : null;
	}

	/** Forgets the last message and confirmation (the view showing them went away). */
	clear(): void {
		this.message = '';
		this.done = '';
	}

	/** Queued changes not yet confirmed by the server. */
	get pending() {
		return this.sync.pending;
	}

	/**
	 * A live query over the open mirror, asked again whenever the mirror changes. `null` until the
	 * mirror has been filled once: a first sync in progress is loading, never an empty list.
	 */
	protected live<T>(query: (db: RosterDB) => Promise<T> | T): Loading<T> {
		const sync = this.sync;
		const live = $derived.by(() => {
			const db = sync.engine?.db;
			return db ? new Live<T | null>(() => query(db), null) : null;
		});
		return {
			get current() {
				return sync.ready ? (live?.current ?? null) : null;
			}
		};
	}

	/** Applies and queues a change; returns whether it was applied, its refusal landing in `message`. */
	async run<N extends MutationName>(
		name: N,
		args: MutationArgs<N>,
		words: ActionWords = {}
	): Promise<boolean> {
		this.clear();
		const engine = this.sync.engine;
		const result = await this.sync.mutate(name, args);
		// Another enterprise opened meanwhile: its page says nothing about this one's change.
		if (engine !== this.sync.engine) return result.ok;
		if (!result.ok)
			this.message = words.fail ? words.fail(result.message) : sentence(result.message);
		else if (words.ok) this.done = words.ok;
		return result.ok;
	}
}

/** The ids a kind of argument takes in the queued changes (`teamID`, `orgID`…): what shows "Pending sync". */
export function pendingIDs(
	pending: { name: string; args: unknown }[],
	key: string,
	names?: string[]
): Set<string> {
	return new Set(
		pending
			.filter((p) => !names || names.includes(p.name))
			.map((p) => (p.args as Record<string, unknown> | null)?.[key])
			.filter((id): id is string => typeof id === 'string')
	);
}
