import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError, requireArea } from '$lib/server/http';
import { mayRun } from '$lib/domain/mutations';
import { linkOrigin } from '$lib/server/mail/config';
import { inviteLink } from '$lib/server/invites/links';
import type { RequestHandler } from './$types';

/** A new link that accepts a pending invite, for the admin to copy and pass on (R5). */
export const POST: RequestHandler = api(async ({ params, locals, url }) => {
	const member = await requireArea(locals, { id: params.enterpriseID }, 'licenses');
	if (!mayRun(member.role, 'inviteUser'))
		throw new ApiError(403, 'forbidden', `the ${member.role} role cannot invite people`);
	const link = await inviteLink(getDb(), member.id, params.inviteID, linkOrigin(url.origin));
	if (!link)
		throw new ApiError(
			404,
			'notFound',
			'this invite is not pending on the server: it expired, was accepted or revoked, or has not synced yet'
		);
	return json({ url: link });
});
