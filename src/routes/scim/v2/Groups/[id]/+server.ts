import { scimResourceEndpoints } from '$lib/server/scim/endpoint';
import { deleteGroup, getGroup, patchGroup, replaceGroup } from '$lib/server/scim/groups.service';

export const { GET, PUT, PATCH, DELETE, fallback } = scimResourceEndpoints({
	get: getGroup,
	replace: replaceGroup,
	patch: patchGroup,
	remove: deleteGroup
});
