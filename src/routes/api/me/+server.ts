import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { enterprisesOf } from '$lib/server/enterprises.service';
import { api, requireUser } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = api(async ({ locals }) => {
	const user = requireUser(locals);
	return json({ user, enterprises: await enterprisesOf(getDb(), user.id) });
});
