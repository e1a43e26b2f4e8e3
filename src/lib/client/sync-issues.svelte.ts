import type { IntentLookups } from '../domain/mutations/describe';
import { FeatureState } from './feature-state.svelte';

/** What the refused changes are about, named as the admin knows them, from the mirror. */
export class SyncIssuesState extends FeatureState {
	readonly #names = this.live(async (db) => {
		const [teams, orgs, invites] = await Promise.all([
			db.teams.toArray(),
			db.organizations.toArray(),
			db.invites.toArray()
		]);
		return {
			teams: Object.fromEntries(teams.map((t) => [t.id, t.name])),
			orgs: Object.fromEntries(orgs.map((o) => [o.id, o.name])),
			invites: Object.fromEntries(invites.map((i) => [i.id, i.email]))
		};
	});

	/** Names of teams and organizations and emails of invites, for the intents' wording. */
	readonly lookups: IntentLookups = {
		teamName: (id) => this.#names.current?.teams[id],
		orgName: (id) => this.#names.current?.orgs[id],
		inviteEmail: (id) => this.#names.current?.invites[id]
	};
}
