import { ScimError } from './errors';

/** Schema URNs of RFC 7643/7644. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** Largest page a list returns; ServiceProviderConfig advertises it. */
export const MAX_PAGE = 1000;

/** Page size when the IdP names none. */
export const DEFAULT_PAGE = 100;

/** What a list request asks for (RFC 7644 §3.4.2). */
export interface ListQuery {
	filter?: string;
	/** 1-based. */
	startIndex: number;
	count: number;
	attributes?: string[];
	excludedAttributes?: string[];
}

function integerParam(url: URL, name: string): number | undefined {
	const raw = url.searchParams.get(name);
	if (raw === null || raw.trim() === '') return undefined;
	if (!/^-?\d{1,12}$/.test(raw.trim())) {
		throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
	}
	return Number(raw.trim());
}

/** Most names an `attributes` or `excludedAttributes` list may hold. */
export const MAX_ATTRIBUTE_NAMES = 100;
/** Longest name in such a list: a fully qualified extension sub-attribute is under 100. */
export const MAX_ATTRIBUTE_NAME_LENGTH = 300;

/**
 * The names of an `attributes` or `excludedAttributes` list, trimmed, blanks left out; undefined
 * when none. Each name is matched against every attribute of every resource returned, so a list
 * holds at most 100 names of at most 300 characters: anything more is a 400 invalidValue.
 */
export function attributeNames(list: readonly string[], field: string): string[] | undefined {
	const out: string[] = [];
	for (const item of list) {
		const name = item.trim();
		if (!name) continue;
		if (out.length === MAX_ATTRIBUTE_NAMES) {
			throw new ScimError(
				400,
				`${field} may list at most ${MAX_ATTRIBUTE_NAMES} attribute names`,
				'invalidValue'
			);
		}
		if (name.length > MAX_ATTRIBUTE_NAME_LENGTH) {
			throw new ScimError(
				400,
				`each name in ${field} must be at most ${MAX_ATTRIBUTE_NAME_LENGTH} characters long`,
				'invalidValue'
			);
		}
		out.push(name);
	}
	return out.length ? out : undefined;
}

function listParam(url: URL, name: string): string[] | undefined {
	const raw = url.searchParams.get(name);
	if (raw === null) return undefined;
	return attributeNames(raw.split(','), name);
}

/** Reads filter, startIndex, count, attributes and excludedAttributes from the query string. */
export function listQuery(url: URL): ListQuery {
	// RFC 7644 §3.4.2.4: startIndex below 1 means 1; a negative count means 0.
	const startIndex = Math.max(1, integerParam(url, 'startIndex') ?? 1);
	const count = Math.min(MAX_PAGE, Math.max(0, integerParam(url, 'count') ?? DEFAULT_PAGE));
	const filter = url.searchParams.get('filter') ?? undefined;
	return {
		filter: filter?.trim() ? filter : undefined,
		startIndex,
		count,
		attributes: listParam(url, 'attributes'),
		excludedAttributes: listParam(url, 'excludedAttributes')
	};
}

/** The attributes and excludedAttributes of a single-resource request. */
export function projection(url: URL): Pick<ListQuery, 'attributes' | 'excludedAttributes'> {
	return {
		attributes: listParam(url, 'attributes'),
		excludedAttributes: listParam(url, 'excludedAttributes')
	};
}

type Json = Record<string, unknown>;

function splitPath(schemaURN: string, path: string): string[] {
	let p = path.trim();
	if (p.toLowerCase().startsWith(schemaURN.toLowerCase() + ':')) p = p.slice(schemaURN.length + 1);
	// An extension's attributes sit under its URN, whose "2.0" is not a path separator.
	const extension = ENTERPRISE_USER_SCHEMA.toLowerCase();
	const lower = p.toLowerCase();
	if (lower === extension) return [extension];
	if (lower.startsWith(extension + ':')) {
		return [extension, ...lower.slice(extension.length + 1).split('.')];
	}
	return lower.split('.');
}

function findKey(obj: Json, lower: string): string | undefined {
	return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

function pick(obj: Json, paths: string[][]): Json {
	const out: Json = {};
	for (const path of paths) {
		const key = findKey(obj, path[0]!);
		if (key === undefined) continue;
		const value = obj[key];
		if (path.length === 1) out[key] = value;
		else if (Array.isArray(value)) {
			out[key] = value.map((v) =>
				v && typeof v === 'object' ? pick(v as Json, [path.slice(1)]) : v
			);
		} else if (value && typeof value === 'object') {
			out[key] = { ...((out[key] as Json) ?? {}), ...pick(value as Json, [path.slice(1)]) };
		}
	}
	return out;
}

function drop(obj: Json, path: string[]): void {
	const key = findKey(obj, path[0]!);
	if (key === undefined) return;
	if (path.length === 1) {
		delete obj[key];
		return;
	}
	const value = obj[key];
	if (Array.isArray(value)) {
		for (const v of value) if (v && typeof v === 'object') drop(v as Json, path.slice(1));
	} else if (value && typeof value === 'object') drop(value as Json, path.slice(1));
}

/** Whether a projection leaves out an attribute (so it need not be loaded). */
export function excludes(
	schemaURN: string,
	p: Pick<ListQuery, 'attributes' | 'excludedAttributes'>,
	attribute: string
): boolean {
	const a = attribute.toLowerCase();
	if (p.attributes) return !p.attributes.some((x) => splitPath(schemaURN, x)[0] === a);
	return !!p.excludedAttributes?.some((x) => {
		const path = splitPath(schemaURN, x);
		return path.length === 1 && path[0] === a;
	});
}

/**
 * Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): `id` and `schemas` always stay;
 * names are case-insensitive and may be fully qualified.
 */
export function project(
	schemaURN: string,
	resource: Json,
	p: Pick<ListQuery, 'attributes' | 'excludedAttributes'>
): Json {
	if (p.attributes) {
		const paths = [['schemas'], ['id'], ...p.attributes.map((a) => splitPath(schemaURN, a))];
		return pick(resource, paths);
	}
	if (p.excludedAttributes) {
		const copy = structuredClone(resource);
		for (const a of p.excludedAttributes) {
			const path = splitPath(schemaURN, a);
			if (path.length === 1 && (path[0] === 'id' || path[0] === 'schemas')) continue;
			drop(copy, path);
		}
		return copy;
	}
	return resource;
}

/** A ListResponse (RFC 7644 §3.4.2). */
export function listResponse(resources: Json[], total: number, startIndex: number): Json {
	return {
		schemas: [LIST_SCHEMA],
		totalResults: total,
		startIndex,
		itemsPerPage: resources.length,
		Resources: resources
	};
}

/** An ISO timestamp for meta. */
export function iso(at: number): string {
	return new Date(at).toISOString();
}

/** Whether a string can be a resource id: short, no control characters (PostgreSQL refuses NUL). */
export function plausibleID(id: string): boolean {
	// eslint-disable-next-line no-control-regex
	return id.length > 0 && id.length <= 200 && !/[\u0000-\u001f\u007f]/.test(id);
}
