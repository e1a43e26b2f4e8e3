import type { OrgRole, TeamOrgRole } from './entities';

const RANK: Record<OrgRole, number> = { owner: 3, admin: 2, member: 1 };

/** One way a user reaches an organization: directly, or through a linked team. */
export type OrgPath =
	| { kind: 'direct'; role: OrgRole }
	| { kind: 'team'; role: TeamOrgRole; teamID: string; teamName: string };

/** A user's effective role in an organization and every path that gives it (R11). */
export interface EffectiveRole {
	userID: string;
	role: OrgRole;
	paths: OrgPath[];
}

/** What the effective roles of one organization are computed from (the mirror's rows). */
export interface OrgGraph {
	orgID: string;
	direct: { userID: string; role: OrgRole }[];
	/** The organization's team links. */
	links: { teamID: string; role: TeamOrgRole }[];
	teamNames: Map<string, string>;
	/** Members of each team, by team id. */
	teamMembers: Map<string, string[]>;
}

/**
 * Every user of an organization with their effective role: the highest of their direct membership
 * role and the roles of all their teams linked to it (R11), with the paths, strongest first.
 */
export function effectiveRoles(graph: OrgGraph): EffectiveRole[] {
	const byUser = new Map<string, OrgPath[]>();
	const add = (userID: string, path: OrgPath) => {
		const paths = byUser.get(userID) ?? [];
		paths.push(path);
		byUser.set(userID, paths);
	};
	for (const d of graph.direct) add(d.userID, { kind: 'direct', role: d.role });
	for (const link of graph.links) {
		const teamName = graph.teamNames.get(link.teamID) ?? 'a team';
		for (const userID of graph.teamMembers.get(link.teamID) ?? []) {
			add(userID, { kind: 'team', role: link.role, teamID: link.teamID, teamName });
		}
	}
	return [...byUser].map(([userID, paths]) => {
		paths.sort(
			(a, b) =>
				RANK[b.role] - RANK[a.role] ||
				(a.kind === b.kind ? 0 : a.kind === 'direct' ? -1 : 1) ||
				(a.kind === 'team' && b.kind === 'team' ? a.teamName.localeCompare(b.teamName) : 0)
		);
		return { userID, role: paths[0]!.role, paths };
	});
}

/** "admin via team Platform", "member, direct", … : why a user has their role (R11). */
export function explainRole(effective: EffectiveRole): string {
	const best = effective.paths.filter((p) => p.role === effective.role);
	const direct = best.some((p) => p.kind === 'direct');
	const teams = best.flatMap((p) => (p.kind === 'team' ? [p.teamName] : []));
	const via = teams.length
		? `via ${teams.length > 1 ? 'teams' : 'team'} ${new Intl.ListFormat('en', { type: 'conjunction' }).format(teams)}`
		: '';
	if (direct && via) return `${effective.role}, direct and ${via}`;
	if (direct) return `${effective.role}, direct`;
	return `${effective.role} ${via}`;
}

/**
 * Who loses access to the organization if these team links go (a team deleted, or unlinked): the
 * members with no other path to it — no direct membership and no other linked team (R12).
 */
export function losingAccess(graph: OrgGraph, removedTeamIDs: ReadonlySet<string>): string[] {
	return effectiveRoles(graph)
		.filter((e) => e.paths.every((p) => p.kind === 'team' && removedTeamIDs.has(p.teamID)))
		.map((e) => e.userID);
}
