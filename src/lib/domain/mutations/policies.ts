import * as z from 'zod/mini';
import { OK, reject } from './result';
import { define, id } from './define';

/** The storage policy (R17): the global rule and per-organization overrides. */
export const policyMutators = {
	setStoragePolicy: define({
		args: z
			.object({
				orgID: z.nullable(id),
				local: z.boolean(),
				cloud: z.boolean(),
				git: z.boolean()
			})
			.check(
				z.refine((p) => p.local || p.cloud || p.git, {
					error: 'allow at least one storage type, or users cannot create projects'
				})
			),
		area: 'storage',
		async apply(store, { orgID, local, cloud, git }) {
			let target = 'global rule';
			if (orgID !== null) {
				const org = await store.getOrg(orgID);
				if (!org) return reject('NOT_FOUND', 'the organization no longer exists');
				target = org.name;
			}
			const before = await store.getStoragePolicy(orgID);
			const policy = { local, cloud, git };
			if (before && before.local === local && before.cloud === cloud && before.git === git)
				return OK;
			await store.putStoragePolicy(orgID, policy);
			await store.audit('setStoragePolicy', target, before ?? null, policy);
			return OK;
		}
	}),
	clearStoragePolicyOverride: define({
		args: z.object({ orgID: id }),
		area: 'storage',
		async apply(store, { orgID }) {
			const before = await store.getStoragePolicy(orgID);
			if (!before) return OK;
			const org = await store.getOrg(orgID);
			await store.deleteStoragePolicy(orgID);
			await store.audit('clearStoragePolicyOverride', org?.name ?? orgID, before, null);
			return OK;
		}
	})
};
