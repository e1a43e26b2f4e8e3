import { json } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { api, ApiError, requireArea } from '$lib/server/http';
import { mayRun } from '$lib/domain/mutations';
import { linkOrigin } from '$lib/server/mail/config';
import { copyInviteLink } from '$lib/server/invites/links';
import type { RequestHandler } from './$types';
import { minutesToWait } from '$lib/server/auth/form';

/**
 * A new link that accepts a pending invite, for the admin to copy and pass on (R5). It signs in an
 * existing account but never creates one or sets a password (only the emailed link does); each one
 * made is audited and an admin may make 30 per 15 minutes.
 */
export const POST: RequestHandler = api(async ({ params, locals, url }) => {
	const member = await requireArea(locals, { id: params.enterpriseID }, 'licenses');
	if (!mayRun(member.role, 'inviteUser'))
		throw new ApiError(403, 'forbidden', `the ${member.role} role cannot invite people`);
	const result = await copyInviteLink(getDb(), {
		enterpriseID: member.id,
		inviteID: params.inviteID,
		userID: locals.user!.id,
		origin: linkOrigin(url.origin)
	});
	if (!result.ok && result.code === 'RATE_LIMITED') {
		throw new ApiError(
			429,
			'rateLimited',
			`Too many invite links were made in a short time. Try again in ${minutesToWait(result.retryAfterSeconds)}.`
		);
	}
	if (!result.ok)
		throw new ApiError(
			404,
			'notFound',
			'this invite is not pending on the server: it expired, was accepted or revoked, or has not synced yet'
		);
	return json({ url: result.link });
});
