import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { parse } from 'scim2-parse-filter';
import { scimPatch } from 'scim-patch';
import type { Database } from '../db/schema';
import { hasControlCharacter, nameKey, NO_CONTROL_CHARACTERS } from '../../domain/text';
import { ScimError, scimJson } from './errors';
import { filterToSql, type FilterAttribute, type FilterSchema } from './filter';
import {
	excludes,
	GROUP_SCHEMA,
	iso,
	plausibleID,
	listResponse,
	project,
	projection,
	type ListQuery
} from './resource';
import { isExtensionPath, normalisePatch, rootAttribute, type PatchOp } from './patch';
import { scimWrite, type ScimWrite } from './write';
import { tombstone, tombstoneSelected } from '../sync/tombstones';
import { usersInEnterprise } from './users.service';
import type { ScimContext } from './endpoint';

type Q = Kysely<Database> | Transaction<Database>;
type Json = Record<string, unknown>;

const MEMBERS: FilterAttribute = {
	kind: 'members',
	has: (id) =>
		sql`exists (select 1 from team_members tm where tm.team_id = t.id and tm.user_id = ${id})`,
	any: sql`exists (select 1 from team_members tm where tm.team_id = t.id)`
};

/** What Groups can be filtered by. */
export const GROUP_FILTERS: FilterSchema = {
	urn: GROUP_SCHEMA,
	attributes: {
		id: { kind: 'string', sql: sql.ref('t.id'), caseExact: true },
		displayname: { kind: 'string', sql: sql.ref('t.name') },
		externalid: { kind: 'string', sql: sql.ref('t.external_id'), caseExact: true },
		members: MEMBERS,
		'members.value': MEMBERS,
		'meta.created': { kind: 'date', sql: sql.ref('t.created_at') },
		'meta.lastmodified': { kind: 'date', sql: sql`coalesce(t.updated_at, t.created_at)` }
	},
	valuePaths: { members: { value: MEMBERS } }
};

// Rows per statement: well under both engines' bound-parameter limits.
const CHUNK = 500;

interface GroupRow {
	id: string;
	name: string;
	external_id: string | null;
	created_at: number;
	updated_at: number | null;
}

/** Groups are the enterprise's teams provisioned by SCIM (R10, R22); manual teams stay out of reach. */
function groupsOf(q: Q, enterpriseID: string) {
	return q
		.selectFrom('teams as t')
		.where('t.enterprise_id', '=', enterpriseID)
		.where('t.source', '=', 'scim');
}

function selectGroup(q: Q, enterpriseID: string) {
	return groupsOf(q, enterpriseID).select([
		't.id',
		't.name',
		't.external_id',
		't.created_at',
		't.updated_at'
	]);
}

async function findGroup(q: Q, enterpriseID: string, id: string): Promise<GroupRow | undefined> {
	if (!plausibleID(id)) return undefined;
	return selectGroup(q, enterpriseID).where('t.id', '=', id).executeTakeFirst();
}

async function membersOf(q: Q, teamIDs: string[]) {
	const byTeam = new Map<string, { value: string; display: string }[]>();
	for (let i = 0; i < teamIDs.length; i += CHUNK) {
		const rows = await q
			.selectFrom('team_members as tm')
			.innerJoin('users as u', 'u.id', 'tm.user_id')
			.select(['tm.team_id', 'tm.user_id', 'u.email'])
			.where('tm.team_id', 'in', teamIDs.slice(i, i + CHUNK))
			.orderBy('tm.user_id')
			.execute();
		for (const r of rows) {
			let list = byTeam.get(r.team_id);
			if (!list) byTeam.set(r.team_id, (list = []));
			list.push({ value: r.user_id, display: r.email });
		}
	}
	return byTeam;
}

function groupResource(
	row: GroupRow,
	baseURL: string,
	members: { value: string; display: string }[] | undefined
): Json {
	const resource: Json = {
		schemas: [GROUP_SCHEMA],
		id: row.id,
		displayName: row.name
	};
	if (row.external_id) resource.externalId = row.external_id;
	if (members) {
		resource.members = members.map((m) => ({
			...m,
			type: 'User',
			$ref: `${baseURL}/Users/${m.value}`
		}));
	}
	resource.meta = {
		resourceType: 'Group',
		created: iso(Number(row.created_at)),
		lastModified: iso(Number(row.updated_at ?? row.created_at)),
		location: `${baseURL}/Groups/${row.id}`
	};
	return resource;
}

