import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError, requireArea } from '$lib/server/http';
import { canManageCoOwners } from '$lib/domain/roles';
import { endAdminSessions } from '$lib/server/auth/sessions.service';
import type { RequestHandler } from './$types';

/** The owner ends every session of an admin of the enterprise (R2: the owner manages admins). */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'co-owners');
	if (!canManageCoOwners(enterprise.role)) {
		throw new ApiError(403, 'forbidden', "only the owner can end another admin's sessions");
	}
	if (!/^[A-Za-z0-9-]{1,100}$/.test(params.userID)) {
		throw new ApiError(404, 'notFound', 'No admin of this enterprise has that id.');
	}
	const ended = await endAdminSessions(getDb(), enterprise.id, params.userID, {
		userID: locals.user!.id
	});
	if (ended === null)
		throw new ApiError(404, 'notFound', 'No admin of this enterprise has that id.');
	return json({ ok: true, ended });
});
