import { getDb } from '$lib/server/db';
import { enterprisesOf } from '$lib/server/enterprises.service';
import { requirePageArea } from '$lib/server/pages';
import { canUseConsole } from '$lib/domain/roles';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, url, params }) => {
	// Settings is the one area every console role has; each page checks its own area as well.
	const enterprise = await requirePageArea(locals, url, params.slug, 'settings');
	const user = locals.user!;
	const enterprises = (await enterprisesOf(getDb(), user.id)).filter((e) => canUseConsole(e.role));
	return { enterprise, enterprises, user };
};