/** One page of Groups matching a query's filter, with the total that match (as queryUsers). */
export async function queryGroups(
	ctx: ScimContext,
	query: ListQuery,
	skip = query.startIndex - 1,
	take = query.count
): Promise<{ total: number; resources: Json[] }> {
	const { db } = ctx.database;
	const where = query.filter
		? filterToSql(GROUP_FILTERS, query.filter, ctx.database.dialect)
		: sql<boolean>`1 = 1`;
	const total = await groupsOf(db, ctx.enterpriseID)
		.where(where)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.executeTakeFirstOrThrow();
	const rows =
		take <= 0
			? []
			: await selectGroup(db, ctx.enterpriseID)
					.where(where)
					.orderBy('t.id')
					.limit(take)
					.offset(skip)
					.execute();
	const withMembers = !excludes(GROUP_SCHEMA, query, 'members');
	const members = withMembers
		? await membersOf(
				db,
				rows.map((r) => r.id)
			)
		: undefined;
	const resources = rows.map((r) =>
		project(
			GROUP_SCHEMA,
			groupResource(r, ctx.baseURL, members ? (members.get(r.id) ?? []) : undefined),
			query
		)
	);
	return { total: Number(total.n), resources };
}

/**
 * `GET /Groups` and `POST /Groups/.search`: filter and page; members unless excluded (Entra asks
 * without them).
 */
export async function listGroups(ctx: ScimContext, query: ListQuery): Promise<Response> {
	const { total, resources } = await queryGroups(ctx, query);
	return scimJson(listResponse(resources, total, query.startIndex));
}

async function respondWithGroup(ctx: ScimContext, id: string, status: number): Promise<Response> {
	const { db } = ctx.database;
	const row = await findGroup(db, ctx.enterpriseID, id);
	if (!row) throw notFound(id);
	const p = projection(ctx.url);
	const members = excludes(GROUP_SCHEMA, p, 'members')
		? undefined
		: ((await membersOf(db, [id])).get(id) ?? []);
	const resource = groupResource(row, ctx.baseURL, members);
	return scimJson(project(GROUP_SCHEMA, resource, p), status, {
		location: `${ctx.baseURL}/Groups/${id}`
	});
}

/** `GET /Groups/:id`. */
export function getGroup(ctx: ScimContext, id: string): Promise<Response> {
	return respondWithGroup(ctx, id, 200);
}

function notFound(id: string) {
	return new ScimError(404, `Group ${id.slice(0, 100)} not found`);
}

function displayNameOf(value: unknown): string {
	if (typeof value !== 'string')
		throw new ScimError(400, 'displayName must be a string', 'invalidValue');
	// A group is a team (R26): its name never holds a control character (PostgreSQL cannot store NUL).
	if (hasControlCharacter(value)) {
		throw new ScimError(400, `displayName ${NO_CONTROL_CHARACTERS}`, 'invalidValue');
	}
	const name = value.trim();
	if (!name) throw new ScimError(400, 'displayName is required', 'invalidValue');
	if (name.length > 100)
		throw new ScimError(400, 'displayName is longer than 100 characters', 'invalidValue');
	return name;
}

function externalIdOf(value: unknown): string | null {
	if (value === undefined || value === null || value === '') return null;
	if (typeof value !== 'string' || value.length > 255) {
		throw new ScimError(
			400,
			'externalId must be a string of at most 255 characters',
			'invalidValue'
		);
	}
	if (hasControlCharacter(value)) {
		throw new ScimError(400, `externalId ${NO_CONTROL_CHARACTERS}`, 'invalidValue');
	}
	return value;
}

// The sub-attributes of a member (RFC 7643 §4.2); Roster reads only `value`.
const MEMBER_KEYS = new Set(['value', 'display', '$ref', 'type']);

