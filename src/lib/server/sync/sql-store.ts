import { sql, type Insertable, type Selectable, type Transaction, type Updateable } from 'kysely';
import type { AuditLogTable, Database, DomainTable, InviteTable, LicenseTable } from '../db/schema';
import type { MutationStore } from '../../domain/mutations';
import type { StoragePolicy } from '../../domain/storage-policy';
import type { AccountRole } from '../../domain/roles';
import type { ActivityThresholds } from '../../domain/activity';
import type { Invite, Organization, Team, TeamOrgRole, User } from '../../domain/entities';
import {
	emailDomain,
	isEffectivelyVerified,
	type DomainCheck,
	type TxtLookup
} from '../../domain/domains';
import { nameKey } from '../../domain/text';
import { domainStates, newVerificationValue } from '../domains/sql';
import type { MirrorTable } from '../../domain/sync/tables';
import { tombstone } from './tombstones';
import type { ReadAhead } from './read-ahead';

/** Who a change is recorded against in the audit log (R24). */
export interface AuditActor {
	userID: string | null;
	kind: 'console' | 'scim' | 'capture' | 'system';
	queued: boolean;
}

/** An audit row waiting to be written (see `SqlMutationStore`'s `auditRows`). */
export type AuditRow = Insertable<AuditLogTable>;

/** Writes audit rows kept back by stores, in as few statements as the database allows. */
export async function writeAudit(trx: Transaction<Database>, rows: readonly AuditRow[]) {
	// In slices: SQLite binds at most 32,766 values per statement (9 a row).
	for (let i = 0; i < rows.length; i += 1000) {
		await trx
			.insertInto('audit_log')
			.values(rows.slice(i, i + 1000))
			.execute();
	}
}

/**
 * The server's MutationStore: SQL inside one transaction, every write stamped with the enterprise's
 * next version so pull can send it, deletes leaving tombstones. With `auditRows`, audit rows are
 * kept there for the caller to write (writeAudit) once its batch is settled, instead of one
 * statement each; with `readAhead`, teams and organizations the batch read ahead are answered from
 * it, and their names written through it (ReadAhead: deferred, one statement for the batch).
 */
export class SqlMutationStore implements MutationStore {
	constructor(
		private readonly trx: Transaction<Database>,
		private readonly enterpriseID: string,
		private readonly version: number,
		private readonly actor: AuditActor,
		private readonly now: number,
		{ auditRows, readAhead }: { auditRows?: AuditRow[]; readAhead?: ReadAhead } = {}
	) {
		this.auditRows = auditRows;
		this.ahead = readAhead;
	}

	private readonly auditRows: AuditRow[] | undefined;
	private readonly ahead: ReadAhead | undefined;

	private tombstone(table: MirrorTable, key: string | readonly string[]) {
		const { trx, enterpriseID, version } = this;
		return tombstone({ trx, enterpriseID, version }, table, key);
	}

	async seats() {
		const row = await this.trx
			.selectFrom('enterprises')
			.select('seats')
			.where('id', '=', this.enterpriseID)
			.executeTakeFirstOrThrow();
		return row.seats;
	}

	async setSeats(seats: number) {
		await this.trx
			.updateTable('enterprises')
			.set({ seats })
			.where('id', '=', this.enterpriseID)
			.execute();
	}

	async thresholds() {
		const row = await this.trx
			.selectFrom('enterprises')
			.select(['report_active_days', 'report_na_days'])
			.where('id', '=', this.enterpriseID)
			.executeTakeFirstOrThrow();
		return { activeDays: row.report_active_days, naAfterDays: row.report_na_days };
	}

	async setThresholds({ activeDays, naAfterDays }: ActivityThresholds) {
		await this.trx
			.updateTable('enterprises')
			.set({ report_active_days: activeDays, report_na_days: naAfterDays })
			.where('id', '=', this.enterpriseID)
			.execute();
	}

