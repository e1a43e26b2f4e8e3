import { ScimError, scimJson } from './errors';
import { attributeNames, DEFAULT_PAGE, listResponse, MAX_PAGE, type ListQuery } from './resource';
import { listUsers, queryUsers } from './users.service';
import { listGroups, queryGroups } from './groups.service';
import type { ScimContext } from './endpoint';

/** The schema URN of a search body (RFC 7644 §3.4.3). */
export const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

type Json = Record<string, unknown>;

function names(value: unknown, field: string): string[] | undefined {
	if (value === undefined || value === null) return undefined;
	const list = typeof value === 'string' ? value.split(',') : value;
	if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
		throw new ScimError(400, `${field} must be a list of attribute names`, 'invalidValue');
	}
	return attributeNames(list as string[], field);
}

function integer(value: unknown, field: string): number | undefined {
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
		throw new ScimError(400, `${field} must be an integer`, 'invalidValue');
	}
	return value;
}

/**
 * Reads a SearchRequest body (RFC 7644 §3.4.3) into the same query a GET list takes: filter,
 * startIndex, count, attributes, excludedAttributes. Sorting is not supported (the
 * ServiceProviderConfig says so), so sortBy and sortOrder are ignored as in a GET.
 */
export function searchQuery(body: unknown): ListQuery {
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw new ScimError(400, 'the body must be a SearchRequest object', 'invalidSyntax');
	}
	const b: Json = {};
	for (const [k, v] of Object.entries(body)) b[k.toLowerCase()] = v;
	if (
		b.schemas !== undefined &&
		!(Array.isArray(b.schemas) && b.schemas.some((s) => s === SEARCH_SCHEMA))
	) {
		throw new ScimError(400, `"schemas" must hold ${SEARCH_SCHEMA}`, 'invalidValue');
	}
	if (b.filter !== undefined && b.filter !== null && typeof b.filter !== 'string') {
		throw new ScimError(400, 'filter must be a string', 'invalidFilter');
	}
	const filter = typeof b.filter === 'string' && b.filter.trim() ? b.filter : undefined;
	return {
		filter,
		// RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0.
		startIndex: Math.max(1, integer(b.startindex, 'startIndex') ?? 1),
		count: Math.min(MAX_PAGE, Math.max(0, integer(b.count, 'count') ?? DEFAULT_PAGE)),
		attributes: names(b.attributes, 'attributes'),
		excludedAttributes: names(b.excludedattributes, 'excludedAttributes')
	};
}

/** `POST /Users/.search`. */
export function searchUsers(ctx: ScimContext, body: unknown): Promise<Response> {
	return listUsers(ctx, searchQuery(body));
}

/** `POST /Groups/.search`. */
export function searchGroups(ctx: ScimContext, body: unknown): Promise<Response> {
	return listGroups(ctx, searchQuery(body));
}

async function orNothing<T>(run: () => Promise<T>): Promise<T | ScimError> {
	try {
		return await run();
	} catch (err) {
		if (err instanceof ScimError && err.scimType === 'invalidFilter') return err;
		throw err;
	}
}

/**
 * `POST /.search` (RFC 7644 §3.4.3): Users then Groups, each sorted by id, paged as one list. A
 * filter on an attribute only one of them has matches none of the other; one that neither can
 * take is a 400 invalidFilter.
 */
export async function searchAll(ctx: ScimContext, body: unknown): Promise<Response> {
	const query = searchQuery(body);
	const skip = query.startIndex - 1;
	const users = await orNothing(() => queryUsers(ctx, query, skip, query.count));
	const usersFound = users instanceof ScimError ? { total: 0, resources: [] } : users;
	const groups = await orNothing(() =>
		queryGroups(
			ctx,
			query,
			Math.max(0, skip - usersFound.total),
			query.count - usersFound.resources.length
		)
	);
	if (users instanceof ScimError && groups instanceof ScimError) throw users;
	const groupsFound = groups instanceof ScimError ? { total: 0, resources: [] } : groups;
	return scimJson(
		listResponse(
			[...usersFound.resources, ...groupsFound.resources],
			usersFound.total + groupsFound.total,
			query.startIndex
		)
	);
}
