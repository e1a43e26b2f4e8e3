import { createContext } from 'svelte';
import type { Organization, Team, TeamOrgRole } from '../domain/entities';
import { describeIntent } from '../domain/mutations/describe';
import { FeatureState, pendingIDs, type Loading } from './feature-state.svelte';
import type { SyncController } from './sync-context.svelte';
import { MemberList } from './member-list.svelte';
import { suggestPeople, type PersonOption } from './people-suggest';
import { findLicenseByEmail, lookupLicenses } from './roster';
import { describeLoss, teamDeletionLoss, teamUnlinkLoss } from './team-loss';
import { UndoOffer } from './undo.svelte';

const LINK_MUTATIONS = ['linkTeamToOrg', 'unlinkTeamFromOrg'];

/** The enterprise's teams (R10, R12): the list with member counts and links, and its changes. */
export class TeamsState extends FeatureState {
	/** Every team by name, with its member count and the organizations it is linked to. */
	readonly list = this.live(async (db) => {
		const [teams, members, links, orgs] = await Promise.all([
			db.teams.orderBy('name').toArray(),
			db.teamMembers.toArray(),
			db.teamOrgLinks.toArray(),
			db.organizations.toArray()
		]);
		const orgName: Record<string, string> = Object.fromEntries(orgs.map((o) => [o.id, o.name]));
		const count: Record<string, number> = {};
		for (const m of members) count[m.teamID] = (count[m.teamID] ?? 0) + 1;
		return teams.map((t) => ({
			...t,
			members: count[t.id] ?? 0,
			links: links
				.filter((l) => l.teamID === t.id)
				.map((l) => ({ org: orgName[l.orgID] ?? 'Unknown organization', role: l.role }))
				.sort((a, b) => a.org.localeCompare(b.org))
		}));
	});

	/** Teams with a change the server has not confirmed yet. */
	get pendingTeams(): Set<string> {
		return pendingIDs(this.pending, 'teamID');
	}

	/** Who loses access to which organization if the team is deleted (R12). */
	deletionLoss(teamID: string) {
		return this.live((db) => teamDeletionLoss(db, teamID));
	}

	create(name: string) {
		return this.sync.mutate('createTeam', { teamID: crypto.randomUUID(), name });
	}

	rename(teamID: string, name: string, baseName: string) {
		return this.run('renameTeam', { teamID, name, baseName });
	}

	remove(teamID: string) {
		return this.run('deleteTeam', { teamID });
	}

	/** One team's members, with their own messages (`team` as the page has it now). */
	members(team: () => Team): TeamMembersState {
		return new TeamMembersState(this.sync, team);
	}

	/** One team's organization links, with their own messages (`team` as the page has it now). */
	orgs(team: () => Team): TeamOrgsState {
		return new TeamOrgsState(this.sync, team);
	}
}

/** The members of one team (R10): licensed users only, so adding one takes no seat (R6). */
export class TeamMembersState extends FeatureState {
	readonly #team: () => Team;

	constructor(sync: SyncController, team: () => Team) {
		super(sync);
		this.#team = team;
	}

	/** The team, as the page has it now (a rename shows at once). */
	get team(): Team {
		return this.#team();
	}

	/** The team's members by email (a member without a license is named so). */
	// Only a different team asks again: the page's team object is new on every mirror change.
	readonly #teamID = $derived(this.team.id);
	readonly #list = $derived.by(() => {
		const teamID = this.#teamID;
		return this.live(async (db) => {
			const rows = await db.teamMembers.where('teamID').equals(teamID).toArray();
			const ids = rows.map((r) => r.userID);
			const people = await lookupLicenses(db, ids);
			return ids
				.map((userID) => {
					const p = people.get(userID);
					return {
						userID,
						email: p?.email ?? 'a user without a license',
						name: p?.name ?? '',
						licensed: !!p
					};
				})
				.sort((a, b) => a.email.localeCompare(b.email));
		});
	});
	get list(): Loading<TeamMember[]> {
		return this.#list;
	}

	/** The members as the panel shows them: searched by name or email, a page at a time. */
	readonly view = new MemberList(() => this.list.current);

	/** The last member removed, to put back while the removal is still queued. */
	readonly undo = new UndoOffer(this.sync);

	/** Licensed users of the mirror matching `query` who are not members yet (offline too). */
	async suggest(query: string): Promise<PersonOption[]> {
		const db = this.sync.engine?.db;
		if (!db) return [];
		return suggestPeople(db, query, new Set(this.list.current?.map((m) => m.userID)));
	}

	/** Adds a licensed user the admin picked; returns whether they were added. */
	addPerson(person: PersonOption): Promise<boolean> {
		return this.run(
			'addTeamMember',
			{ teamID: this.team.id, userID: person.id },
			{ ok: `${person.email} added to ${this.team.name}.` }
		);
	}

	/** Members whose joining is still queued, so the admin sees what the server has not confirmed. */
	get pendingUsers(): Set<string> {
		const teamID = this.team.id;
		return new Set(
			this.pending
				.filter((p) => p.name === 'addTeamMember')
				.map((p) => p.args as { teamID?: unknown; userID?: unknown } | null)
				.filter((a) => a?.teamID === teamID && typeof a.userID === 'string')
				.map((a) => a!.userID as string)
		);
	}

	/** Adds the licensed user with this email; returns whether they were added. */
	async add(email: string): Promise<boolean> {
		this.clear();
		const wanted = email.trim();
		const db = this.sync.engine?.db;
		const user = db ? await findLicenseByEmail(db, wanted) : undefined;
		if (!user) {
			this.message = `No licensed user has the email ${wanted}. Invite them from the Licenses page first.`;
			return false;
		}
		return this.run(
			'addTeamMember',
			{ teamID: this.team.id, userID: user.id },
			{ ok: `${user.email} added to ${this.team.name}.` }
		);
	}

	/** Removes a member at once (no question: it is small and can be undone while queued). */
	async remove(userID: string, who: string): Promise<boolean> {
		const { team } = this;
		const args = { teamID: team.id, userID };
		const ok = await this.run('removeTeamMember', args, {
			ok: `${who} removed from ${team.name}. Their license and seat are kept.`
		});
		if (ok) {
			this.undo.offer('removeTeamMember', args, `Undo removing ${who} from ${team.name}`, () =>
				this.run('addTeamMember', args, { ok: `${who} is back in ${team.name}.` })
			);
		}
		return ok;
	}
}

