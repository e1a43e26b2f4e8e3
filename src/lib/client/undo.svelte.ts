import type { SyncController } from './sync-context.svelte';

/** A change to take back: its queued mutation, and how to undo it. */
interface Offer {
	engine: unknown;
	name: string;
	args: string;
	label: string;
	inverse: () => Promise<boolean>;
}

/**
 * The last small, reversible change of a feature (a member removed from a team, a team unlinked),
 * offered for "Undo" while it is still queued, i.e. the server has not confirmed it yet.
 *
 * Undo queues the inverse change (add the member back, link again with the same role) rather than
 * taking the change out of the outbox: the mirror already shows the change, a push may be carrying
 * it to the server at this moment (from this tab or another), and the inverse goes through the
 * same checks and audit log as any change, so it is right whichever of the two the server sees.
 */
export class UndoOffer {
	#offer = $state.raw<Offer | null>(null);
	readonly #sync: SyncController;

	constructor(sync: SyncController) {
		this.#sync = sync;
	}

	/** Offers to undo the change just queued as `name(args)`, with `inverse` queuing its opposite. */
	offer(name: string, args: unknown, label: string, inverse: () => Promise<boolean>): void {
		this.#offer = { engine: this.#sync.engine, name, args: JSON.stringify(args), label, inverse };
	}

	/** What "Undo" would take back ("Undo removing a@x.test from Platform"), while still queued. */
	get label(): string | null {
		const o = this.#offer;
		if (!o || o.engine !== this.#sync.engine) return null;
		const queued = this.#sync.pending.some(
			(p) => p.name === o.name && JSON.stringify(p.args) === o.args
		);
		return queued ? o.label : null;
	}

	/** Queues the inverse change once; returns whether it was applied. */
	async undo(): Promise<boolean> {
		const o = this.#offer;
		this.#offer = null;
		return o ? o.inverse() : false;
	}

	/** Forgets the offer (another change was made, or the view went away). */
	clear(): void {
		this.#offer = null;
	}
}
