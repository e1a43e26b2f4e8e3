import { ScimError } from './errors';

/** One PATCH operation after the IdPs' quirks are normalised (RFC 7644 §3.5.2). */
export interface PatchOp {
	op: 'add' | 'remove' | 'replace';
	path?: string;
	value?: unknown;
}

const MAX_OPERATIONS = 1000;
const OPS = new Set(['add', 'remove', 'replace']);
const BOOLEAN_ATTRIBUTES = new Set(['active', 'primary']);
// Attributes carried on the resource itself rather than the data model; an IdP's copy is ignored.
const READ_ONLY = new Set(['id', 'schemas', 'meta']);

const syntax = (detail: string) => new ScimError(400, detail, 'invalidSyntax');

/** Entra sends booleans as "True"/"False" strings; the RFC wants JSON booleans. */
function booleanOf(value: unknown): unknown {
	if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
		return value.trim().toLowerCase() === 'true';
	}
	return value;
}

function lastSegment(path: string): string {
	const bare = path.replace(/\[.*\]/, '');
	return bare.split('.').pop()!.toLowerCase();
}

function fixBooleans(path: string, value: unknown): unknown {
	if (BOOLEAN_ATTRIBUTES.has(lastSegment(path))) return booleanOf(value);
	if (Array.isArray(value)) {
		return value.map((v) =>
			v && typeof v === 'object' && !Array.isArray(v)
				? fixObjectBooleans(v as Record<string, unknown>)
				: v
		);
	}
	return value;
}

function fixObjectBooleans(obj: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(obj)) {
		out[k] = BOOLEAN_ATTRIBUTES.has(k.toLowerCase()) ? booleanOf(v) : v;
	}
	return out;
}

/** Strips the resource's own core schema URN from a path; other URNs are left for the caller. */
function stripCore(path: string, coreURN: string): string {
	const p = path.trim();
	return p.toLowerCase().startsWith(coreURN.toLowerCase() + ':') ? p.slice(coreURN.length + 1) : p;
}

/**
 * Reads a PatchOp body and normalises what Okta and Entra send: capitalised `op` ("Replace"),
 * "True"/"False" strings, pathless add/replace with dotted keys (`name.givenName`), the core or an
 * extension URN as keys, Okta's `id` beside a pathless rename. Pathless values become one operation
 * per attribute (objects one level down, as RFC 7644 §3.5.2.3 merges sub-attributes), so what
 * follows sees only `{op, path, value}`.
 */
export function normalisePatch(body: unknown, coreURN: string): PatchOp[] {
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw syntax('the body must be a PatchOp object');
	}
	const record = body as Record<string, unknown>;
	const operations = record.Operations ?? record.operations;
	if (!Array.isArray(operations) || operations.length === 0) {
		throw syntax('a PatchOp needs a non-empty "Operations" array');
	}
	if (operations.length > MAX_OPERATIONS) {
		throw new ScimError(413, `at most ${MAX_OPERATIONS} operations per request`, 'tooMany');
	}
	const out: PatchOp[] = [];
	for (const raw of operations) {
		if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
			throw syntax('each operation must be an object');
		}
		const o = raw as Record<string, unknown>;
		const opName = typeof o.op === 'string' ? o.op.trim().toLowerCase() : '';
		if (!OPS.has(opName))
			throw syntax(`"op" must be add, remove or replace (got ${JSON.stringify(o.op)})`);
		const op = opName as PatchOp['op'];
		if (o.path !== undefined && o.path !== null && typeof o.path !== 'string') {
			throw new ScimError(400, '"path" must be a string', 'invalidPath');
		}
		const path =
			typeof o.path === 'string' && o.path.trim() ? stripCore(o.path, coreURN) : undefined;
		if (path !== undefined) {
			out.push({ op, path, value: fixBooleans(path, o.value) });
			continue;
		}
		if (op === 'remove') throw new ScimError(400, 'a remove operation needs a "path"', 'noTarget');
		if (!o.value || typeof o.value !== 'object' || Array.isArray(o.value)) {
			throw new ScimError(
				400,
				'an operation without "path" needs an object "value"',
				'invalidValue'
			);
		}
		for (const [rawKey, value] of Object.entries(o.value as Record<string, unknown>)) {
			const key = stripCore(rawKey, coreURN);
			if (READ_ONLY.has(key.toLowerCase())) continue;
			if (
				value &&
				typeof value === 'object' &&
				!Array.isArray(value) &&
				!key.toLowerCase().startsWith('urn:')
			) {
				// `{"name": {"givenName": "x"}}` sets givenName and leaves familyName alone.
				for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
					const subPath = `${key}.${sub}`;
					out.push({ op, path: subPath, value: fixBooleans(subPath, subValue) });
				}
				continue;
			}
			out.push({ op, path: key, value: fixBooleans(key, value) });
		}
	}
	return out;
}

/** The attribute an operation's path starts at, lower-case (`emails[type eq "work"].value` → emails). */
export function rootAttribute(path: string): string {
	return path.split(/[.[]/)[0]!.trim().toLowerCase();
}

/** Whether a path names an extension schema (`urn:…`) rather than a core attribute. */
export function isExtensionPath(path: string): boolean {
	return path.trim().toLowerCase().startsWith('urn:');
}
