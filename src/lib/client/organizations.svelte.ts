import { createContext } from 'svelte';
import type { TeamOrgRole } from '../domain/entities';
import {
	effectiveRoles,
	losingAccess,
	type EffectiveRole,
	type OrgGraph
} from '../domain/org-roles';
import { FeatureState, pendingIDs } from './feature-state.svelte';
import { MemberList } from './member-list.svelte';
import { lookupLicenses } from './roster';
import type { SyncController } from './sync-context.svelte';
import { describeLoss, type OrgLoss } from './team-loss';
import { UndoOffer } from './undo.svelte';

/** The enterprise's organizations (R10–R12): links, members' effective roles and their changes. */
export class OrganizationsState extends FeatureState {
	/** Every organization with its links and its members' effective roles (R11), and every team. */
	readonly list = this.live(async (db) => {
		const [orgs, links, teams, teamMembers, orgMembers] = await Promise.all([
			db.organizations.orderBy('name').toArray(),
			db.teamOrgLinks.toArray(),
			db.teams.orderBy('name').toArray(),
			db.teamMembers.toArray(),
			db.orgMembers.toArray()
		]);
		const teamNames = new Map(teams.map((t) => [t.id, t.name]));
		const members = new Map<string, string[]>();
		for (const m of teamMembers) {
			const list = members.get(m.teamID) ?? [];
			list.push(m.userID);
			members.set(m.teamID, list);
		}
		return {
			teams,
			orgs: orgs.map((o) => {
				const graph: OrgGraph = {
					orgID: o.id,
					direct: orgMembers
						.filter((m) => m.orgID === o.id)
						.map((m) => ({ userID: m.userID, role: m.role })),
					links: links
						.filter((l) => l.orgID === o.id)
						.map((l) => ({ teamID: l.teamID, role: l.role }))
						.sort((a, b) =>
							(teamNames.get(a.teamID) ?? '').localeCompare(teamNames.get(b.teamID) ?? '')
						),
					teamNames,
					teamMembers: members
				};
				return { ...o, graph, effective: effectiveRoles(graph) };
			})
		};
	});

	/** Organizations with a change the server has not confirmed yet. */
	get pendingOrgs(): Set<string> {
		return pendingIDs(this.pending, 'orgID');
	}

	/** One organization's members (`org` as the page has it now), searched and paged. */
	members(org: () => OrgView | null): OrgMembersState {
		return new OrgMembersState(this.sync, org);
	}

	/** The last unlink, to link again while it is still queued. */
	readonly undo = new UndoOffer(this.sync);

	create(name: string) {
		return this.sync.mutate('createOrg', { orgID: crypto.randomUUID(), name });
	}

	rename(orgID: string, name: string, baseName: string) {
		return this.run('renameOrg', { orgID, name, baseName });
	}

	remove(orgID: string) {
		return this.run('deleteOrg', { orgID });
	}

	link(orgID: string, teamID: string, role: TeamOrgRole) {
		return this.run('linkTeamToOrg', { teamID, orgID, role });
	}

	/**
	 * Unlinks a team at once (no question: it can be undone while queued), saying who lost access
	 * (R12); `who` names a member by email.
	 */
	async unlink(org: OrgView, teamID: string, who: (userID: string) => string): Promise<boolean> {
		const role = org.graph.links.find((l) => l.teamID === teamID)?.role ?? 'member';
		const team = org.graph.teamNames.get(teamID) ?? 'The team';
		const loss = describeLoss(unlinkLoss(org, teamID, who));
		const args = { teamID, orgID: org.id };
		const ok = await this.run('unlinkTeamFromOrg', args, {
			ok: `${team} unlinked from ${org.name}. ${loss}`
		});
		if (ok) {
			this.undo.offer('unlinkTeamFromOrg', args, `Undo unlinking ${team} from ${org.name}`, () =>
				this.run(
					'linkTeamToOrg',
					{ ...args, role },
					{ ok: `${team} is linked to ${org.name} again as ${role}.` }
				)
			);
		}
		return ok;
	}
}

/** One organization as the page lists it: its links and its members' effective roles (R11). */
export type OrgView = NonNullable<OrganizationsState['list']['current']>['orgs'][number];

/** A member of an organization as its list shows them. */
export interface OrgMember extends EffectiveRole {
	email: string;
	name: string;
	/** Whether they hold a license (only then do they have a page of their own). */
	licensed: boolean;
}

/** One organization's members with their effective roles, names and emails, searched and paged. */
export class OrgMembersState extends FeatureState {
	readonly #org: () => OrgView | null;

	constructor(sync: SyncController, org: () => OrgView | null) {
		super(sync);
		this.#org = org;
	}

	// One string, so a mirror change that leaves the members alone does not look their names up again.
	readonly #ids = $derived.by(() => (this.#org()?.effective ?? []).map((e) => e.userID).join('\n'));
	readonly #people = $derived.by(() => {
		const ids = this.#ids ? this.#ids.split('\n') : [];
		return this.live((db) => lookupLicenses(db, ids));
	});
	readonly #rows = $derived.by((): OrgMember[] | null => {
		const people = this.#people.current;
		if (!people) return null;
		return (
			(this.#org()?.effective ?? [])
				.map((e) => {
					const p = people.get(e.userID);
					return { ...e, email: p?.email ?? '', name: p?.name ?? '', licensed: !!p };
				})
				// By email; members without a license (no email to sort by) last.
				.sort((a, b) => Number(!a.licensed) - Number(!b.licensed) || a.email.localeCompare(b.email))
		);
	});

	/** The members as the list shows them: searched by name or email, a page at a time. */
	readonly view = new MemberList(() => this.#rows);

	/** A member's email, or "a user without a license". */
	who = (userID: string): string =>
		this.#people.current?.get(userID)?.email ?? 'a user without a license';
}

/** Who loses access to the organization if the team is unlinked (R12), worded as on Teams. */
export function unlinkLoss(
	org: { name: string; graph: OrgGraph },
	teamID: string,
	who: (userID: string) => string
): OrgLoss {
	const lose = losingAccess(org.graph, new Set([teamID]));
	return { org: org.name, count: lose.length, emails: lose.slice(0, 5).map(who) };
}

/** Provides and reads the organizations state of the enterprise's pages. */
export const [getOrganizations, setOrganizations] = createContext<OrganizationsState>();
