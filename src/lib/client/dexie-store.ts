import type { MutationStore } from '../domain/mutations';
import type { Invite, Organization, Team, TeamOrgRole, User } from '../domain/entities';
import { GLOBAL_POLICY, type RosterDB } from './db';
import type { StoragePolicy } from '../domain/storage-policy';
import type { AccountRole } from '../domain/roles';
import { DEFAULT_THRESHOLDS, type ActivityThresholds } from '../domain/activity';
import { isEffectivelyVerified, type DomainCheck, type DomainState } from '../domain/domains';
import { nameKey } from '../domain/text';
import { findLicenseByEmail, getLicense, licenseCount, removeLicenses } from './roster';

/**
 * The browser's MutationStore over the mirror: mutators run here optimistically, inside the
 * caller's Dexie transaction.
 */
export class DexieMutationStore implements MutationStore {
	constructor(private readonly db: RosterDB) {}

	async seats() {
		return (await this.db.enterprise.toCollection().first())?.seats ?? 0;
	}

	async setSeats(seats: number) {
		await this.db.enterprise.toCollection().modify({ seats });
	}

	async thresholds() {
		const e = await this.db.enterprise.toCollection().first();
		return {
			activeDays: e?.activeDays ?? DEFAULT_THRESHOLDS.activeDays,
			naAfterDays: e?.naAfterDays ?? DEFAULT_THRESHOLDS.naAfterDays
		};
	}

	async setThresholds({ activeDays, naAfterDays }: ActivityThresholds) {
		await this.db.enterprise.toCollection().modify({ activeDays, naAfterDays });
	}

	async seatCounts(now: number) {
		const [licensed, pendingInvites] = await Promise.all([
			licenseCount(this.db),
			this.db.invites.filter((i) => i.expiresAt > now).count()
		]);
		return { licensed, pendingInvites };
	}

	getTeam(id: string): Promise<Team | undefined> {
		return this.db.teams.get(id);
	}

	teamNamed(name: string): Promise<Team | undefined> {
		const key = nameKey(name);
		return this.db.teams.filter((t) => nameKey(t.name) === key).first();
	}

	async putTeam(team: Team) {
		// The mirror holds this enterprise only; the server refuses another enterprise's id.
		await this.db.teams.put(team);
		return true;
	}

	async deleteTeam(id: string) {
		await this.db.teams.delete(id);
		await this.db.teamMembers.where('teamID').equals(id).delete();
		await this.db.teamOrgLinks.where('teamID').equals(id).delete();
	}

	async isTeamMember(teamID: string, userID: string) {
		return (await this.db.teamMembers.get(`${teamID}:${userID}`)) !== undefined;
	}

	async addTeamMember(teamID: string, userID: string) {
		await this.db.teamMembers.put({ key: `${teamID}:${userID}`, teamID, userID });
	}

	async removeTeamMember(teamID: string, userID: string) {
		await this.db.teamMembers.delete(`${teamID}:${userID}`);
	}

	getOrg(id: string): Promise<Organization | undefined> {
		return this.db.organizations.get(id);
	}

	orgNamed(name: string): Promise<Organization | undefined> {
		const key = nameKey(name);
		return this.db.organizations.filter((o) => nameKey(o.name) === key).first();
	}

	async putOrg(org: Organization) {
		await this.db.organizations.put(org);
		return true;
	}

	async deleteOrg(id: string) {
		await this.db.organizations.delete(id);
		await this.db.orgMembers.where('orgID').equals(id).delete();
		await this.db.teamOrgLinks.where('orgID').equals(id).delete();
		await this.db.storagePolicies.delete(id);
	}

	async teamOrgLink(teamID: string, orgID: string): Promise<TeamOrgRole | undefined> {
		return (await this.db.teamOrgLinks.get(`${teamID}:${orgID}`))?.role;
	}

	async linkTeamToOrg(teamID: string, orgID: string, role: TeamOrgRole) {
		await this.db.teamOrgLinks.put({ key: `${teamID}:${orgID}`, teamID, orgID, role });
	}

	async unlinkTeamFromOrg(teamID: string, orgID: string) {
		await this.db.teamOrgLinks.delete(`${teamID}:${orgID}`);
	}

	async getStoragePolicy(orgID: string | null): Promise<StoragePolicy | undefined> {
		const row = await this.db.storagePolicies.get(orgID ?? GLOBAL_POLICY);
		return row && { local: row.local, cloud: row.cloud, git: row.git };
	}

	async putStoragePolicy(orgID: string | null, policy: StoragePolicy) {
		await this.db.storagePolicies.put({ key: orgID ?? GLOBAL_POLICY, orgID, ...policy });
	}

	async deleteStoragePolicy(orgID: string) {
		await this.db.storagePolicies.delete(orgID);
	}

