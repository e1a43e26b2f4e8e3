import { error } from '@sveltejs/kit';
import { canAccess, noAccessMessage } from '$lib/domain/roles';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
	const { enterprise } = await parent();
	// R17 is the owner's and co-owners' (billing never sees it, R2).
	if (!canAccess(enterprise.role, 'storage'))
		error(403, noAccessMessage(enterprise.role, 'the storage policy'));
	return {};
};
