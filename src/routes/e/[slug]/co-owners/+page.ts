import { error } from '@sveltejs/kit';
import { canAccess } from '$lib/domain/roles';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
	const { enterprise } = await parent();
	if (!canAccess(enterprise.role, 'co-owners'))
		error(403, `the ${enterprise.role} role cannot see the co-owners`);
	return {};
};
