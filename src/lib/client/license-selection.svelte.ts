import { SvelteSet } from 'svelte/reactivity';
import type { Team } from '../domain/entities';
import { MAX_BULK_PEOPLE } from '../domain/seats';
import { FeatureState } from './feature-state.svelte';
import type { SyncController } from './sync-context.svelte';

const fmt = (n: number) => n.toLocaleString('en-US');
const people = (n: number) => `${fmt(n)} ${n === 1 ? 'person' : 'people'}`;

/**
 * Licensed users picked for a bulk change (R7: remove their licenses; R10: add them to a team),
 * one at a time or all that match the list's search and filter. The owner and the signed-in admin
 * are never picked (R8). A selection of any size is queued as changes of at most MAX_BULK_PEOPLE
 * people each, so it works offline and the server decides each one.
 */
export class LicenseSelection extends FeatureState {
	readonly ids = new SvelteSet<string>();
	readonly #selfID: () => string;

	constructor(sync: SyncController, selfID: () => string) {
		super(sync);
		this.#selfID = selfID;
	}

	/** The owner's id (R8: the owner keeps their license), from the mirror's admins. */
	readonly #owner = this.live(
		async (db) => (await db.admins.filter((a) => a.role === 'owner').first())?.userID ?? null
	);

	/** Whether this person may be picked: not the owner, not the signed-in admin (R8). */
	pickable(userID: string): boolean {
		return userID !== this.#selfID() && userID !== this.#owner.current;
	}

	get size(): number {
		return this.ids.size;
	}

	toggle(userID: string, on: boolean): void {
		if (on && this.pickable(userID)) this.ids.add(userID);
		else this.ids.delete(userID);
	}

	/** Picks every pickable person of `userIDs` (all that match the list); returns how many were left out. */
	selectAll(userIDs: Iterable<string>): number {
		let left = 0;
		for (const id of userIDs) {
			if (this.pickable(id)) this.ids.add(id);
			else left++;
		}
		return left;
	}

	/** Picks no one. */
	none(): void {
		this.ids.clear();
	}

	/** R7: removes every picked person's license; their seats are free at once, offline too. */
	async removeLicenses(): Promise<boolean> {
		const ids = [...this.ids];
		const ok = await this.#inBatches(ids, (userIDs) =>
			this.run(
				'removeLicenses',
				{ userIDs },
				{ fail: (m) => `Could not remove the licenses: ${m}` }
			)
		);
		if (ok) {
			this.none();
			this.done = `Removed the licenses of ${people(ids.length)}. ${fmt(ids.length)} ${ids.length === 1 ? 'seat is' : 'seats are'} free.`;
		}
		return ok;
	}

	/** R10: adds every picked person to a team; licensed users take no new seat (R6). */
	async addToTeam(team: Team): Promise<boolean> {
		const ids = [...this.ids];
		const ok = await this.#inBatches(ids, (userIDs) =>
			this.run(
				'addTeamMembers',
				{ teamID: team.id, userIDs },
				{ fail: (m) => `Could not add them to ${team.name}: ${m}` }
			)
		);
		if (ok) this.done = `Added ${people(ids.length)} to ${team.name}.`;
		return ok;
	}

	// Each batch is one queued change; a refusal stops the rest, which stay picked to try again.
	async #inBatches(ids: string[], send: (batch: string[]) => Promise<boolean>): Promise<boolean> {
		for (let at = 0; at < ids.length; at += MAX_BULK_PEOPLE) {
			const batch = ids.slice(at, at + MAX_BULK_PEOPLE);
			if (!(await send(batch))) return false;
			for (const id of batch) this.ids.delete(id);
		}
		return true;
	}
}
