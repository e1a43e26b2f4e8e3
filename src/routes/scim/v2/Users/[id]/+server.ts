import { scimResourceEndpoints } from '$lib/server/scim/endpoint';
import { deleteUser, getUser, patchUser, replaceUser } from '$lib/server/scim/users.service';

export const { GET, PUT, PATCH, DELETE, fallback } = scimResourceEndpoints({
	get: getUser,
	replace: replaceUser,
	patch: patchUser,
	remove: deleteUser
});
