import { error } from '@sveltejs/kit';
import { canAccess, noAccessMessage } from '$lib/domain/roles';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
	const { enterprise } = await parent();
	// R9: organizations are the owner's and co-owners' (billing never sees them, R2).
	if (!canAccess(enterprise.role, 'organizations'))
		error(403, noAccessMessage(enterprise.role, 'Organizations'));
	return {};
};
