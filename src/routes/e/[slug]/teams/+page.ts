import { error } from '@sveltejs/kit';
import { canAccess, noAccessMessage } from '$lib/domain/roles';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ parent }) => {
	const { enterprise } = await parent();
	if (!canAccess(enterprise.role, 'teams')) error(403, noAccessMessage(enterprise.role, 'Teams'));
	return {};
};
