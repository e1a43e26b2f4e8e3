import { error } from '@sveltejs/kit';
import { canAccess, noAccessMessage } from '$lib/domain/roles';
import type { PageLoad } from './$types';

// Settings read this device and the running build, not the server, so the page opens offline; the
// layout has already checked the session (or the profile kept from it).
export const load: PageLoad = async ({ parent }) => {
	const { enterprise } = await parent();
	if (!canAccess(enterprise.role, 'settings'))
		error(403, noAccessMessage(enterprise.role, 'Settings'));
	return {};
};
