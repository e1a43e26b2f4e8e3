import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './errors';
import type { Dialect } from '../db/migrations';

/** How one filterable attribute reads in SQL (on the database's dialect, where that differs). */
export type FilterAttribute =
	| {
			kind: 'string';
			sql: RawBuilder<unknown> | ((dialect: Dialect) => RawBuilder<unknown>);
			caseExact?: boolean;
	  }
	| { kind: 'boolean'; sql: RawBuilder<unknown> }
	| { kind: 'date'; sql: RawBuilder<unknown> }
	/** A constant of a multi-valued attribute's only value (`emails[type eq "work"]`). */
	| { kind: 'constant'; value: string | boolean }
	/** Membership: `members eq "<id>"`, `members.value eq "<id>"`, `members pr`. */
	| { kind: 'members'; has: (id: string) => RawBuilder<unknown>; any: RawBuilder<unknown> };

/** A filterable attribute with its SQL for one dialect. */
type Resolved =
	| Exclude<FilterAttribute, { kind: 'string' }>
	| { kind: 'string'; sql: RawBuilder<unknown>; caseExact?: boolean };

/** The attributes a resource can be filtered by, lower-case names, with its multi-valued ones. */
export interface FilterSchema {
	/** The core schema URN, stripped from fully qualified attribute names. */
	urn: string;
	attributes: Record<string, FilterAttribute>;
	/** `emails[type eq "work" and value co "x"]`: the attributes inside the brackets. */
	valuePaths: Record<string, Record<string, FilterAttribute>>;
}

const MAX_FILTER_LENGTH = 4000;
const MAX_DEPTH = 50;

const invalid = (detail: string) => new ScimError(400, detail, 'invalidFilter');

/** Parses a SCIM filter (RFC 7644 §3.4.2.2); anything malformed is a 400 invalidFilter. */
export function parseFilter(text: string): Filter {
	if (text.length > MAX_FILTER_LENGTH) throw invalid('the filter is too long');
	try {
		return parse(text);
	} catch (err) {
		const why = err instanceof Error ? err.message : String(err);
		throw invalid(`the filter could not be parsed: ${why}`);
	}
}

function likePattern(value: string, where: 'co' | 'sw' | 'ew'): string {
	const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
	return where === 'co' ? `%${escaped}%` : where === 'sw' ? `${escaped}%` : `%${escaped}`;
}

/** `co`, `sw` or `ew` without LIKE, on SQLite: every character literal, case-exact. */
function caseExactMatch(
	col: RawBuilder<unknown>,
	where: 'co' | 'sw' | 'ew',
	value: string
): RawBuilder<SqlBool> {
	if (where === 'co') return sql<SqlBool>`instr(${col}, ${value}) > 0`;
	if (where === 'sw') return sql<SqlBool>`substr(${col}, 1, length(${value})) = ${value}`;
	return sql<SqlBool>`(length(${col}) >= length(${value}) and substr(${col}, length(${col}) - length(${value}) + 1) = ${value})`;
}

function toDate(value: unknown, attr: string): number {
	const at = typeof value === 'string' ? Date.parse(value) : NaN;
	if (!Number.isFinite(at))
		throw invalid(`${attr} compares with a date such as "2025-01-31T00:00:00Z"`);
	return at;
}

function toBoolean(value: unknown, attr: string): boolean {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'string' && /^(true|false)$/i.test(value))
		return value.toLowerCase() === 'true';
	throw invalid(`${attr} compares with true or false`);
}

