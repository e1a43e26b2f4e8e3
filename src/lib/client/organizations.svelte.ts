import { createContext } from 'svelte';
import type { TeamOrgRole } from '../domain/entities';
import { effectiveRoles, losingAccess, type OrgGraph } from '../domain/org-roles';
import { FeatureState, pendingIDs } from './feature-state.svelte';
import { lookupLicenses } from './roster';
import type { OrgLoss } from './team-loss';

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

	/** Names and emails of these users (licensed users of the mirror). */
	people(userIDs: string[]) {
		return this.live((db) => lookupLicenses(db, userIDs));
	}

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

	unlink(orgID: string, teamID: string) {
		return this.run('unlinkTeamFromOrg', { teamID, orgID });
	}
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
