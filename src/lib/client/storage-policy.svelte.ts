import { createContext } from 'svelte';
import { effectivePolicy, type StoragePolicy } from '../domain/storage-policy';
import { GLOBAL_POLICY } from './db';
import { FeatureState } from './feature-state.svelte';

/** The storage policy (R17): the global rule, each organization's effective policy, and their changes. */
export class StoragePolicyState extends FeatureState {
	/** The global rule and every organization's effective policy, from the mirror. */
	readonly view = this.live(async (db) => {
		const [orgs, rules] = await Promise.all([
			db.organizations.orderBy('name').toArray(),
			db.storagePolicies.toArray()
		]);
		const byKey = new Map(rules.map((r) => [r.key, r]));
		const global = byKey.get(GLOBAL_POLICY);
		return {
			global: effectivePolicy(global, undefined),
			orgs: orgs.map((o) => ({ ...o, ...effectivePolicy(global, byKey.get(o.id)) }))
		};
	});

	/** The rules (an organization's id, or GLOBAL_POLICY) with a change not confirmed yet. */
	get pendingRules(): Set<string> {
		return new Set(
			this.pending
				.filter((p) => p.name === 'setStoragePolicy' || p.name === 'clearStoragePolicyOverride')
				.map((p) => (p.args as { orgID?: string | null } | null)?.orgID ?? GLOBAL_POLICY)
		);
	}

	/** Sets the global rule (`orgID` null) or an organization's override. */
	set(orgID: string | null, policy: StoragePolicy) {
		return this.run('setStoragePolicy', { orgID, ...policy });
	}

	/** Puts an organization back under the global rule. */
	clearOverride(orgID: string) {
		return this.run('clearStoragePolicyOverride', { orgID });
	}
}

/** Provides and reads the storage policy state of the enterprise's pages. */
export const [getStoragePolicy, setStoragePolicy] = createContext<StoragePolicyState>();