/** Member ids from `[{value}]`, `{value}` or `["id"]`. */
function memberValues(value: unknown): string[] {
	if (value === undefined || value === null) return [];
	const list = Array.isArray(value) ? value : [value];
	return list.map((m) => {
		const id =
			typeof m === 'string' ? m : m && typeof m === 'object' ? (m as Json).value : undefined;
		if (typeof id !== 'string' || !id) {
			throw new ScimError(400, 'each member needs a "value" with the user id', 'invalidValue');
		}
		if (typeof m === 'object') {
			const unknown = Object.keys(m as Json).find((k) => !MEMBER_KEYS.has(k.toLowerCase()));
			if (unknown !== undefined) {
				throw new ScimError(
					400,
					`"members.${unknown.slice(0, 100)}" is not an attribute Roster supports`,
					'invalidPath'
				);
			}
		}
		return id;
	});
}

/** `members[value eq "a"]`, or several joined by `or`: the ids it selects. */
function idsOfMemberFilter(path: string): string[] {
	const open = path.indexOf('[');
	const close = path.lastIndexOf(']');
	if (open < 0 || close < open || path.slice(close + 1).trim() !== '') {
		throw new ScimError(400, `"${path}" is not a members path Roster supports`, 'invalidPath');
	}
	let filter;
	try {
		filter = parse(path.slice(open + 1, close));
	} catch {
		throw new ScimError(400, `the filter in "${path}" could not be parsed`, 'invalidFilter');
	}
	const ids: string[] = [];
	const walk = (f: typeof filter): void => {
		if (f.op === 'or') f.filters.forEach(walk);
		else if (
			f.op === 'eq' &&
			f.attrPath.toLowerCase() === 'value' &&
			typeof f.compValue === 'string'
		) {
			ids.push(f.compValue);
		} else {
			throw new ScimError(400, 'a members filter may only match value eq "<id>"', 'invalidFilter');
		}
	};
	walk(filter);
	return ids;
}

/** Adds members as rows (no whole-group rewrite); unknown users are a 400. */
async function addMembers(w: ScimWrite, teamID: string, requested: string[]): Promise<string[]> {
	const ids = [...new Set(requested)];
	if (ids.length === 0) return [];
	const known = await usersInEnterprise(w.trx, w.enterpriseID, ids);
	const unknown = ids.filter((id) => !known.has(id));
	if (unknown.length) {
		throw new ScimError(
			400,
			`no User with id ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} in this enterprise`,
			'invalidValue'
		);
	}
	const added: string[] = [];
	for (let i = 0; i < ids.length; i += CHUNK) {
		const chunk = ids.slice(i, i + CHUNK);
		const present = new Set(
			(
				await w.trx
					.selectFrom('team_members')
					.select('user_id')
					.where('team_id', '=', teamID)
					.where('user_id', 'in', chunk)
					.execute()
			).map((r) => r.user_id)
		);
		const fresh = chunk.filter((id) => !present.has(id));
		if (fresh.length === 0) continue;
		await w.trx
			.insertInto('team_members')
			.values(
				fresh.map((user_id) => ({
					team_id: teamID,
					user_id,
					enterprise_id: w.enterpriseID,
					version: w.version
				}))
			)
			.execute();
		added.push(...fresh);
	}
	return added;
}

/** Removes members as rows, each leaving a tombstone for the consoles. */
async function removeMembers(w: ScimWrite, teamID: string, requested: string[]): Promise<number> {
	const ids = [...new Set(requested)].filter(plausibleID);
	let removed = 0;
	for (let i = 0; i < ids.length; i += CHUNK) {
		const chunk = ids.slice(i, i + CHUNK);
		await tombstoneSelected(w, 'teamMembers', (columns) =>
			w.trx
				.selectFrom('team_members as tm')
				.select(columns(sql<string>`tm.team_id || ':' || tm.user_id`))
				.where('tm.team_id', '=', teamID)
				.where('tm.user_id', 'in', chunk)
		);
		const res = await w.trx
			.deleteFrom('team_members')
			.where('team_id', '=', teamID)
			.where('user_id', 'in', chunk)
			.executeTakeFirst();
		removed += Number(res.numDeletedRows);
	}
	return removed;
}