	async getUser(id: string): Promise<User | undefined> {
		const ids = this.#toPreload;
		this.#toPreload = null;
		const row = await getLicense(this.db, id, ids ?? undefined);
		return row && { id: row.id, email: row.email, name: row.name };
	}

	/** Users a bulk change will look up, read at once on its first lookup (`getLicense`'s `alongWith`). */
	#toPreload: string[] | null = null;

	preloadUsers(ids: string[]) {
		// Read on the first lookup, not here: an await of its own before the mutator's first read
		// loses the Dexie transaction (it then commits early).
		this.#toPreload = ids;
	}

	async findUserByEmail(email: string): Promise<User | undefined> {
		const row = await findLicenseByEmail(this.db, email);
		return row && { id: row.id, email: row.email, name: row.name };
	}

	async hasLicense(userID: string) {
		return (await getLicense(this.db, userID)) !== undefined;
	}

	async addLicense() {
		// The mirror learns the licensed user's details from the next pull.
	}

	async removeLicense(userID: string) {
		await removeLicenses(this.db, [userID]);
	}

	async accountRole(userID: string) {
		return (await this.db.admins.where('userID').equals(userID).first())?.role;
	}

	async findAccount(email: string): Promise<User | undefined> {
		const lower = email.toLowerCase();
		const admin = await this.db.admins.get(lower);
		if (admin?.userID) return { id: admin.userID, email: admin.email, name: admin.name };
		const licensed = await this.findUserByEmail(email);
		// Anyone else: a stand-in; the server says whether such an account exists.
		return licensed ?? { id: '', email: lower, name: lower };
	}

	async adminRole(email: string): Promise<AccountRole | undefined> {
		return (await this.db.admins.get(email.toLowerCase()))?.role;
	}

	async setAdminRole(account: User, role: 'co-owner' | 'billing') {
		const email = account.email.toLowerCase();
		await this.db.admins.put({ email, userID: account.id, name: account.name, role });
	}

	async removeAdminRole(email: string) {
		await this.db.admins.delete(email.toLowerCase());
	}

	async findInviteByEmail(email: string): Promise<Invite | undefined> {
		return this.db.invites.where('email').equalsIgnoreCase(email).first();
	}

	async putInvite(invite: Invite) {
		await this.db.invites.where('email').equalsIgnoreCase(invite.email).delete();
		await this.db.invites.put(invite);
		return true;
	}

	getInvite(id: string): Promise<Invite | undefined> {
		return this.db.invites.get(id);
	}

	async deleteInvite(id: string) {
		await this.db.invites.delete(id);
	}

	async audit() {
		// Only the server keeps the audit log (R24).
	}

	// Domains (R13–R15): the server has the last word on verification and on who is unclaimed.

	async listDomains(): Promise<DomainState[]> {
		return (await this.db.domains.toArray()).map((d) => ({
			id: d.id,
			domain: d.domain,
			verificationValue: d.verificationValue,
			verifiedAt: d.verifiedAt,
			captureEnabled: d.captureEnabled
		}));
	}

	async addDomain(id: string, domain: string) {
		const roots = (await this.db.domains.toArray())
			.filter((d) => d.verifiedAt != null)
			.map((d) => d.domain);
		const effectiveVerified = isEffectivelyVerified(domain, roots);
		// The verification value and the count arrive with the next sync.
		await this.db.domains.put({
			id,
			domain,
			verificationValue: null,
			verifiedAt: null,
			effectiveVerified,
			captureEnabled: false,
			unclaimedCount: null
		});
		return true;
	}

	async deleteDomain(id: string) {
		await this.db.domains.delete(id);
		const rows = await this.db.domains.toArray();
		const roots = rows.filter((d) => d.verifiedAt != null).map((d) => d.domain);
		for (const d of rows) {
			const effectiveVerified = isEffectivelyVerified(d.domain, roots);
			if (effectiveVerified !== d.effectiveVerified)
				await this.db.domains.update(d.id, {
					effectiveVerified,
					...(effectiveVerified ? {} : { unclaimedCount: null })
				});
		}
	}

	async setDomainVerified(id: string, at: number) {
		await this.db.domains.update(id, { verifiedAt: at, effectiveVerified: true });
	}

	async setDomainPending(id: string, recheckUntil: number, check: DomainCheck | null) {
		await this.db.domains.update(id, { recheckUntil, ...(check && { lastCheck: check }) });
	}

	async setDomainCapture(id: string, enabled: boolean) {
		await this.db.domains.update(id, { captureEnabled: enabled });
	}

	async lookupTxt() {
		// DNS is the server's to ask: the verification is queued and its answer comes with a sync.
		return null;
	}

	async unclaimedUsers() {
		// Unmanaged users are not mirrored; the server checks who is still unclaimed.
		return null;
	}
}
