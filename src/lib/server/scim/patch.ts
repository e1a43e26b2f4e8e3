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

// Names that reach an object's prototype when a library writes through them (scim-patch 0.8.3
// does: `name.__proto__.domain` polluted Object.prototype for the whole process).
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
// Deeper than any SCIM value: a User is at most three levels (emails → item → value).
const MAX_VALUE_DEPTH = 32;

/** The names a path or key is made of: `emails[type eq "work"].value` → emails, type, eq, value. */
function segments(path: string): string[] {
	return path
		.replace(/"(?:[^"\\]|\\.)*"/g, '""')
		.split(/[.[\]\s:"()]+/)
		.filter(Boolean);
}

/** Whether a path or attribute name has a segment that reaches a prototype. */
export function reachesPrototype(path: string): boolean {
	return segments(path).some((s) => FORBIDDEN.has(s.toLowerCase()));
}

/** Whether an attribute name (a key, never a filter) has a word that reaches a prototype. */
export function keyReachesPrototype(key: string): boolean {
	return key.split(/[^\w$]+/).some((w) => FORBIDDEN.has(w.toLowerCase()));
}

const unsafePath = (path: string) =>
	new ScimError(400, `"${path.slice(0, 200)}" is not an attribute Roster supports`, 'invalidPath');

/**
 * Refuses a value holding an attribute name that reaches a prototype, at any depth (iteratively,
 * so a deeply nested value cannot exhaust the stack).
 */
export function assertSafeValue(value: unknown): void {
	const stack: [unknown, number][] = [[value, 0]];
	while (stack.length) {
		const [v, depth] = stack.pop()!;
		if (!v || typeof v !== 'object') continue;
		if (depth > MAX_VALUE_DEPTH) throw syntax('the value is nested too deeply');
		if (Array.isArray(v)) {
			for (const item of v) stack.push([item, depth + 1]);
			continue;
		}
		for (const [k, item] of Object.entries(v)) {
			if (keyReachesPrototype(k)) throw unsafePath(k);
			stack.push([item, depth + 1]);
		}
	}
}

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
		if (typeof o.path === 'string' && reachesPrototype(o.path)) throw unsafePath(o.path);
		assertSafeValue(o.value);
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

const COMPARISON =
	'(?:value|type|primary|display)\\s+(?:pr|(?:eq|ne|co|sw|ew|gt|ge|lt|le)\\s+(?:"(?:[^"\\\\]|\\\\.)*"|true|false|null|-?\\d+(?:\\.\\d+)?))';
/** A value filter on a multi-valued attribute (`type eq "work"`, `primary eq true and …`). */
export const VALUE_FILTER = new RegExp(
	`^\\s*${COMPARISON}(?:\\s+(?:and|or)\\s+${COMPARISON})*\\s*$`,
	'i'
);

/**
 * An object value checked against the sub-attributes an attribute has: known names are kept under
 * their canonical spelling, `ignored` ones dropped, anything else is 400 invalidPath. Values must be
 * strings (or booleans where `booleans` says), or null.
 */
export function subAttributes(
	value: unknown,
	path: string,
	known: ReadonlyMap<string, string>,
	ignored: ReadonlySet<string> = new Set(),
	booleans: ReadonlySet<string> = new Set()
): Record<string, unknown> {
	if (!value || typeof value !== 'object' || Array.isArray(value)) {
		throw new ScimError(400, `the value of ${path} must be an object`, 'invalidValue');
	}
	const out: Record<string, unknown> = {};
	for (const [key, raw] of Object.entries(value)) {
		const lower = key.toLowerCase();
		const name = known.get(lower);
		if (name === undefined) {
			if (ignored.has(lower)) continue;
			throw new ScimError(
				400,
				`"${path}.${key.slice(0, 100)}" is not an attribute Roster supports`,
				'invalidPath'
			);
		}
		const v = booleans.has(lower) ? booleanOf(raw) : raw;
		const ok = v === null || typeof v === (booleans.has(lower) ? 'boolean' : 'string');
		if (!ok) {
			throw new ScimError(
				400,
				`${path}.${name} must be ${booleans.has(lower) ? 'true or false' : 'a string'}`,
				'invalidValue'
			);
		}
		out[name] = v;
	}
	return out;
}
