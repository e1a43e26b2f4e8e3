import { error, redirect } from '@sveltejs/kit';
import { ApiError, requireArea } from './http';
import type { ConsoleArea } from '../domain/roles';
import type { EnterpriseMembership } from './enterprises.service';

/** For page loads: the caller's membership for an area, or a redirect to sign in / an error page. */
export async function requirePageArea(
	locals: App.Locals,
	url: URL,
	slug: string,
	area: ConsoleArea
): Promise<EnterpriseMembership> {
	if (!locals.user) redirect(303, `/login?next=${encodeURIComponent(url.pathname + url.search)}`);
	try {
		return await requireArea(locals, { slug }, area);
	} catch (err) {
		if (err instanceof ApiError && err.code === 'signInRequired') {
			error(401, { message: err.message, signIn: url.pathname + url.search });
		}
		if (err instanceof ApiError) error(err.status, err.message);
		throw err;
	}
}
