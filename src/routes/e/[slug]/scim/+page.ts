import { error } from '@sveltejs/kit';
import { canAccess, noAccessMessage } from '$lib/domain/roles';
import type { ScimOverview } from '$lib/domain/scim';
import type { PageLoad } from './$types';

// SCIM settings live on the server only (tokens are secrets): this page reads them online.
export const load: PageLoad = async ({ parent, fetch, depends }) => {
	const { enterprise } = await parent();
	if (!canAccess(enterprise.role, 'scim'))
		error(403, noAccessMessage(enterprise.role, 'SCIM provisioning'));
	depends('roster:scim');
	let res: Response;
	try {
		res = await fetch(`/api/enterprises/${enterprise.id}/scim`);
	} catch {
		error(503, 'SCIM settings need a connection to the server. Reconnect and reload.');
	}
	if (!res.ok) {
		const body = (await res.json().catch(() => null)) as { message?: string } | null;
		error(res.status, body?.message ?? 'could not load the SCIM settings');
	}
	return { scim: (await res.json()) as ScimOverview };
};
