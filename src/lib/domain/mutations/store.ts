import type { Invite, Organization, Team, TeamOrgRole, User } from '../entities';
import type { StoragePolicy } from '../storage-policy';
import type { AccountRole } from '../roles';
import type { DomainCheck, DomainState, TxtLookup } from '../domains';
import type { ActivityThresholds } from '../activity';

/**
 * What a mutator may read and write. The browser implements it over the Dexie mirror (optimistic),
 * the server over SQL inside the mutation's transaction (authoritative). Every method is scoped to
 * one enterprise by the implementation: ids are global (made by clients), so an id of another
 * enterprise's row reads as absent and is never written (R1).
 */
export interface MutationStore {
	seats(): Promise<number>;
	/** Changes the purchased seat count (R4). */
	setSeats(seats: number): Promise<void>;
	/** Licensed users and unexpired invites at `now` (R4, R5). */
	seatCounts(now: number): Promise<{ licensed: number; pendingInvites: number }>;
	/** The activity report's thresholds (R20 decision). */
	thresholds(): Promise<ActivityThresholds>;
	setThresholds(thresholds: ActivityThresholds): Promise<void>;

	getTeam(id: string): Promise<Team | undefined>;
	/** The team whose name is the same as `name` (R26: trimmed, case-insensitive), if any. */
	teamNamed(name: string): Promise<Team | undefined>;
	/** Creates or renames a team; false (nothing written) when the id is another enterprise's. */
	putTeam(team: Team): Promise<boolean>;
	/** Deletes a team with its memberships and organization links. */
	deleteTeam(id: string): Promise<void>;
	isTeamMember(teamID: string, userID: string): Promise<boolean>;
	addTeamMember(teamID: string, userID: string): Promise<void>;
	removeTeamMember(teamID: string, userID: string): Promise<void>;

	getOrg(id: string): Promise<Organization | undefined>;
	/** The organization whose name is the same as `name` (R26), if any. */
	orgNamed(name: string): Promise<Organization | undefined>;
	/** Creates or renames an organization; false (nothing written) for another enterprise's id. */
	putOrg(org: Organization): Promise<boolean>;
	/** Deletes an organization with its direct members and team links. */
	deleteOrg(id: string): Promise<void>;
	/** The role a team's link to an organization carries, if linked (R10). */
	teamOrgLink(teamID: string, orgID: string): Promise<TeamOrgRole | undefined>;
	linkTeamToOrg(teamID: string, orgID: string, role: TeamOrgRole): Promise<void>;
	unlinkTeamFromOrg(teamID: string, orgID: string): Promise<void>;

	/** The global rule (orgID null) or an organization's override, if set (R17). */
	getStoragePolicy(orgID: string | null): Promise<StoragePolicy | undefined>;
	putStoragePolicy(orgID: string | null, policy: StoragePolicy): Promise<void>;
	deleteStoragePolicy(orgID: string): Promise<void>;

	/**
	 * A user this enterprise may act on: licensed here, or an unclaimed account on one of its
	 * verified domains (R3, R15); the browser knows only the licensed ones.
	 */
	getUser(id: string): Promise<User | undefined>;
	/**
	 * Optional: readies (at the next lookup) the lookups of many users that follow one at a time (a bulk change), so
	 * a store that reads its users in chunks reads each chunk once.
	 */
	preloadUsers?(ids: string[]): void;
	/**
	 * An account by email, which may be licensed elsewhere only: check hasLicense before acting on it,
	 * and never tell the admin whether it exists (R2).
	 */
	findUserByEmail(email: string): Promise<User | undefined>;
	hasLicense(userID: string): Promise<boolean>;
	/** Gives a user a seat (R6: callers check for a free seat first). */
	addLicense(userID: string): Promise<void>;
	removeLicense(userID: string): Promise<void>;
	/** The user's console role in this enterprise, if any (R8). */
	accountRole(userID: string): Promise<string | undefined>;
	/**
	 * An account by email that may hold a console role here (R2): licensed here, or holding a console
	 * role here already. The browser may answer with a stand-in (id '') for an account it cannot see;
	 * the server decides.
	 */
	findAccount(email: string): Promise<User | undefined>;
	/** The console role held under this email, if any (R2). */
	adminRole(email: string): Promise<AccountRole | undefined>;
	setAdminRole(account: User, role: 'co-owner' | 'billing'): Promise<void>;
	/** Takes the console role away: the person stays a user, without console access. */
	removeAdminRole(email: string): Promise<void>;

	findInviteByEmail(email: string): Promise<Invite | undefined>;
	/** Sends or updates an invite; false (nothing written) when the id is another enterprise's. */
	putInvite(invite: Invite): Promise<boolean>;
	getInvite(id: string): Promise<Invite | undefined>;
	/** Removes an invite from every list (R5). */
	deleteInvite(id: string): Promise<void>;

	/** Every domain of the enterprise (R13). */
	listDomains(): Promise<DomainState[]>;
	/**
	 * Adds an unverified domain; the server generates its verification value (R13). False (nothing
	 * written) when the id is another enterprise's.
	 */
	addDomain(id: string, domain: string): Promise<boolean>;
	deleteDomain(id: string): Promise<void>;
	setDomainVerified(id: string, at: number): Promise<void>;
	/**
	 * R13: records a verification still pending: re-checked until `recheckUntil`; `check` is what DNS
	 * said (null when it was not asked, which keeps the last check).
	 */
	setDomainPending(id: string, recheckUntil: number, check: DomainCheck | null): Promise<void>;
	setDomainCapture(id: string, enabled: boolean): Promise<void>;
	/**
	 * The TXT records DNS holds for a name, or null where no lookup can run (the browser: the server
	 * decides, and the answer arrives with the next sync).
	 */
	lookupTxt(domain: string): Promise<TxtLookup | null>;
	/**
	 * Of these users, the ones who are unclaimed accounts: unlicensed, with an email on an
	 * effectively verified domain of the enterprise (R15); null where unknown (the browser).
	 */
	unclaimedUsers(userIDs: string[]): Promise<User[] | null>;

	/** Records a change for the audit log (R24); a no-op in the browser. */
	audit(action: string, target: string, before: unknown, after: unknown): Promise<void>;
}
