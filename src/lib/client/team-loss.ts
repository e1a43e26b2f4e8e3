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
 * Per organization the team is linked to, the members with no other path to it (no direct
 * membership, no other linked team) — what deleting the team takes away (R12). From the mirror.
 */
export async function teamDeletionLoss(
	db: RosterDB,
	teamID: string,
	shown = 5
): Promise<OrgLoss[]> {
	const links = await db.teamOrgLinks.where('teamID').equals(teamID).toArray();
	const out: OrgLoss[] = [];
	for (const link of links) {
		const [org, orgLinks, direct] = await Promise.all([
			db.organizations.get(link.orgID),
			db.teamOrgLinks.where('orgID').equals(link.orgID).toArray(),
			db.orgMembers.where('orgID').equals(link.orgID).toArray()
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
				orgID: link.orgID,
				direct: direct.map((d) => ({ userID: d.userID, role: d.role })),
				links: orgLinks.map((l) => ({ teamID: l.teamID, role: l.role })),
				teamNames: new Map(),
				teamMembers
			},
			new Set([teamID])
		);
		const first = lose.slice(0, shown);
		const people = await lookupLicenses(db, first);
		out.push({
			org: org?.name ?? 'Unknown organization',
			count: lose.length,
			emails: first.map((id) => people.get(id)?.email ?? 'a user without a license')
		});
	}
	return out.sort((a, b) => a.org.localeCompare(b.org));
}

/** "Data: 3 people lose access (a@x, b@x, c@x)." — one organization of the confirmation (R12). */
export function describeLoss(loss: OrgLoss): string {
	if (loss.count === 0) return `${loss.org}: nobody loses access (every member has another path).`;
	const more = loss.count - loss.emails.length;
	const who = `${loss.emails.join(', ')}${more > 0 ? ` and ${more.toLocaleString('en-US')} more` : ''}`;
	const verb = loss.count === 1 ? 'person loses' : 'people lose';
	return `${loss.org}: ${loss.count.toLocaleString('en-US')} ${verb} access (${who}).`;
}