/** Makes the members exactly `requested`: only the difference is written. */
async function replaceMembers(w: ScimWrite, teamID: string, requested: string[]) {
	const wanted = new Set(requested);
	const current = (
		await w.trx.selectFrom('team_members').select('user_id').where('team_id', '=', teamID).execute()
	).map((r) => r.user_id);
	const have = new Set(current);
	const removed = await removeMembers(
		w,
		teamID,
		current.filter((id) => !wanted.has(id))
	);
	const added = await addMembers(
		w,
		teamID,
		[...wanted].filter((id) => !have.has(id))
	);
	return { added, removed };
}

/** R26: another team of the enterprise (from SCIM or made in the console) has this name, case aside. */
async function nameTaken(w: ScimWrite, name: string, exceptID?: string): Promise<boolean> {
	let q = w.trx
		.selectFrom('teams')
		.select('id')
		.where('enterprise_id', '=', w.enterpriseID)
		.where('name_key', '=', nameKey(name));
	if (exceptID) q = q.where('id', '!=', exceptID);
	return !!(await q.executeTakeFirst());
}

async function touch(
	w: ScimWrite,
	teamID: string,
	set: { name?: string; external_id?: string | null } = {}
) {
	await w.trx
		.updateTable('teams')
		.set({
			...set,
			...(set.name === undefined ? {} : { name_key: nameKey(set.name) }),
			updated_at: w.now,
			version: w.version
		})
		.where('id', '=', teamID)
		.execute();
	w.changed();
}

function groupBody(body: unknown): Json {
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw new ScimError(400, 'the body must be a Group object', 'invalidSyntax');
	}
	const b = body as Json;
	const out: Json = {};
	for (const [k, v] of Object.entries(b)) out[k.toLowerCase()] = v;
	return out;
}

/** `POST /Groups`: a team with source scim (R10, R22). */
export async function createGroup(ctx: ScimContext, body: unknown): Promise<Response> {
	const b = groupBody(body);
	const name = displayNameOf(b.displayname);
	const externalID = externalIdOf(b.externalid);
	const members = memberValues(b.members);
	const id = randomUUID();
	await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		if (await nameTaken(w, name)) {
			throw new ScimError(409, `a group named ${name} already exists`, 'uniqueness');
		}
		await w.trx
			.insertInto('teams')
			.values({
				id,
				enterprise_id: ctx.enterpriseID,
				name,
				name_key: nameKey(name),
				source: 'scim',
				external_id: externalID,
				version: w.version,
				created_at: w.now,
				updated_at: w.now
			})
			.execute();
		w.changed();
		const added = await addMembers(w, id, members);
		await w.audit('createTeam', name, null, { id, name, source: 'scim', members: added.length });
	});
	return respondWithGroup(ctx, id, 201);
}

/** `PUT /Groups/:id`: name, externalId and members replaced (only the member difference is written). */
export async function replaceGroup(ctx: ScimContext, id: string, body: unknown): Promise<Response> {
	const b = groupBody(body);
	const name = displayNameOf(b.displayname);
	const externalID = externalIdOf(b.externalid);
	const members = memberValues(b.members);
	await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		const row = await findGroup(w.trx, ctx.enterpriseID, id);
		if (!row) throw notFound(id);
		if (name !== row.name && (await nameTaken(w, name, id))) {
			throw new ScimError(409, `a group named ${name} already exists`, 'uniqueness');
		}
		await touch(w, id, { name, external_id: externalID });
		const { added, removed } = await replaceMembers(w, id, members);
		await w.audit('replaceTeam', name, { name: row.name }, { name, added: added.length, removed });
	});
	return respondWithGroup(ctx, id, 200);
}

/**
 * `PATCH /Groups/:id`: membership operations become row inserts and deletes (a 10,000-member group
 * is never loaded for an add or remove); displayName/externalId go through scim-patch.
 */