const SQL_OPS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function compare(
	dialect: Dialect,
	attribute: FilterAttribute,
	name: string,
	op: string,
	value: unknown
): RawBuilder<SqlBool> {
	const attr: Resolved =
		attribute.kind === 'string'
			? {
					...attribute,
					sql: typeof attribute.sql === 'function' ? attribute.sql(dialect) : attribute.sql
				}
			: attribute;
	if (attr.kind === 'constant') {
		if (op === 'pr') return sql<SqlBool>`1 = 1`;
		const holds =
			typeof attr.value === 'boolean'
				? op === 'eq'
					? toBoolean(value, name) === attr.value
					: op === 'ne'
						? toBoolean(value, name) !== attr.value
						: null
				: typeof value !== 'string'
					? null
					: compareStrings(attr.value.toLowerCase(), op, value.toLowerCase());
		if (holds === null) throw invalid(`${name} does not support "${op}"`);
		return holds ? sql<SqlBool>`1 = 1` : sql<SqlBool>`1 = 0`;
	}
	if (attr.kind === 'members') {
		if (op === 'pr') return sql<SqlBool>`${attr.any}`;
		if (op === 'eq' && typeof value === 'string') return sql<SqlBool>`${attr.has(value)}`;
		throw invalid(`${name} supports only "eq" with a user id and "pr"`);
	}
	if (op === 'pr') {
		return attr.kind === 'string'
			? sql<SqlBool>`(${attr.sql} is not null and ${attr.sql} <> '')`
			: sql<SqlBool>`${attr.sql} is not null`;
	}
	if (attr.kind === 'boolean') {
		if (op !== 'eq' && op !== 'ne') throw invalid(`${name} supports only "eq", "ne" and "pr"`);
		const b = toBoolean(value, name) ? 1 : 0;
		return op === 'eq' ? sql<SqlBool>`${attr.sql} = ${b}` : sql<SqlBool>`${attr.sql} <> ${b}`;
	}
	if (attr.kind === 'date') {
		if (!(op in SQL_OPS)) throw invalid(`${name} supports eq, ne, gt, ge, lt, le and pr`);
		const at = toDate(value, name);
		return sql<SqlBool>`${attr.sql} ${sql.raw(SQL_OPS[op as keyof typeof SQL_OPS])} ${at}`;
	}
	if (typeof value !== 'string') {
		if (value === null && (op === 'eq' || op === 'ne')) {
			return op === 'eq'
				? sql<SqlBool>`${attr.sql} is null`
				: sql<SqlBool>`${attr.sql} is not null`;
		}
		throw invalid(`${name} compares with a string`);
	}
	const col = attr.caseExact ? attr.sql : sql`lower(${attr.sql})`;
	const v = attr.caseExact ? value : value.toLowerCase();
	if (op === 'co' || op === 'sw' || op === 'ew') {
		// SQLite's LIKE ignores the case of ASCII letters: a caseExact attribute compares there by
		// position and substring, which are case-exact (PostgreSQL's LIKE already is).
		if (attr.caseExact && dialect === 'sqlite') return caseExactMatch(col, op, v);
		return sql<SqlBool>`${col} like ${likePattern(v, op)} escape '\\'`;
	}
	if (op === 'ne') return sql<SqlBool>`(${attr.sql} is null or ${col} <> ${v})`;
	if (op in SQL_OPS)
		return sql<SqlBool>`${col} ${sql.raw(SQL_OPS[op as keyof typeof SQL_OPS])} ${v}`;
	throw invalid(`unknown operator "${op}"`);
}

function compareStrings(a: string, op: string, b: string): boolean | null {
	switch (op) {
		case 'eq':
			return a === b;
		case 'ne':
			return a !== b;
		case 'co':
			return a.includes(b);
		case 'sw':
			return a.startsWith(b);
		case 'ew':
			return a.endsWith(b);
		case 'gt':
			return a > b;
		case 'ge':
			return a >= b;
		case 'lt':
			return a < b;
		case 'le':
			return a <= b;
		default:
			return null;
	}
}

function attributeName(schema: FilterSchema, path: string): string {
	let name = path.trim();
	const urn = schema.urn.toLowerCase() + ':';
	if (name.toLowerCase().startsWith(urn)) name = name.slice(urn.length);
	return name.toLowerCase();
}

function translate(
	dialect: Dialect,
	schema: FilterSchema,
	attributes: Record<string, FilterAttribute>,
	filter: Filter,
	depth: number
): RawBuilder<SqlBool> {
	if (depth > MAX_DEPTH) throw invalid('the filter nests too deeply');
	switch (filter.op) {
		case 'and':
		case 'or': {
			const parts = filter.filters.map((f) => translate(dialect, schema, attributes, f, depth + 1));
			if (parts.length === 0) throw invalid(`"${filter.op}" needs two expressions`);
			return sql<SqlBool>`(${sql.join(parts, sql.raw(` ${filter.op} `))})`;
		}
		case 'not':
			return sql<SqlBool>`(not ${translate(dialect, schema, attributes, filter.filter, depth + 1)})`;
		case '[]': {
			const name = attributeName(schema, filter.attrPath);
			const inner = schema.valuePaths[name];
			if (!inner || attributes !== schema.attributes) {
				throw invalid(`"${filter.attrPath}" cannot be filtered with [ ]`);
			}
			return translate(dialect, schema, inner, filter.valFilter, depth + 1);
		}
		default: {
			if (!('attrPath' in filter) || typeof filter.attrPath !== 'string') {
				throw invalid('the filter is not a valid expression');
			}
			const name = attributeName(schema, filter.attrPath);
			const attr = attributes[name];
			if (!attr) throw invalid(`"${filter.attrPath}" is not an attribute you can filter by`);
			const value = 'compValue' in filter ? filter.compValue : undefined;
			// eslint-disable-next-line no-control-regex
			if (typeof value === 'string' && /\u0000/.test(value)) {
				throw invalid('the filter value contains a NUL character');
			}
			return compare(dialect, attr, filter.attrPath, filter.op, value);
		}
	}
}

/** Translates a SCIM filter into a SQL condition over a resource's columns; 400 for anything else. */
export function filterToSql(
	schema: FilterSchema,
	text: string,
	dialect: Dialect
): RawBuilder<SqlBool> {
	return translate(dialect, schema, schema.attributes, parseFilter(text), 0);
}
