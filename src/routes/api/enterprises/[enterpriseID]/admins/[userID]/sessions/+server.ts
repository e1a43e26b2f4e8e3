import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError, requireArea } from '$lib/server/http';
import { personActionRefusal } from '$lib/domain/mutations/permissions';
import { endAdminSessions } from '$lib/server/auth/sessions.service';
import type { RequestHandler } from './$types';

/** The owner ends every session of an admin of the enterprise (R2: the owner manages admins). */
export const DELETE: RequestHandler = api(async ({ locals, params }) => {
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'co-owners');
	// R2, R8: the rule the admins list offers "End sessions" by (the owner's, never on themselves).
	const refused = personActionRefusal(
		{ role: enterprise.role, userID: locals.user!.id },
		'endSessions',
		{ userID: params.userID, email: 'this admin' }
	);
	if (refused?.code === 'NOT_PERMITTED') throw new ApiError(403, 'forbidden', refused.message);
	if (refused) throw new ApiError(409, 'conflict', refused.message);
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
