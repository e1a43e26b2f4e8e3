import type { Db } from './db';
import { ALLOW_ALL, effectivePolicy, type StoragePolicy } from '../domain/storage-policy';

/** What an API client is told about one user in one organization (R16, R17). */
export interface ClientStoragePolicy {
	email: string;
	orgID: string;
	/** Whether the user is managed by the organization's enterprise (holds a license, R3). */
	managed: boolean;
	policy: StoragePolicy;
	/** `unmanaged`: R16, organization policies do not apply; else where the rule comes from. */
	source: 'unmanaged' | 'override' | 'global' | 'default';
}

/**
 * The effective storage policy for a user creating a project in an organization (R17): the
 * organization's override, else the enterprise's global rule, else everything; unmanaged users
 * are not subject to it (R16). Null when the organization does not exist.
 */
export async function clientStoragePolicy(
	{ db }: Db,
	email: string,
	orgID: string
): Promise<ClientStoragePolicy | null> {
	const org = await db
		.selectFrom('organizations')
		.select(['id', 'enterprise_id'])
		.where('id', '=', orgID)
		.executeTakeFirst();
	if (!org) return null;
	const licensed = await db
		.selectFrom('users')
		.innerJoin('licenses', 'licenses.user_id', 'users.id')
		.select('users.id')
		.where('licenses.enterprise_id', '=', org.enterprise_id)
		.where((eb) => eb(eb.fn('lower', ['users.email']), '=', email.toLowerCase()))
		.executeTakeFirst();
	if (!licensed)
		return { email, orgID, managed: false, policy: { ...ALLOW_ALL }, source: 'unmanaged' };
	const rules = await db
		.selectFrom('storage_policies')
		.select(['org_id', 'local', 'cloud', 'git'])
		.where('enterprise_id', '=', org.enterprise_id)
		.where((eb) => eb.or([eb('org_id', 'is', null), eb('org_id', '=', orgID)]))
		.execute();
	const asPolicy = (r: (typeof rules)[number] | undefined) =>
		r && { local: !!r.local, cloud: !!r.cloud, git: !!r.git };
	const { policy, source } = effectivePolicy(
		asPolicy(rules.find((r) => r.org_id === null)),
		asPolicy(rules.find((r) => r.org_id === orgID))
	);
	return { email, orgID, managed: true, policy, source };
}
