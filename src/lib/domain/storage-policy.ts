/** Project storage types an API client may create (R17). */
export interface StoragePolicy {
	local: boolean;
	cloud: boolean;
	git: boolean;
}

/** R17: all three are allowed until a rule says otherwise. */
export const ALLOW_ALL: StoragePolicy = { local: true, cloud: true, git: true };

/** Where an organization's effective policy comes from. */
export type PolicySource = 'override' | 'global' | 'default';

/**
 * The effective storage policy of an organization (R17): its override when it has one, else the
 * enterprise's global rule, else everything allowed.
 */
export function effectivePolicy(
	global: StoragePolicy | undefined,
	override: StoragePolicy | undefined
): { policy: StoragePolicy; source: PolicySource } {
	if (override) return { policy: pick(override), source: 'override' };
	if (global) return { policy: pick(global), source: 'global' };
	return { policy: { ...ALLOW_ALL }, source: 'default' };
}

function pick(p: StoragePolicy): StoragePolicy {
	return { local: p.local, cloud: p.cloud, git: p.git };
}
