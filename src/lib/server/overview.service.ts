import { sql } from 'kysely';
import type { Db } from './db';
import { isEffectivelyVerified } from '../domain/domains';

/** Teams with their member counts and organization links (R10). */
export async function listTeams({ db }: Db, enterpriseID: string) {
	const [teams, links] = await Promise.all([
		db
			.selectFrom('teams')
			.leftJoin('team_members', 'team_members.team_id', 'teams.id')
			.select(['teams.id', 'teams.name', 'teams.source'])
			.select((eb) => eb.fn.count<number>('team_members.user_id').as('members'))
			.where('teams.enterprise_id', '=', enterpriseID)
			.groupBy(['teams.id', 'teams.name', 'teams.source'])
			.orderBy('teams.name')
			.execute(),
		db
			.selectFrom('team_org_links')
			.innerJoin('organizations', 'organizations.id', 'team_org_links.org_id')
			.select(['team_org_links.team_id', 'organizations.name as org', 'team_org_links.role'])
			.where('team_org_links.enterprise_id', '=', enterpriseID)
			.orderBy('organizations.name')
			.execute()
	]);
	return teams.map((t) => ({
		...t,
		members: Number(t.members),
		links: links.filter((l) => l.team_id === t.id).map((l) => ({ org: l.org, role: l.role }))
	}));
}

/** Organizations with direct member counts and the teams linked to them (R9, R10). */
export async function listOrganizations({ db }: Db, enterpriseID: string) {
	const [orgs, links] = await Promise.all([
		db
			.selectFrom('organizations')
			.leftJoin('org_members', 'org_members.org_id', 'organizations.id')
			.select(['organizations.id', 'organizations.name'])
			.select((eb) => eb.fn.count<number>('org_members.user_id').as('directMembers'))
			.where('organizations.enterprise_id', '=', enterpriseID)
			.groupBy(['organizations.id', 'organizations.name'])
			.orderBy('organizations.name')
			.execute(),
		db
			.selectFrom('team_org_links')
			.innerJoin('teams', 'teams.id', 'team_org_links.team_id')
			.select(['team_org_links.org_id', 'teams.name as team', 'team_org_links.role'])
			.where('team_org_links.enterprise_id', '=', enterpriseID)
			.orderBy('teams.name')
			.execute()
	]);
	return orgs.map((o) => ({
		...o,
		directMembers: Number(o.directMembers),
		teams: links.filter((l) => l.org_id === o.id).map((l) => ({ team: l.team, role: l.role }))
	}));
}

/** Domains with their state and unclaimed-account counts, subdomains included (R13, R15). */
export async function listDomains({ db }: Db, enterpriseID: string) {
	const domains = await db
		.selectFrom('domains')
		.select(['id', 'domain', 'verification_value', 'verified_at', 'capture_enabled'])
		.where('enterprise_id', '=', enterpriseID)
		.orderBy('domain')
		.execute();
	// R13: verifying a root verifies its subdomains. R3: only a verified domain reveals who is on
	// it, so an unverified one counts nobody.
	const roots = domains.filter((d) => d.verified_at != null).map((d) => d.domain);
	const verified = domains.map((d) => isEffectivelyVerified(d.domain, roots));
	const counts = await Promise.all(
		domains.map((d, i) =>
			!verified[i]
				? { n: 0 }
				: db
						.selectFrom('users')
						.select((eb) => eb.fn.countAll<number>().as('n'))
						.where((eb) =>
							eb.or([
								eb(sql`lower(users.email)`, 'like', `%@${d.domain}`),
								eb(sql`lower(users.email)`, 'like', `%@%.${d.domain}`)
							])
						)
						.where(({ not, exists, selectFrom }) =>
							not(
								exists(
									selectFrom('licenses')
										.select('licenses.user_id')
										.whereRef('licenses.user_id', '=', 'users.id')
										.where('licenses.enterprise_id', '=', enterpriseID)
								)
							)
						)
						.executeTakeFirstOrThrow()
		)
	);
	return domains.map((d, i) => ({
		id: d.id,
		domain: d.domain,
		verificationValue: d.verification_value,
		verified: verified[i] ?? false,
		captureEnabled: d.capture_enabled === 1,
		unclaimed: Number(counts[i]?.n ?? 0)
	}));
}

/** The global storage rule and every organization's override (R17). */
export async function listStoragePolicies({ db }: Db, enterpriseID: string) {
	const rows = await db
		.selectFrom('organizations')
		.leftJoin('storage_policies', (j) =>
			j.onRef('storage_policies.org_id', '=', 'organizations.id')
		)
		.select([
			'organizations.id',
			'organizations.name',
			'storage_policies.local',
			'storage_policies.cloud',
			'storage_policies.git'
		])
		.where('organizations.enterprise_id', '=', enterpriseID)
		.orderBy('organizations.name')
		.execute();
	const global = await db
		.selectFrom('storage_policies')
		.select(['local', 'cloud', 'git'])
		.where('enterprise_id', '=', enterpriseID)
		.where('org_id', 'is', null)
		.executeTakeFirst();
	// R17: everything is allowed until a rule says otherwise.
	const base = { local: global?.local ?? 1, cloud: global?.cloud ?? 1, git: global?.git ?? 1 };
	return {
		global: { local: base.local === 1, cloud: base.cloud === 1, git: base.git === 1 },
		orgs: rows.map((r) => {
			const overridden = r.local != null;
			const eff = overridden ? { local: r.local, cloud: r.cloud, git: r.git } : base;
			return {
				id: r.id,
				name: r.name,
				overridden,
				local: eff.local === 1,
				cloud: eff.cloud === 1,
				git: eff.git === 1
			};
		})
	};
}

/** The enterprise's console roles: owner, co-owners and billing (R2). */
export async function listAdmins({ db }: Db, enterpriseID: string) {
	return db
		.selectFrom('account_roles')
		.innerJoin('users', 'users.id', 'account_roles.user_id')
		.select([
			'users.id',
			'users.email',
			'users.name',
			'account_roles.role',
			'account_roles.created_at'
		])
		.where('account_roles.enterprise_id', '=', enterpriseID)
		.where('account_roles.role', '!=', 'member')
		.orderBy(sql`case account_roles.role when 'owner' then 0 when 'co-owner' then 1 else 2 end`)
		.orderBy('users.email')
		.execute();
}

/** The newest audit entries (R24). */
export async function listAudit({ db }: Db, enterpriseID: string, limit = 100) {
	return db
		.selectFrom('audit_log')
		.leftJoin('users', 'users.id', 'audit_log.actor_user_id')
		.select([
			'audit_log.id',
			'audit_log.at',
			'audit_log.actor_kind',
			'users.email as actor',
			'audit_log.action',
			'audit_log.target',
			'audit_log.queued'
		])
		.where('audit_log.enterprise_id', '=', enterpriseID)
		.orderBy('audit_log.id', 'desc')
		.limit(limit)
		.execute();
}
