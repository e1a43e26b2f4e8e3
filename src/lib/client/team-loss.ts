import type { RosterDB } from './db';
import { lookupLicenses } from './roster';
import { losingAccess } from '../domain/org-roles';

/** Who loses access to one organization when a team goes (R12), for the delete confirmation. */
export interface OrgLoss {
	org: string;
	/** How many members lose access to it. */
	count: number;
	/** The first few of them, by email. */
	emails: string[];
}

/**
 * The members of the team with no other path to the organization (no direct membership, no other
 * linked team): what removing the team's link to it takes away (R12). From the mirror.
 */
async function orgLoss(
	db: RosterDB,
	teamID: string,
	orgID: string,
	shown: number
): Promise<OrgLoss> {
	const [org, orgLinks, direct] = await Promise.all([
		db.organizations.get(orgID),
		db.teamOrgLinks.where('orgID').equals(orgID).toArray(),
		db.orgMembers.where('orgID').equals(orgID).toArray()
	]);
	const members = await db.teamMembers
		.where('teamID')
		.anyOf(orgLinks.map((l) => l.teamID))
		.toArray();
	const teamMembers = new Map<string, string[]>();
	for (const m of members)
		teamMembers.set(m.teamID, [...(teamMembers.get(m.teamID) ?? []), m.userID]);
	const lose = losingAccess(
		{
			orgID,
			direct: direct.map((d) => ({ userID: d.userID, role: d.role })),
			links: orgLinks.map((l) => ({ teamID: l.teamID, role: l.role })),
			teamNames: new Map(),
			teamMembers
		},
		new Set([teamID])
	);
	const first = lose.slice(0, shown);
	const people = await lookupLicenses(db, first);
	return {
		org: org?.name ?? 'Unknown organization',
		count: lose.length,
		emails: first.map((id) => people.get(id)?.email ?? 'a user without a license')
	};
}

/**
 * Per organization the team is linked to, the members with no other path to it (no direct
 * membership, no other linked team) — what deleting the team takes away (R12). From the mirror.
 */
export async function teamDeletionLoss(
	db: RosterDB,
	teamID: string,
	shown = 5
): Promise<OrgLoss[]> {
	const links = await db.teamOrgLinks.where('teamID').equals(teamID).toArray();
	const out = await Promise.all(links.map((link) => orgLoss(db, teamID, link.orgID, shown)));
	return out.sort((a, b) => a.org.localeCompare(b.org));
}

/** Who loses access to one organization if the team is unlinked from it (R12), from the mirror. */
export function teamUnlinkLoss(
	db: RosterDB,
	teamID: string,
	orgID: string,
	shown = 5
): Promise<OrgLoss> {
	return orgLoss(db, teamID, orgID, shown);
}

/** "Data: 3 people lose access (a@x, b@x, c@x)." — one organization of the confirmation (R12). */
export function describeLoss(loss: OrgLoss): string {
	if (loss.count === 0) return `${loss.org}: nobody loses access (every member has another path).`;
	const more = loss.count - loss.emails.length;
	const who = `${loss.emails.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}`;
	const verb = loss.count === 1 ? 'person loses' : 'people lose';
	return `${loss.org}: ${loss.count.toLocaleString('en-US')} ${verb} access (${who}).`;
}
