import type { Invite, OrgRole, Team } from '../domain/entities';
import { effectiveRoles, type EffectiveRole } from '../domain/org-roles';
import { DEFAULT_THRESHOLDS } from '../domain/activity';
import type { LicenseSource, MirrorAdmin, MirrorLicense } from '../domain/sync/tables';
import type { RosterDB } from './db';
import { FeatureState } from './feature-state.svelte';
import { getLicense } from './roster';
import type { SyncController } from './sync-context.svelte';

/** An organization a person reaches, with their effective role and why (R11). */
export interface PersonOrg {
	id: string;
	name: string;
	role: OrgRole;
	/** "Direct", "Through team Platform", "Direct and through teams A and B". */
	why: string;
}

/** Everything the mirror knows about one person of the enterprise. */
export interface PersonView {
	id: string;
	email: string;
	name: string;
	/** The license, when they hold one (R4). */
	license: MirrorLicense | null;
	/** Their pending or expired invite, if any (R5). */
	invite: Invite | null;
	/** Their console role here, if any (R2, R8: the owner keeps their license). */
	consoleRole: MirrorAdmin['role'] | null;
	teams: Team[];
	/** Teams they could join from here: the console's own (SCIM teams follow the identity provider). */
	joinable: Team[];
	orgs: PersonOrg[];
	naAfterDays: number;
}

/** Words for how a license was given; "Unknown" where the mirror has no record (older rows). */
export function sourceLabel(source: LicenseSource | undefined): string {
	switch (source) {
		case 'invite':
			return 'Accepted an invite';
		case 'capture':
			return 'Domain capture';
		case 'scim':
			return 'SCIM (identity provider)';
		case 'console':
			return 'Claimed or added in the console';
		case 'seed':
			return 'Imported';
		default:
			return 'Unknown';
	}
}

/** Why a person has their role in an organization (R11), in words for the page. */
export function roleReason(effective: EffectiveRole): string {
	const best = effective.paths.filter((p) => p.role === effective.role);
	const direct = best.some((p) => p.kind === 'direct');
	const teams = best.flatMap((p) => (p.kind === 'team' ? [p.teamName] : []));
	const list = new Intl.ListFormat('en', { type: 'conjunction' }).format(teams);
	const via = teams.length ? `through ${teams.length > 1 ? 'teams' : 'team'} ${list}` : '';
	if (direct && via) return `Direct and ${via}`;
	if (direct) return 'Direct';
	return via.charAt(0).toUpperCase() + via.slice(1);
}

/**
 * Reads one person from the mirror: `id` is a licensed user's id, or an invite's id (a person
 * invited who has no account here yet). Null when the mirror knows neither.
 */
export async function loadPerson(db: RosterDB, id: string): Promise<PersonView | null> {
	const license = (await getLicense(db, id)) ?? null;
	const invite = license
		? ((await db.invites.where('email').equalsIgnoreCase(license.email).first()) ?? null)
		: ((await db.invites.get(id)) ?? null);
	if (!license && !invite) return null;
	const email = license?.email ?? invite!.email;
	const userID = license?.id ?? '';
	const [admin, memberships, allTeams, orgs, links, orgMembers, enterprise] = await Promise.all([
		db.admins.get(email.toLowerCase()),
		userID ? db.teamMembers.where('userID').equals(userID).toArray() : [],
		db.teams.orderBy('name').toArray(),
		db.organizations.orderBy('name').toArray(),
		db.teamOrgLinks.toArray(),
		userID ? db.orgMembers.where('userID').equals(userID).toArray() : [],
		db.enterprise.toCollection().first()
	]);
	const mine = new Set(memberships.map((m) => m.teamID));
	const teams = allTeams.filter((t) => mine.has(t.id));
	const teamNames = new Map(teams.map((t) => [t.id, t.name]));
	const people: PersonOrg[] = [];
	for (const org of orgs) {
		const [effective] = effectiveRoles({
			orgID: org.id,
			direct: orgMembers.filter((m) => m.orgID === org.id),
			links: links.filter((l) => l.orgID === org.id && mine.has(l.teamID)),
			teamNames,
			teamMembers: new Map(teams.map((t) => [t.id, [userID]]))
		});
		if (effective) {
			people.push({ id: org.id, name: org.name, role: effective.role, why: roleReason(effective) });
		}
	}
	return {
		id,
		email,
		name: license?.name ?? '',
		license,
		invite,
		consoleRole: admin?.role ?? null,
		teams,
		joinable: allTeams.filter((t) => !mine.has(t.id) && t.source === 'manual'),
		orgs: people,
		naAfterDays: enterprise?.naAfterDays ?? DEFAULT_THRESHOLDS.naAfterDays
	};
}

/** One person's page (licensed user or invitee): what the mirror knows, offline too, and their changes. */
export class PersonState extends FeatureState {
	readonly #id: () => string;

	constructor(sync: SyncController, id: () => string) {
		super(sync);
		this.#id = id;
	}

	readonly #view = $derived.by(() => {
		const id = this.#id();
		return this.live(async (db) => (await loadPerson(db, id)) ?? ('missing' as const));
	});

	/**
	 * The person; null while the mirror has not answered, or has not been filled by a first sync yet
	 * (an empty mirror does not know anyone yet); `'missing'` once a filled mirror does not know them.
	 */
	get view(): PersonView | 'missing' | null {
		const found = this.#view.current;
		return found === 'missing' && !this.sync.ready ? null : found;
	}

	/** R7: the seat is free at once, offline too. */
	removeLicense(person: { id: string; email: string }) {
		return this.run(
			'removeLicense',
			{ userID: person.id },
			{
				fail: (m) => `Could not remove the license of ${person.email}: ${m}`,
				ok: `${person.email} no longer holds a license. Their seat is free.`
			}
		);
	}

	/** Adds them to a team (R10; a licensed user takes no new seat, R6). */
	addToTeam(person: { id: string; email: string }, team: Team) {
		return this.run(
			'addTeamMember',
			{ teamID: team.id, userID: person.id },
			{ ok: `${person.email} added to ${team.name}.` }
		);
	}

	/** Takes them out of a team; their license and seat are kept (R7). */
	removeFromTeam(person: { id: string; email: string }, team: Team) {
		return this.run(
			'removeTeamMember',
			{ teamID: team.id, userID: person.id },
			{ ok: `${person.email} removed from ${team.name}. Their license and seat are kept.` }
		);
	}
}