/** A member of a team as its panel lists them. */
export interface TeamMember {
	userID: string;
	/** Their email, or "a user without a license". */
	email: string;
	name: string;
	/** Whether they hold a license (only then do they have a page of their own). */
	licensed: boolean;
}

/** The organizations one team is linked to and the role each link gives (R10, R12). */
export class TeamOrgsState extends FeatureState {
	readonly #team: () => Team;

	constructor(sync: SyncController, team: () => Team) {
		super(sync);
		this.#team = team;
	}

	/** The team, as the page has it now (a rename shows at once). */
	get team(): Team {
		return this.#team();
	}

	/** The organizations it is linked to with the link's role, and those it may be linked to. */
	// Only a different team asks again: the page's team object is new on every mirror change.
	readonly #teamID = $derived(this.team.id);
	readonly #list = $derived.by(() => {
		const teamID = this.#teamID;
		return this.live(async (db) => {
			const [links, orgs] = await Promise.all([
				db.teamOrgLinks.where('teamID').equals(teamID).toArray(),
				db.organizations.orderBy('name').toArray()
			]);
			const role = new Map(links.map((l) => [l.orgID, l.role]));
			return {
				names: new Map(orgs.map((o) => [o.id, o.name])),
				linked: orgs.flatMap((o) => {
					const r = role.get(o.id);
					return r ? [{ orgID: o.id, name: o.name, role: r }] : [];
				}),
				linkable: orgs.filter((o) => !role.has(o.id))
			};
		});
	});
	get list(): Loading<{
		names: Map<string, string>;
		linked: { orgID: string; name: string; role: TeamOrgRole }[];
		linkable: Organization[];
	}> {
		return this.#list;
	}

	#ofTeam = (row: { name: string; args: unknown }) =>
		LINK_MUTATIONS.includes(row.name) &&
		(row.args as { teamID?: unknown } | null)?.teamID === this.team.id;

	/** Organizations whose link to this team has a change the server has not confirmed yet. */
	get pendingOrgs(): Set<string> {
		return pendingIDs(this.pending.filter(this.#ofTeam), 'orgID');
	}

	/** Links and unlinks of this team the server refused (e.g. the organization was deleted). */
	get refused(): { key: number; text: string }[] {
		return this.sync.rejections.filter(this.#ofTeam).map((r) => ({
			key: r.mutationID,
			text: `${describeIntent(r.name, r.args, {
				teamName: () => this.team.name,
				orgName: (orgID) => this.list.current?.names.get(orgID)
			})} was refused: ${r.message}.`
		}));
	}

	link(orgID: string, role: TeamOrgRole) {
		const { team } = this;
		const org = this.list.current?.names.get(orgID) ?? 'the organization';
		return this.run(
			'linkTeamToOrg',
			{ teamID: team.id, orgID, role },
			{
				fail: (m) => `Could not link ${team.name} to ${org}: ${m}.`,
				ok: `${team.name} linked to ${org} as ${role}. Its members are ${role}s there.`
			}
		);
	}

	changeRole(org: { orgID: string; name: string }, role: TeamOrgRole) {
		const { team } = this;
		return this.run(
			'linkTeamToOrg',
			{ teamID: team.id, orgID: org.orgID, role },
			{
				fail: (m) => `Could not change the role of ${team.name} in ${org.name}: ${m}.`,
				ok: `${team.name}'s members are now ${role}s in ${org.name}.`
			}
		);
	}

	/** The last unlink, to link again while it is still queued. */
	readonly undo = new UndoOffer(this.sync);

	/**
	 * Unlinks at once (no question: it can be undone while queued), saying who lost access (R12).
	 */
	async unlink(org: { orgID: string; name: string; role: TeamOrgRole }): Promise<boolean> {
		const { team } = this;
		const db = this.sync.engine?.db;
		const loss = db ? await teamUnlinkLoss(db, team.id, org.orgID) : null;
		const args = { teamID: team.id, orgID: org.orgID };
		const ok = await this.run('unlinkTeamFromOrg', args, {
			fail: (m) => `Could not unlink ${team.name} from ${org.name}: ${m}.`,
			ok: `${team.name} unlinked from ${org.name}.${loss ? ` ${describeLoss(loss)}` : ''}`
		});
		if (ok) {
			this.undo.offer(
				'unlinkTeamFromOrg',
				args,
				`Undo unlinking ${team.name} from ${org.name}`,
				() =>
					this.run(
						'linkTeamToOrg',
						{ ...args, role: org.role },
						{ ok: `${team.name} is linked to ${org.name} again as ${org.role}.` }
					)
			);
		}
		return ok;
	}
}

/** Provides and reads the teams state of the enterprise's pages. */
export const [getTeams, setTeams] = createContext<TeamsState>();
