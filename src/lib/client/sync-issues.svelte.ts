import type { IntentLookups } from '../domain/mutations/describe';
import { FeatureState } from './feature-state.svelte';
import { licenseColumns } from './roster';

/** What the refused changes are about, named as the admin knows them, from the mirror. */
export class SyncIssuesState extends FeatureState {
	readonly #names = this.live(async (db) => {
		const [teams, orgs, invites, domains, rejections] = await Promise.all([
			db.teams.toArray(),
			db.organizations.toArray(),
			db.invites.toArray(),
			db.domains.toArray(),
			db.rejections.toArray()
		]);
		// People are named only when a refused change is about one (the roster can be large).
		const userIDs = new Set(
			rejections
				.map((r) => (r.args as { userID?: unknown } | null)?.userID)
				.filter((id): id is string => typeof id === 'string')
		);
		const users: Record<string, string> = {};
		if (userIDs.size) {
			const { ids, emails } = await licenseColumns(db);
			ids.forEach((id, i) => {
				if (userIDs.has(id)) users[id] = emails[i]!;
			});
		}
		return {
			teams: Object.fromEntries(teams.map((t) => [t.id, t.name])),
			orgs: Object.fromEntries(orgs.map((o) => [o.id, o.name])),
			invites: Object.fromEntries(invites.map((i) => [i.id, i.email])),
			domains: Object.fromEntries(domains.map((d) => [d.id, d.domain])),
			users
		};
	});

	/** Names of teams, organizations, domains and people and emails of invites, for the intents' wording. */
	readonly lookups: IntentLookups = {
		teamName: (id) => this.#names.current?.teams[id],
		orgName: (id) => this.#names.current?.orgs[id],
		inviteEmail: (id) => this.#names.current?.invites[id],
		domainName: (id) => this.#names.current?.domains[id],
		userEmail: (id) => this.#names.current?.users[id]
	};
}