	async seatCounts(now: number) {
		const [licensed, invites] = await Promise.all([
			this.trx
				.selectFrom('licenses')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('enterprise_id', '=', this.enterpriseID)
				.executeTakeFirstOrThrow(),
			this.trx
				.selectFrom('invites')
				.select((eb) => eb.fn.countAll<number>().as('n'))
				.where('enterprise_id', '=', this.enterpriseID)
				.where('expires_at', '>', now)
				.executeTakeFirstOrThrow()
		]);
		return { licensed: Number(licensed.n), pendingInvites: Number(invites.n) };
	}

	async getTeam(id: string): Promise<Team | undefined> {
		const known = this.ahead?.teams.byID(id);
		if (known !== undefined) return known ?? undefined;
		return this.trx
			.selectFrom('teams')
			.select(['id', 'name', 'source'])
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.executeTakeFirst();
	}

	async teamNamed(name: string): Promise<Team | undefined> {
		const known = this.ahead?.teams.byName(nameKey(name));
		if (known !== undefined) return known ?? undefined;
		return this.trx
			.selectFrom('teams')
			.select(['id', 'name', 'source'])
			.where('enterprise_id', '=', this.enterpriseID)
			.where('name_key', '=', nameKey(name))
			.executeTakeFirst();
	}

	async putTeam(team: Team) {
		const row = {
			id: team.id,
			enterprise_id: this.enterpriseID,
			name: team.name,
			name_key: nameKey(team.name),
			source: team.source,
			external_id: null,
			version: this.version,
			created_at: this.now
		};
		const ahead = this.ahead;
		if (ahead) {
			// A team the batch knows about is written with the batch's other names (ReadAhead.flush).
			if (ahead.teams.isForeign(team.id)) return false;
			const before = ahead.teams.byID(team.id);
			if (before !== undefined) {
				ahead.deferTeam({ ...row, source: before?.source ?? team.source });
				ahead.teams.wrote(before === null ? team : { ...before, name: team.name });
				return true;
			}
			await ahead.flush(this.trx);
		}
		const written = await this.trx
			.insertInto('teams')
			.values(row)
			// A team id of another enterprise is never touched (R1).
			.onConflict((oc) =>
				oc
					.column('id')
					.doUpdateSet({ name: team.name, name_key: nameKey(team.name), version: this.version })
					.where('teams.enterprise_id', '=', this.enterpriseID)
			)
			.executeTakeFirst();
		const done = Number(written.numInsertedOrUpdatedRows ?? 0) > 0;
		// Not known before: its other columns may differ from `team`'s, so it is asked again.
		if (done) ahead?.teams.forget(team.id, nameKey(team.name));
		return done;
	}

