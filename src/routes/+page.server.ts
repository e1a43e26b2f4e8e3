import { redirect } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { enterprisesOf } from '$lib/server/enterprises.service';
import { canUseConsole } from '$lib/domain/roles';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.user) redirect(303, '/login');
	const enterprises = (await enterprisesOf(getDb(), locals.user.id)).filter((e) =>
		canUseConsole(e.role)
	);
	const first = enterprises[0];
	if (first) redirect(303, `/e/${first.slug}/licenses`);
	return { email: locals.user.email };
};
