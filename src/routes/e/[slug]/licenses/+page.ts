import { error } from '@sveltejs/kit';
import { canAccess, noAccessMessage } from '$lib/domain/roles';
import type { PageLoad } from './$types';

// The page reads the mirror, so it opens offline; the server checks the role on every API call.
export const load: PageLoad = async ({ parent }) => {
	const { enterprise } = await parent();
	if (!canAccess(enterprise.role, 'licenses'))
		error(403, noAccessMessage(enterprise.role, 'Licenses'));
	return {};
};