	async deleteTeam(id: string) {
		const members = await this.trx
			.selectFrom('team_members')
			.select('user_id')
			.where('team_id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		const links = await this.trx
			.selectFrom('team_org_links')
			.select('org_id')
			.where('team_id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		await this.trx
			.deleteFrom('teams')
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		this.ahead?.teams.deleted(id);
		await this.tombstone('teams', id);
		await this.tombstone(
			'teamMembers',
			members.map((m) => `${id}:${m.user_id}`)
		);
		await this.tombstone(
			'teamOrgLinks',
			links.map((l) => `${id}:${l.org_id}`)
		);
	}

	async isTeamMember(teamID: string, userID: string) {
		const row = await this.trx
			.selectFrom('team_members')
			.select('user_id')
			.where('team_id', '=', teamID)
			.where('user_id', '=', userID)
			// Team ids are global: another enterprise's team has no members here (R1).
			.where('enterprise_id', '=', this.enterpriseID)
			.executeTakeFirst();
		return !!row;
	}

	async addTeamMember(teamID: string, userID: string) {
		await this.trx
			.insertInto('team_members')
			.values({
				team_id: teamID,
				user_id: userID,
				enterprise_id: this.enterpriseID,
				version: this.version
			})
			.onConflict((oc) =>
				oc
					.columns(['team_id', 'user_id'])
					.doUpdateSet({ version: this.version })
					.where('team_members.enterprise_id', '=', this.enterpriseID)
			)
			.execute();
	}

	async removeTeamMember(teamID: string, userID: string) {
		await this.trx
			.deleteFrom('team_members')
			.where('team_id', '=', teamID)
			.where('user_id', '=', userID)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		await this.tombstone('teamMembers', `${teamID}:${userID}`);
	}

	async getOrg(id: string): Promise<Organization | undefined> {
		const known = this.ahead?.orgs.byID(id);
		if (known !== undefined) return known ?? undefined;
		return this.trx
			.selectFrom('organizations')
			.select(['id', 'name'])
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.executeTakeFirst();
	}

	async orgNamed(name: string): Promise<Organization | undefined> {
		const known = this.ahead?.orgs.byName(nameKey(name));
		if (known !== undefined) return known ?? undefined;
		return this.trx
			.selectFrom('organizations')
			.select(['id', 'name'])
			.where('enterprise_id', '=', this.enterpriseID)
			.where('name_key', '=', nameKey(name))
			.executeTakeFirst();
	}

	async putOrg(org: Organization) {
		const row = {
			id: org.id,
			enterprise_id: this.enterpriseID,
			name: org.name,
			name_key: nameKey(org.name),
			version: this.version,
			created_at: this.now
		};
		const ahead = this.ahead;
		if (ahead) {
			// An organization the batch knows about is written with the batch's other names.
			if (ahead.orgs.isForeign(org.id)) return false;
			const before = ahead.orgs.byID(org.id);
			if (before !== undefined) {
				ahead.deferOrg(row);
				ahead.orgs.wrote({ id: org.id, name: org.name });
				return true;
			}
			await ahead.flush(this.trx);
		}
		const written = await this.trx
			.insertInto('organizations')
			.values(row)
			// An organization id of another enterprise is never touched (R1).
			.onConflict((oc) =>
				oc
					.column('id')
					.doUpdateSet({ name: org.name, name_key: nameKey(org.name), version: this.version })
					.where('organizations.enterprise_id', '=', this.enterpriseID)
			)
			.executeTakeFirst();
		const done = Number(written.numInsertedOrUpdatedRows ?? 0) > 0;
		if (done) ahead?.orgs.forget(org.id, nameKey(org.name));
		return done;
	}

	async deleteOrg(id: string) {
		const [members, links] = await Promise.all([
			this.trx
				.selectFrom('org_members')
				.select('user_id')
				.where('org_id', '=', id)
				.where('enterprise_id', '=', this.enterpriseID)
				.execute(),
			this.trx
				.selectFrom('team_org_links')
				.select('team_id')
				.where('org_id', '=', id)
				.where('enterprise_id', '=', this.enterpriseID)
				.execute()
		]);
		await this.trx
			.deleteFrom('organizations')
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		this.ahead?.orgs.deleted(id);
		await this.tombstone('organizations', id);
		await this.tombstone('storagePolicies', id);
		await this.tombstone(
			'orgMembers',
			members.map((m) => `${id}:${m.user_id}`)
		);
		await this.tombstone(
			'teamOrgLinks',
			links.map((l) => `${l.team_id}:${id}`)
		);
	}

	async teamOrgLink(teamID: string, orgID: string): Promise<TeamOrgRole | undefined> {
		const row = await this.trx
			.selectFrom('team_org_links')
			.select('role')
			.where('team_id', '=', teamID)
			.where('org_id', '=', orgID)
			.where('enterprise_id', '=', this.enterpriseID)
			.executeTakeFirst();
		return row?.role as TeamOrgRole | undefined;
	}

	async linkTeamToOrg(teamID: string, orgID: string, role: TeamOrgRole) {
		await this.trx
			.insertInto('team_org_links')
			.values({
				team_id: teamID,
				org_id: orgID,
				enterprise_id: this.enterpriseID,
				role,
				version: this.version
			})
			.onConflict((oc) =>
				oc
					.columns(['team_id', 'org_id'])
					.doUpdateSet({ role, version: this.version })
					.where('team_org_links.enterprise_id', '=', this.enterpriseID)
			)
			.execute();
	}

	async unlinkTeamFromOrg(teamID: string, orgID: string) {
		await this.trx
			.deleteFrom('team_org_links')
			.where('team_id', '=', teamID)
			.where('org_id', '=', orgID)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		await this.tombstone('teamOrgLinks', `${teamID}:${orgID}`);
	}

	async getStoragePolicy(orgID: string | null): Promise<StoragePolicy | undefined> {
		const row = await this.trx
			.selectFrom('storage_policies')
			.select(['local', 'cloud', 'git'])
			.where('enterprise_id', '=', this.enterpriseID)
			.where('org_id', orgID === null ? 'is' : '=', orgID)
			.executeTakeFirst();
		return row && { local: !!row.local, cloud: !!row.cloud, git: !!row.git };
	}

	async putStoragePolicy(orgID: string | null, policy: StoragePolicy) {
		const values = {
			local: policy.local ? 1 : 0,
			cloud: policy.cloud ? 1 : 0,
			git: policy.git ? 1 : 0,
			version: this.version,
			updated_at: this.now
		};
		const updated = await this.trx
			.updateTable('storage_policies')
			.set(values)
			.where('enterprise_id', '=', this.enterpriseID)
			.where('org_id', orgID === null ? 'is' : '=', orgID)
			.executeTakeFirst();
		if (Number(updated.numUpdatedRows) > 0) return;
		await this.trx
			.insertInto('storage_policies')
			.values({
				id: crypto.randomUUID(),
				enterprise_id: this.enterpriseID,
				org_id: orgID,
				...values
			})
			.execute();
	}

	async deleteStoragePolicy(orgID: string) {
		await this.trx
			.deleteFrom('storage_policies')
			.where('enterprise_id', '=', this.enterpriseID)
			.where('org_id', '=', orgID)
			.execute();
		await this.tombstone('storagePolicies', orgID);
	}

	async getUser(id: string): Promise<User | undefined> {
		// R3: a user this enterprise may see: licensed here, else an unclaimed account on one of its
		// verified domains; nobody else's account, whatever id a device sends.
		const licensed = await this.trx
			.selectFrom('users')
			.innerJoin('licenses', 'licenses.user_id', 'users.id')
			.select(['users.id', 'users.email', 'users.name'])
			.where('users.id', '=', id)
			.where('licenses.enterprise_id', '=', this.enterpriseID)
			.executeTakeFirst();
		if (licensed) return licensed;
		return (await this.unclaimedUsers([id]))[0];
	}

	/** Any account by email, licensed here or not (SCIM links accounts by it); see the interface. */
	async findUserByEmail(email: string): Promise<User | undefined> {
		return this.trx
			.selectFrom('users')
			.select(['id', 'email', 'name'])
			.where(sql`lower(email)`, '=', email.toLowerCase())
			.executeTakeFirst();
	}

	async hasLicense(userID: string) {
		const row = await this.trx
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', this.enterpriseID)
			.where('user_id', '=', userID)
			.executeTakeFirst();
		return !!row;
	}

	/** Licenses a user; the source follows the actor unless given (an accepted invite). */
	async addLicense(userID: string, source?: LicenseTable['source']) {
		await this.trx
			.insertInto('licenses')
			.values({
				enterprise_id: this.enterpriseID,
				user_id: userID,
				source:
					source ??
					(this.actor.kind === 'scim'
						? 'scim'
						: this.actor.kind === 'capture'
							? 'capture'
							: 'console'),
				version: this.version,
				created_at: this.now
			})
			.onConflict((oc) => oc.columns(['enterprise_id', 'user_id']).doNothing())
			.execute();
	}

	async removeLicense(userID: string) {
		await this.trx
			.deleteFrom('licenses')
			.where('enterprise_id', '=', this.enterpriseID)
			.where('user_id', '=', userID)
			.execute();
		await this.tombstone('licenses', userID);
	}

	async accountRole(userID: string) {
		const row = await this.trx
			.selectFrom('account_roles')
			.select('role')
			.where('enterprise_id', '=', this.enterpriseID)
			.where('user_id', '=', userID)
			.executeTakeFirst();
		return row?.role;
	}

	async findAccount(email: string): Promise<User | undefined> {
		// R2: a console role goes to someone licensed here, or changes for someone holding one here.
		const lower = email.toLowerCase();
		return this.trx
			.selectFrom('users')
			.select(['users.id', 'users.email', 'users.name'])
			.where(sql`lower(users.email)`, '=', lower)
			.where((eb) =>
				eb.or([
					eb.exists(
						eb
							.selectFrom('licenses')
							.select('licenses.user_id')
							.whereRef('licenses.user_id', '=', 'users.id')
							.where('licenses.enterprise_id', '=', this.enterpriseID)
					),
					eb.exists(
						eb
							.selectFrom('account_roles')
							.select('account_roles.user_id')
							.whereRef('account_roles.user_id', '=', 'users.id')
							.where('account_roles.enterprise_id', '=', this.enterpriseID)
							.where('account_roles.role', 'in', ['owner', 'co-owner', 'billing'])
					)
				])
			)
			.executeTakeFirst();
	}

	async adminRole(email: string): Promise<AccountRole | undefined> {
		const row = await this.trx
			.selectFrom('account_roles')
			.innerJoin('users', 'users.id', 'account_roles.user_id')
			.select('account_roles.role')
			.where('account_roles.enterprise_id', '=', this.enterpriseID)
			.where(sql`lower(users.email)`, '=', email.toLowerCase())
			.executeTakeFirst();
		return row?.role;
	}

	async setAdminRole(account: User, role: 'co-owner' | 'billing') {
		await this.trx
			.insertInto('account_roles')
			.values({
				enterprise_id: this.enterpriseID,
				user_id: account.id,
				role,
				created_at: this.now,
				version: this.version
			})
			.onConflict((oc) =>
				oc.columns(['enterprise_id', 'user_id']).doUpdateSet({ role, version: this.version })
			)
			.execute();
	}

	async removeAdminRole(email: string) {
		const account = await this.findAccount(email);
		if (!account) return;
		await this.trx
			.updateTable('account_roles')
			.set({ role: 'member', version: this.version })
			.where('enterprise_id', '=', this.enterpriseID)
			.where('user_id', '=', account.id)
			.execute();
		await this.tombstone('admins', email.toLowerCase());
	}

	async findInviteByEmail(email: string): Promise<Invite | undefined> {
		const row = await this.trx
			.selectFrom('invites')
			.selectAll()
			.where('enterprise_id', '=', this.enterpriseID)
			.where(sql`lower(email)`, '=', email.toLowerCase())
			.executeTakeFirst();
		return row && inviteFromRow(row);
	}

	async putInvite(invite: Invite) {
		// An expired invite for the same email makes way for the new one (R5).
		const stale = await this.trx
			.selectFrom('invites')
			.select('id')
			.where('enterprise_id', '=', this.enterpriseID)
			.where(sql`lower(email)`, '=', invite.email.toLowerCase())
			.where('id', '!=', invite.id)
			.execute();
		for (const s of stale) {
			await this.trx
				.deleteFrom('invites')
				.where('id', '=', s.id)
				.where('enterprise_id', '=', this.enterpriseID)
				.execute();
			await this.tombstone('invites', s.id);
		}
		const values = {
			email: invite.email,
			role: invite.role,
			team_ids: JSON.stringify(invite.teamIDs),
			sent_at: invite.sentAt,
			expires_at: invite.expiresAt,
			version: this.version
		};
		const written = await this.trx
			.insertInto('invites')
			.values({
				id: invite.id,
				enterprise_id: this.enterpriseID,
				invited_by: this.actor.userID,
				...values
			})
			// An invite id of another enterprise is never touched (R1).
			.onConflict((oc) =>
				oc.column('id').doUpdateSet(values).where('invites.enterprise_id', '=', this.enterpriseID)
			)
			.executeTakeFirst();
		return Number(written.numInsertedOrUpdatedRows ?? 0) > 0;
	}

	async getInvite(id: string): Promise<Invite | undefined> {
		const row = await this.trx
			.selectFrom('invites')
			.selectAll()
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.executeTakeFirst();
		return row && inviteFromRow(row);
	}

	async deleteInvite(id: string) {
		await this.trx
			.deleteFrom('invites')
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		await this.tombstone('invites', id);
	}

	async audit(action: string, target: string, before: unknown, after: unknown) {
		const row: AuditRow = {
			enterprise_id: this.enterpriseID,
			at: this.now,
			actor_user_id: this.actor.userID,
			actor_kind: this.actor.kind,
			action,
			target,
			before: before == null ? null : JSON.stringify(before),
			after: after == null ? null : JSON.stringify(after),
			queued: this.actor.queued ? 1 : 0
		};
		if (this.auditRows) this.auditRows.push(row);
		else await this.trx.insertInto('audit_log').values(row).execute();
	}

	// Domains (R13–R15).

	/** TXT lookups done before the transaction opened (prefetchTxt). */
	txtLookups = new Map<string, TxtLookup>();

	listDomains() {
		return domainStates(this.trx, this.enterpriseID);
	}

	async addDomain(id: string, domain: string) {
		const written = await this.trx
			.insertInto('domains')
			.values({
				id,
				enterprise_id: this.enterpriseID,
				domain,
				verification_value: newVerificationValue(),
				verified_at: null,
				capture_enabled: 0,
				version: this.version,
				created_at: this.now
			})
			// A domain id of another enterprise is never touched (R1).
			.onConflict((oc) => oc.column('id').doNothing())
			.executeTakeFirst();
		return Number(written.numInsertedOrUpdatedRows ?? 0) > 0;
	}

	async deleteDomain(id: string) {
		await this.trx
			.deleteFrom('domains')
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
		await this.tombstone('domains', id);
	}

	async setDomainVerified(id: string, at: number) {
		await this.updateDomain(id, { verified_at: at, recheck_until: null });
	}

	async setDomainPending(id: string, recheckUntil: number, check: DomainCheck | null) {
		await this.updateDomain(id, {
			recheck_until: recheckUntil,
			...(check && {
				checked_at: check.at,
				check_records: JSON.stringify(check.records),
				check_error: check.error
			})
		});
	}

	async setDomainCapture(id: string, enabled: boolean) {
		await this.updateDomain(id, { capture_enabled: enabled ? 1 : 0 });
	}

	private async updateDomain(
		id: string,
		set: Pick<
			Updateable<DomainTable>,
			| 'verified_at'
			| 'capture_enabled'
			| 'checked_at'
			| 'check_records'
			| 'check_error'
			| 'recheck_until'
		>
	) {
		await this.trx
			.updateTable('domains')
			.set({ ...set, version: this.version })
			.where('id', '=', id)
			.where('enterprise_id', '=', this.enterpriseID)
			.execute();
	}

	async lookupTxt(domain: string): Promise<TxtLookup> {
		// DNS is never asked inside the write lock (a lookup can take seconds), and only within the
		// enterprise's budget (R13): a domain prefetchTxt did not look up is verified on a later try.
		return this.txtLookups.get(domain) ?? { records: [], limited: true };
	}

	async unclaimedUsers(userIDs: string[]): Promise<User[]> {
		if (userIDs.length === 0) return [];
		const [users, domains, licensed] = await Promise.all([
			this.trx
				.selectFrom('users')
				.select(['id', 'email', 'name'])
				.where('id', 'in', userIDs)
				.execute(),
			this.listDomains(),
			this.trx
				.selectFrom('licenses')
				.select('user_id')
				.where('enterprise_id', '=', this.enterpriseID)
				.where('user_id', 'in', userIDs)
				.execute()
		]);
		const roots = domains.filter((d) => d.verifiedAt != null).map((d) => d.domain);
		const held = new Set(licensed.map((l) => l.user_id));
		return users.filter(
			(u) => !held.has(u.id) && isEffectivelyVerified(emailDomain(u.email), roots)
		);
	}
}

/** An invite row as the domain sees it. */
export function inviteFromRow(row: Selectable<InviteTable>): Invite {
	let teamIDs: string[] = [];
	try {
		const parsed: unknown = JSON.parse(row.team_ids);
		if (Array.isArray(parsed)) teamIDs = parsed.filter((t): t is string => typeof t === 'string');
	} catch {
		// a malformed list of teams is treated as none
	}
	return {
		id: row.id,
		email: row.email,
		role: row.role,
		teamIDs,
		sentAt: Number(row.sent_at),
		expiresAt: Number(row.expires_at)
	};
}