export async function patchGroup(ctx: ScimContext, id: string, body: unknown): Promise<Response> {
	const ops = normalisePatch(body, GROUP_SCHEMA);
	await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		const row = await findGroup(w.trx, ctx.enterpriseID, id);
		if (!row) throw notFound(id);
		const attributeOps: PatchOp[] = [];
		let added = 0;
		let removed = 0;
		for (const op of ops) {
			const path = op.path!;
			if (isExtensionPath(path)) continue;
			const root = rootAttribute(path);
			if (root === 'members') {
				const bare = path.trim().toLowerCase();
				if (bare === 'members') {
					if (op.op === 'add') added += (await addMembers(w, id, memberValues(op.value))).length;
					else if (op.op === 'remove') {
						// Entra removes with a value array; without one, every member goes.
						if (op.value === undefined || op.value === null) {
							removed += (await replaceMembers(w, id, [])).removed;
						} else removed += await removeMembers(w, id, memberValues(op.value));
					} else {
						const r = await replaceMembers(w, id, memberValues(op.value));
						added += r.added.length;
						removed += r.removed;
					}
				} else if (op.op === 'remove' && path.includes('[')) {
					removed += await removeMembers(w, id, idsOfMemberFilter(path));
				} else {
					throw new ScimError(
						400,
						`"${path}" is not a members path Roster supports`,
						'invalidPath'
					);
				}
				continue;
			}
			// Only these two reach scim-patch, by their exact names and with string values.
			const attribute = path.trim().toLowerCase();
			if (attribute === 'displayname' || attribute === 'externalid') {
				if (op.op !== 'remove' && op.value !== null && typeof op.value !== 'string') {
					throw new ScimError(400, `${path} must be a string`, 'invalidValue');
				}
				attributeOps.push({
					op: op.op,
					path: attribute === 'displayname' ? 'displayName' : 'externalId',
					...(op.value === undefined ? {} : { value: op.value })
				});
			} else if (root !== 'id' && root !== 'schemas' && root !== 'meta') {
				throw new ScimError(400, `"${path}" is not an attribute of Group`, 'invalidPath');
			}
		}
		let name = row.name;
		let externalID = row.external_id;
		if (attributeOps.length) {
			const current = {
				schemas: [GROUP_SCHEMA],
				id,
				displayName: row.name,
				externalId: row.external_id ?? undefined
			};
			let patched: Json;
			try {
				patched = scimPatch(current as never, attributeOps as never, {
					treatMissingAsAdd: true
				}) as unknown as Json;
			} catch (err) {
				throw new ScimError(
					400,
					err instanceof Error && err.message ? err.message : 'the patch could not be applied',
					'invalidValue'
				);
			}
			name = displayNameOf(patched.displayName);
			externalID = externalIdOf(patched.externalId);
			if (name !== row.name && (await nameTaken(w, name, id))) {
				throw new ScimError(409, `a group named ${name} already exists`, 'uniqueness');
			}
		}
		if (name !== row.name || externalID !== row.external_id) {
			await touch(w, id, { name, external_id: externalID });
			if (name !== row.name) await w.audit('renameTeam', row.name, { name: row.name }, { name });
		} else if (added || removed) await touch(w, id);
		if (added) await w.audit('addTeamMembers', name, null, { teamID: id, added });
		if (removed) await w.audit('removeTeamMembers', name, { teamID: id, removed }, null);
	});
	if (ctx.url.searchParams.has('attributes') || ctx.url.searchParams.has('excludedAttributes')) {
		return respondWithGroup(ctx, id, 200);
	}
	return new Response(null, { status: 204 });
}

/** `DELETE /Groups/:id`: the team goes; its members and links leave tombstones (R12). */
export async function deleteGroup(ctx: ScimContext, id: string): Promise<Response> {
	await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		const row = await findGroup(w.trx, ctx.enterpriseID, id);
		if (!row) throw notFound(id);
		await tombstoneSelected(w, 'teamMembers', (columns) =>
			w.trx
				.selectFrom('team_members as x')
				.select(columns(sql<string>`x.team_id || ':' || x.user_id`))
				.where('x.team_id', '=', id)
		);
		await tombstoneSelected(w, 'teamOrgLinks', (columns) =>
			w.trx
				.selectFrom('team_org_links as x')
				.select(columns(sql<string>`x.team_id || ':' || x.org_id`))
				.where('x.team_id', '=', id)
		);
		await w.trx.deleteFrom('teams').where('id', '=', id).execute();
		await tombstone(w, 'teams', id);
		w.changed();
		await w.audit('deleteTeam', row.name, { id, name: row.name, source: 'scim' }, null);
	});
	return new Response(null, { status: 204 });
}
