import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { Dialect } from '../db/migrations';
import type { MirrorAdmin, MirrorTable, MirrorValue } from '../../domain/sync/tables';
import { lastActiveSql } from '../db/last-active';
import { inviteFromRow } from './sql-store';
import { domainRowsSince, type DomainRowsAt } from '../domains/sql';

/** What a pull reads the mirror's rows with. */
export interface PullScope {
	trx: Transaction<Database>;
	dialect: Dialect;
	enterpriseID: string;
	/** Rows written after this version (-1: every row, seeded ones carry version 0). */
	since: number;
	/** License rows written after this version; null: none (the client pages the roster). */
	licensesSince: number | null;
	/** The client reads Last Active changes as the compact delta, not as whole license rows. */
	activityDelta: boolean;
	/** The database and the enterprise's version the pull reads, for rows pulls may share. */
	at?: DomainRowsAt;
}

/** One row a pull puts into the mirror. */
export interface MirrorPut<T extends MirrorTable> {
	key: string;
	value: MirrorValue<T>;
}

type RowsSince = { [T in MirrorTable]: (scope: PullScope) => Promise<MirrorPut<T>[]> };

/** The server's query for each mirrored table: its rows changed since a pull's cookie. */
export const MIRROR_ROWS: RowsSince = {
	async enterprise({ trx, enterpriseID, since }) {
		const e = await trx
			.selectFrom('enterprises')
			.select(['id', 'name', 'slug', 'seats', 'version', 'report_active_days', 'report_na_days'])
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow();
		if (Number(e.version) <= since) return [];
		// The report's thresholds (R20 decision) travel with the enterprise row.
		const value = {
			id: e.id,
			name: e.name,
			slug: e.slug,
			seats: e.seats,
			activeDays: e.report_active_days,
			naAfterDays: e.report_na_days
		};
		return [{ key: e.id, value }];
	},
	async licenses({ trx, enterpriseID, licensesSince, activityDelta }) {
		if (licensesSince === null) return [];
		const rows = await trx
			.selectFrom('licenses')
			.innerJoin('users', 'users.id', 'licenses.user_id')
			.leftJoin('activity_summary', 'activity_summary.user_id', 'users.id')
			.select([
				'users.id',
				'users.email',
				'users.name',
				'licenses.seq',
				'licenses.source',
				'licenses.created_at as since',
				lastActiveSql().as('lastActiveAt')
			])
			.where('licenses.enterprise_id', '=', enterpriseID)
			.where((eb) =>
				// A client that does not read the compact delta (an older console, its app cached)
				// gets the licenses whose date moved as whole rows, as before it.
				activityDelta || licensesSince < 0
					? eb('licenses.version', '>', licensesSince)
					: eb.or([
							eb('licenses.version', '>', licensesSince),
							eb('licenses.activity_version', '>', licensesSince)
						])
			)
			.execute();
		return rows.map((u) => ({
			key: u.id,
			value: {
				...u,
				seq: Number(u.seq),
				since: Number(u.since),
				lastActiveAt: u.lastActiveAt == null ? null : Number(u.lastActiveAt)
			}
		}));
	},
	async invites({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('invites')
			.selectAll()
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((i) => ({ key: i.id, value: inviteFromRow(i) }));
	},
	async teams({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('teams')
			.select(['id', 'name', 'source'])
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((t) => ({ key: t.id, value: t }));
	},
	async teamMembers({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('team_members')
			.select(['team_id', 'user_id'])
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((m) => ({
			key: `${m.team_id}:${m.user_id}`,
			value: { teamID: m.team_id, userID: m.user_id }
		}));
	},
	async organizations({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('organizations')
			.select(['id', 'name'])
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((o) => ({ key: o.id, value: o }));
	},
	async orgMembers({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('org_members')
			.select(['org_id', 'user_id', 'role'])
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((m) => ({
			key: `${m.org_id}:${m.user_id}`,
			value: { orgID: m.org_id, userID: m.user_id, role: m.role }
		}));
	},
	async teamOrgLinks({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('team_org_links')
			.select(['team_id', 'org_id', 'role'])
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((l) => ({
			key: `${l.team_id}:${l.org_id}`,
			value: { teamID: l.team_id, orgID: l.org_id, role: l.role }
		}));
	},
	// Domains with effective verification and unclaimed counts (R13, R15).
	domains: ({ trx, dialect, enterpriseID, since, at }) =>
		domainRowsSince(trx, dialect, enterpriseID, since, at),
	// Admins with a console role (R2), keyed by lower-case email.
	async admins({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('account_roles')
			.innerJoin('users', 'users.id', 'account_roles.user_id')
			.select(['users.id', 'users.email', 'users.name', 'account_roles.role'])
			.where('account_roles.enterprise_id', '=', enterpriseID)
			.where('account_roles.role', '!=', 'member')
			.where('account_roles.version', '>', since)
			.execute();
		return rows.map((a) => {
			const email = a.email.toLowerCase();
			// Members are left out above: every role here is a console role.
			const role = a.role as MirrorAdmin['role'];
			return { key: email, value: { email, userID: a.id, name: a.name, role } };
		});
	},
	// Storage rules (R17): the global one keyed `global`, overrides by organization.
	async storagePolicies({ trx, enterpriseID, since }) {
		const rows = await trx
			.selectFrom('storage_policies')
			.select(['org_id', 'local', 'cloud', 'git'])
			.where('enterprise_id', '=', enterpriseID)
			.where('version', '>', since)
			.execute();
		return rows.map((p) => {
			const key = p.org_id ?? 'global';
			return {
				key,
				value: { key, orgID: p.org_id, local: !!p.local, cloud: !!p.cloud, git: !!p.git }
			};
		});
	}
};
