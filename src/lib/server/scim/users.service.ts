import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { scimPatch, ScimError as PatchLibError } from 'scim-patch';
import type { Database } from '../db/schema';
import type { Dialect } from '../db/migrations';
import { seatCheck } from '../../domain/mutations/define';
import { count } from '../../domain/seats';
import { emailDomain, isEffectivelyVerified } from '../../domain/domains';
import { hasControlCharacter, NO_CONTROL_CHARACTERS } from '../../domain/text';
import { ScimError, scimJson } from './errors';
import { filterToSql, type FilterSchema } from './filter';
import {
	applyEnterpriseOp,
	enterpriseResource,
	isEnterprisePath,
	readEnterpriseUser,
	type EnterpriseUser
} from './enterprise-user';
import {
	ENTERPRISE_USER_SCHEMA,
	excludes,
	iso,
	plausibleID,
	listResponse,
	project,
	projection,
	USER_SCHEMA,
	type ListQuery
} from './resource';
import {
	isExtensionPath,
	normalisePatch,
	rootAttribute,
	subAttributes,
	VALUE_FILTER,
	type PatchOp
} from './patch';
import { scimWrite, type ScimWrite } from './write';
import { tombstone } from '../sync/tombstones';
import type { ScimContext } from './endpoint';

type Q = Kysely<Database> | Transaction<Database>;
type Json = Record<string, unknown>;

// RFC 7643 §3.1: meta.created is when the resource was created. A person licensed before SCIM
// was switched on existed as a User since their license, before the IdP's first write.
const CREATED = sql`case when s.created_at is null then l.created_at when l.created_at is null or s.created_at <= l.created_at then s.created_at else l.created_at end`;

// The given and family names as one, as shownNames makes it, for filters on the names shown.
const JOINED = sql`nullif(trim(coalesce(s.given_name, '') || ' ' || coalesce(s.family_name, '')), '')`;

/** Where `needle` first occurs in `text`, from 1; 0 when it does not. */
function position(dialect: Dialect, text: RawBuilder<unknown>, needle: string) {
	return dialect === 'sqlite'
		? sql<number>`instr(${text}, ${sql.lit(needle)})`
		: sql<number>`strpos(${text}, ${sql.lit(needle)})`;
}

/**
 * splitName in SQL, over the one name shown when the IdP kept neither given nor family name: the
 * given or family name returned, or null. The two must agree: a filter matches what is returned.
 */
function namePart(dialect: Dialect, part: 'given' | 'family'): RawBuilder<unknown> {
	const full = sql`trim(coalesce(s.formatted_name, s.display_name, u.name))`;
	const comma = position(dialect, full, ',');
	const space = position(dialect, full, ' ');
	const beforeComma = sql`trim(substr(${full}, 1, ${comma} - 1))`;
	const afterComma = sql`trim(substr(${full}, ${comma} + 1))`;
	const firstWord = sql`substr(${full}, 1, ${space} - 1)`;
	const rest = sql`ltrim(substr(${full}, ${space} + 1))`;
	const stored = part === 'given' ? sql.ref('s.given_name') : sql.ref('s.family_name');
	const fromComma = part === 'given' ? afterComma : beforeComma;
	const fromWords = part === 'given' ? firstWord : rest;
	return sql`(case
		when s.given_name is not null or s.family_name is not null then ${stored}
		when ${position(dialect, full, '@')} > 0 then null
		when ${comma} > 0 then (case
			when length(${full}) - length(replace(${full}, ',', '')) = 1
				and ${beforeComma} <> '' and ${afterComma} <> '' then ${fromComma}
			end)
		when ${space} > 0 and ${position(dialect, rest, ' ')} = 0 then ${fromWords}
	end)`;
}

const USER_ATTRIBUTES: FilterSchema['attributes'] = {
	id: { kind: 'string', sql: sql.ref('u.id'), caseExact: true },
	username: { kind: 'string', sql: sql.ref('u.email') },
	emails: { kind: 'string', sql: sql.ref('u.email') },
	'emails.value': { kind: 'string', sql: sql.ref('u.email') },
	'emails.type': { kind: 'constant', value: 'work' },
	'emails.primary': { kind: 'constant', value: true },
	displayname: {
		kind: 'string',
		sql: sql`coalesce(s.display_name, s.formatted_name, ${JOINED}, u.name)`
	},
	'name.formatted': {
		kind: 'string',
		sql: sql`coalesce(s.formatted_name, ${JOINED}, s.display_name, u.name)`
	},
	// The name parts as returned: the IdP's, else split from the one name shown (splitName).
	'name.givenname': { kind: 'string', sql: (d) => namePart(d, 'given') },
	'name.familyname': { kind: 'string', sql: (d) => namePart(d, 'family') },
	externalid: { kind: 'string', sql: sql.ref('s.external_id'), caseExact: true },
	active: { kind: 'boolean', sql: sql`coalesce(s.active, 1)` },
	'meta.created': { kind: 'date', sql: CREATED },
	'meta.lastmodified': { kind: 'date', sql: sql`coalesce(s.updated_at, l.created_at)` },
	...Object.fromEntries(
		(
			[
				['employeenumber', 's.employee_number'],
				['costcenter', 's.cost_center'],
				['organization', 's.organization'],
				['division', 's.division'],
				['department', 's.department'],
				['manager.value', 's.manager_id']
			] as const
		).map(([name, column]) => [
			`${ENTERPRISE_USER_SCHEMA.toLowerCase()}:${name}`,
			{ kind: 'string', sql: sql.ref(column), caseExact: name === 'manager.value' }
		])
	)
};

/** What Users can be filtered by (RFC 7644 §3.4.2.2), case-insensitive where RFC 7643 says so. */
export const USER_FILTERS: FilterSchema = {
	urn: USER_SCHEMA,
	attributes: USER_ATTRIBUTES,
	valuePaths: {
		emails: {
			value: USER_ATTRIBUTES['emails.value']!,
			type: USER_ATTRIBUTES['emails.type']!,
			primary: USER_ATTRIBUTES['emails.primary']!
		}
	}
};

// Attributes the User schema defines that Roster does not keep: accepted and ignored (an IdP sends
// what its mapping holds), unlike names the schema does not know at all.
const IGNORED_USER_ATTRIBUTES = new Set([
	'nickname',
	'profileurl',
	'title',
	'usertype',
	'preferredlanguage',
	'locale',
	'timezone',
	'password',
	'phonenumbers',
	'ims',
	'photos',
	'addresses',
	'groups',
	'entitlements',
	'roles',
	'x509certificates'
]);

const EMAIL = /^[^\s@]{1,200}@[^\s@]+\.[^\s@]+$/;

/** A SCIM user row: the person, what the IdP said about them, their license here. */
interface UserRow {
	id: string;
	email: string;
	/** The name this enterprise's IdP gave the person, else the account's (R25). */
	name: string;
	/** The account's own name, shown to every enterprise. */
	account_name: string;
	display_name: string | null;
	formatted_name: string | null;
	external_id: string | null;
	given_name: string | null;
	family_name: string | null;
	employee_number: string | null;
	cost_center: string | null;
	organization: string | null;
	division: string | null;
	department: string | null;
	manager_id: string | null;
	active: number | null;
	scim_created: number | null;
	scim_updated: number | null;
	licensed_at: number | null;
	license_source: string | null;
}

function usersOf(q: Q, enterpriseID: string) {
	return (
		q
			.selectFrom('users as u')
			.leftJoin('scim_users as s', (j) =>
				j.onRef('s.user_id', '=', 'u.id').on('s.enterprise_id', '=', enterpriseID)
			)
			.leftJoin('licenses as l', (j) =>
				j.onRef('l.user_id', '=', 'u.id').on('l.enterprise_id', '=', enterpriseID)
			)
			// A SCIM user of this enterprise: licensed here, or known to its IdP (R22). Nothing else.
			.where((eb) => eb.or([eb('l.user_id', 'is not', null), eb('s.user_id', 'is not', null)]))
	);
}

function selectUser(q: Q, enterpriseID: string) {
	return usersOf(q, enterpriseID).select([
		'u.id',
		'u.email',
		sql<string>`coalesce(s.display_name, u.name)`.as('name'),
		'u.name as account_name',
		's.display_name',
		's.formatted_name',
		's.external_id',
		's.given_name',
		's.family_name',
		's.employee_number',
		's.cost_center',
		's.organization',
		's.division',
		's.department',
		's.manager_id',
		's.active',
		's.created_at as scim_created',
		's.updated_at as scim_updated',
		'l.created_at as licensed_at',
		'l.source as license_source'
	]);
}

async function findUser(q: Q, enterpriseID: string, id: string): Promise<UserRow | undefined> {
	if (!plausibleID(id)) return undefined;
	return selectUser(q, enterpriseID).where('u.id', '=', id).executeTakeFirst() as Promise<
		UserRow | undefined
	>;
}

/** The name parts the IdP's view holds (null: not held), as stored. */
interface Names {
	displayName: string | null;
	formatted: string | null;
	givenName: string | null;
	familyName: string | null;
}

function storedNames(row: UserRow): Names {
	return {
		displayName: row.display_name,
		formatted: row.formatted_name,
		givenName: row.given_name,
		familyName: row.family_name
	};
}

/** Spaces off both ends, as SQL's trim() takes them (and only them). */
const trimSpaces = (text: string) => text.replace(/^ +| +$/g, '');

/**
 * A one-line name split into given and family names only where that reads unambiguously: "Public,
 * Jane" (one comma: family name first, as Entra formats it) or "Jane Public" (exactly two words,
 * split at spaces). Anything else, or an email address, splits into nothing. namePart is the same
 * rule in SQL, so filters on name.givenName and name.familyName match what is returned.
 */
export function splitName(full: string): { givenName: string; familyName: string } | null {
	const clean = trimSpaces(full);
	if (clean.includes('@')) return null;
	const comma = clean.indexOf(',');
	if (comma >= 0) {
		if (clean.indexOf(',', comma + 1) >= 0) return null;
		const familyName = trimSpaces(clean.slice(0, comma));
		const givenName = trimSpaces(clean.slice(comma + 1));
		return familyName && givenName ? { givenName, familyName } : null;
	}
	const space = clean.indexOf(' ');
	if (space < 0) return null;
	const familyName = clean.slice(space + 1).replace(/^ +/, '');
	if (familyName.includes(' ')) return null;
	return { givenName: clean.slice(0, space), familyName };
}

/**
 * The names a resource shows: what the IdP sent, each kept as sent (RFC 7643 §4.1.1); what it did
 * not send comes from the rest, and for someone the IdP has not described (licensed before SCIM)
 * from the account's name, split into given and family names where it can be.
 */
function shownNames(row: UserRow): Required<{ [K in keyof Names]: string | undefined }> {
	const joined = [row.given_name, row.family_name].filter(Boolean).join(' ') || null;
	const displayName = row.display_name ?? row.formatted_name ?? joined ?? row.account_name;
	const formatted = row.formatted_name ?? joined ?? row.display_name ?? row.account_name;
	let givenName = row.given_name ?? undefined;
	let familyName = row.family_name ?? undefined;
	if (givenName === undefined && familyName === undefined) {
		const split = splitName(row.formatted_name ?? row.display_name ?? row.account_name);
		givenName = split?.givenName;
		familyName = split?.familyName;
	}
	return { displayName, formatted, givenName, familyName };
}

function enterpriseOf(row: UserRow): EnterpriseUser {
	return {
		employeeNumber: row.employee_number,
		costCenter: row.cost_center,
		organization: row.organization,
		division: row.division,
		department: row.department,
		manager: row.manager_id
	};
}

/** When the User was created (RFC 7643 §3.1): its license or the IdP's first write, whichever came first. */
function createdAt(row: UserRow): number {
	const times = [row.scim_created, row.licensed_at]
		.filter((t): t is number => t !== null)
		.map(Number);
	return times.length ? Math.min(...times) : 0;
}

function userResource(row: UserRow, baseURL: string): Json {
	const created = createdAt(row);
	const modified = Number(row.scim_updated ?? row.licensed_at ?? created);
	const shown = shownNames(row);
	const name: Json = { formatted: shown.formatted };
	if (shown.givenName) name.givenName = shown.givenName;
	if (shown.familyName) name.familyName = shown.familyName;
	const extension = enterpriseResource(enterpriseOf(row));
	const resource: Json = {
		schemas: extension ? [USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [USER_SCHEMA],
		id: row.id,
		userName: row.email,
		name,
		displayName: shown.displayName,
		emails: [{ value: row.email, type: 'work', primary: true }],
		active: row.active === null ? true : Number(row.active) === 1,
		meta: {
			resourceType: 'User',
			created: iso(created),
			lastModified: iso(modified),
			location: `${baseURL}/Users/${row.id}`
		}
	};
	if (row.external_id) resource.externalId = row.external_id;
	if (extension) resource[ENTERPRISE_USER_SCHEMA] = extension;
	return resource;
}

/**
 * One page of Users matching a query's filter: `skip` rows in, at most `take`, sorted by id, with
 * the total that match.
 */
export async function queryUsers(
	ctx: ScimContext,
	query: ListQuery,
	skip = query.startIndex - 1,
	take = query.count
): Promise<{ total: number; resources: Json[] }> {
	const { db } = ctx.database;
	const where = query.filter
		? filterToSql(USER_FILTERS, query.filter, ctx.database.dialect)
		: sql<boolean>`1 = 1`;
	const total = await usersOf(db, ctx.enterpriseID)
		.where(where)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.executeTakeFirstOrThrow();
	const rows =
		take <= 0
			? []
			: ((await selectUser(db, ctx.enterpriseID)
					.where(where)
					.orderBy('u.id')
					.limit(take)
					.offset(skip)
					.execute()) as UserRow[]);
	const resources = rows.map((r) => project(USER_SCHEMA, userResource(r, ctx.baseURL), query));
	return { total: Number(total.n), resources };
}

/** `GET /Users` and `POST /Users/.search`: filter, sort by id, page (RFC 7644 §3.4.2, §3.4.3). */
export async function listUsers(ctx: ScimContext, query: ListQuery): Promise<Response> {
	const { total, resources } = await queryUsers(ctx, query);
	return scimJson(listResponse(resources, total, query.startIndex));
}

/** `GET /Users/:id`. */
export async function getUser(ctx: ScimContext, id: string): Promise<Response> {
	const row = await findUser(ctx.database.db, ctx.enterpriseID, id);
	if (!row) throw notFound(id);
	const resource = userResource(row, ctx.baseURL);
	return scimJson(project(USER_SCHEMA, resource, projection(ctx.url)), 200, {
		location: `${ctx.baseURL}/Users/${row.id}`
	});
}

function notFound(id: string) {
	return new ScimError(404, `User ${id.slice(0, 100)} not found`);
}

/** A user as the IdP describes it, validated; names as sent (null: not sent). */
interface UserInput extends Names {
	email: string;
	externalId: string | null;
	active: boolean;
	enterprise: EnterpriseUser;
}

/** The one name the IdP's view gives the person (R25): its displayName, else the fullest it has. */
function viewName(names: Names): string | null {
	const joined = [names.givenName, names.familyName].filter(Boolean).join(' ');
	return names.displayName ?? names.formatted ?? (joined || null);
}

function text(value: unknown, field: string, max = 200): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string')
		throw new ScimError(400, `${field} must be a string`, 'invalidValue');
	if (hasControlCharacter(value)) {
		throw new ScimError(400, `${field} ${NO_CONTROL_CHARACTERS}`, 'invalidValue');
	}
	const clean = value.trim();
	if (clean.length > max)
		throw new ScimError(400, `${field} is longer than ${max} characters`, 'invalidValue');
	return clean || null;
}

function booleanValue(value: unknown, field: string): boolean {
	if (typeof value === 'boolean') return value;
	if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
		return value.trim().toLowerCase() === 'true';
	}
	throw new ScimError(400, `${field} must be true or false`, 'invalidValue');
}

function primaryEmail(emails: unknown): string | null {
	if (!Array.isArray(emails)) return null;
	const list = emails.filter((e): e is Json => !!e && typeof e === 'object');
	const best =
		list.find((e) => e.primary === true || e.primary === 'True' || e.primary === 'true') ??
		list.find((e) => e.type === 'work') ??
		list[0];
	return typeof best?.value === 'string' ? best.value : null;
}

/** Reads a User body (POST, PUT, or a patched resource): userName is the email (R22). */
function userInput(body: unknown, previous?: UserRow): UserInput {
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		throw new ScimError(400, 'the body must be a User object', 'invalidSyntax');
	}
	const b = body as Json;
	const key = (name: string) => Object.keys(b).find((k) => k.toLowerCase() === name.toLowerCase());
	const get = (name: string) => {
		const k = key(name);
		return k === undefined ? undefined : b[k];
	};
	let userName = text(get('userName'), 'userName', 320);
	// A patch that changed only the work email changes the address (userName stays the email).
	// The work email may become the sign-in email: it passes the same checks as userName (R26).
	const email = text(primaryEmail(get('emails')), 'emails.value', 320);
	if (previous && userName?.toLowerCase() === previous.email.toLowerCase() && email) {
		if (email.toLowerCase() !== previous.email.toLowerCase()) userName = email.trim();
	}
	if (!userName) throw new ScimError(400, 'userName is required', 'invalidValue');
	if (!EMAIL.test(userName)) {
		throw new ScimError(400, "userName must be the person's email address", 'invalidValue');
	}
	const nameValue = get('name');
	const nameObj = nameValue && typeof nameValue === 'object' ? (nameValue as Json) : {};
	const givenName = text(nameObj.givenName, 'name.givenName');
	const familyName = text(nameObj.familyName, 'name.familyName');
	const formatted = text(nameObj.formatted, 'name.formatted');
	const displayName = text(get('displayName'), 'displayName');
	const activeValue = get('active');
	return {
		email: userName,
		displayName,
		formatted,
		givenName,
		familyName,
		externalId: text(get('externalId'), 'externalId', 255),
		active:
			activeValue === undefined || activeValue === null
				? true
				: booleanValue(activeValue, 'active'),
		enterprise: readEnterpriseUser(get(ENTERPRISE_USER_SCHEMA))
	};
}

/** R6 through SCIM: no free seat → a 403 whose detail the IdP shows to its admin. */
async function takeSeat(w: ScimWrite, userID: string, email: string): Promise<void> {
	const { usage, noSeat } = await seatCheck(w.store, 1, w.now);
	if (noSeat) {
		throw new ScimError(
			403,
			`NEEDS_TO_INCREASE_SEATS: no free seat for ${email}: ${count(usage.used)} of ${count(usage.purchased)} used; 1 needed, ${count(usage.free)} free. Increase the seat count in Roster, then retry.`
		);
	}
	await w.store.addLicense(userID);
	await w.audit('provisionLicense', email, { licensed: false }, { licensed: true });
	w.changed();
}

/** An invite for someone SCIM now provisions is settled: the license replaces it (R5). */
async function settleInvite(w: ScimWrite, email: string): Promise<void> {
	const invite = await w.store.findInviteByEmail(email);
	if (!invite) return;
	await w.trx.deleteFrom('invites').where('id', '=', invite.id).execute();
	await tombstone(w, 'invites', invite.id);
	w.changed();
}

/**
 * `active: false` and DELETE: the license SCIM gave is removed and the seat is free at once (R7,
 * R22); a license given by hand stays (R22), and the owner keeps theirs (R8). The person's account
 * is never deleted.
 */
async function releaseSeat(w: ScimWrite, row: UserRow): Promise<void> {
	if (row.licensed_at === null || row.license_source !== 'scim') return;
	if ((await w.store.accountRole(row.id)) === 'owner') return;
	await w.store.removeLicense(row.id);
	await w.audit('deprovisionLicense', row.email, { licensed: true }, { licensed: false });
	w.changed();
}

async function emailTaken(q: Q, email: string, exceptID?: string): Promise<boolean> {
	let query = q
		.selectFrom('users')
		.select('id')
		.where(sql`lower(email)`, '=', email.toLowerCase());
	if (exceptID) query = query.where('id', '!=', exceptID);
	return !!(await query.executeTakeFirst());
}

/** The enterprise's verified domains (R13): an email is on one when its domain is it or under it. */
async function verifiedDomains(q: Q, enterpriseID: string): Promise<string[]> {
	const rows = await q
		.selectFrom('domains')
		.select('domain')
		.where('enterprise_id', '=', enterpriseID)
		.where('verified_at', 'is not', null)
		.execute();
	return rows.map((r) => r.domain);
}

/**
 * R25: SCIM creates, links or renames to addresses on the enterprise's effectively verified
 * domains only. The same refusal whether or not an account exists, so it tells nothing about
 * other tenants' people.
 */
async function requireOwnDomain(q: Q, enterpriseID: string, email: string): Promise<void> {
	if (isEffectivelyVerified(emailDomain(email), await verifiedDomains(q, enterpriseID))) return;
	throw new ScimError(
		403,
		`${email} is not on a verified domain of this enterprise: SCIM can only provision people on the domains verified in Roster`
	);
}

/**
 * R25: whether this enterprise alone manages an account, so its IdP may change the account's
 * sign-in email and name: licensed in no other enterprise, no console role anywhere (owner,
 * co-owner, billing or member) and no console password.
 */
async function managedHereAlone(q: Q, enterpriseID: string, userID: string): Promise<boolean> {
	const [elsewhere, role, account] = await Promise.all([
		q
			.selectFrom('licenses')
			.select('user_id')
			.where('user_id', '=', userID)
			.where('enterprise_id', '!=', enterpriseID)
			.executeTakeFirst(),
		q
			.selectFrom('account_roles')
			.select('user_id')
			.where('user_id', '=', userID)
			.executeTakeFirst(),
		q.selectFrom('users').select('password_hash').where('id', '=', userID).executeTakeFirst()
	]);
	return !elsewhere && !role && !!account && account.password_hash === null;
}

/** Every enterprise an account belongs to: licensed, a console role, or known to its IdP. */
async function enterprisesOf(q: Q, userID: string): Promise<string[]> {
	const rows = await q
		.selectFrom('licenses')
		.select('enterprise_id')
		.where('user_id', '=', userID)
		.union(q.selectFrom('account_roles').select('enterprise_id').where('user_id', '=', userID))
		.union(q.selectFrom('scim_users').select('enterprise_id').where('user_id', '=', userID))
		.execute();
	return rows.map((r) => r.enterprise_id);
}

/**
 * R25: a new sign-in email ends every session of the account (whoever held the old address is
 * signed out) and is audited in every enterprise the account belongs to.
 */
async function changeEmail(w: ScimWrite, row: UserRow, email: string): Promise<void> {
	await w.trx.updateTable('users').set({ email }).where('id', '=', row.id).execute();
	await w.trx.deleteFrom('sessions').where('user_id', '=', row.id).execute();
	const before = { email: row.email };
	await w.audit('changeEmail', row.email, before, { email });
	const others = (await enterprisesOf(w.trx, row.id)).filter((id) => id !== w.enterpriseID);
	if (others.length === 0) return;
	await w.trx
		.insertInto('audit_log')
		.values(
			others.map((enterpriseID) => ({
				enterprise_id: enterpriseID,
				at: w.now,
				actor_user_id: null,
				actor_kind: 'scim' as const,
				action: 'changeEmail',
				target: row.email,
				before: JSON.stringify(before),
				// Which enterprise did it is theirs to know, not this one's.
				after: JSON.stringify({ email, by: "another enterprise's identity provider" })
			}))
		)
		.execute();
}

/** `POST /Users`: links or creates the person, takes a seat when active (R6, R22). */
export async function createUser(ctx: ScimContext, body: unknown): Promise<Response> {
	const input = userInput(body);
	const id = await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		await requireOwnDomain(w.trx, ctx.enterpriseID, input.email);
		const existing = await w.store.findUserByEmail(input.email);
		let userID: string;
		if (existing) {
			const here = await findUser(w.trx, ctx.enterpriseID, existing.id);
			if (here) {
				throw new ScimError(
					409,
					`a user with userName ${input.email} already exists`,
					'uniqueness'
				);
			}
			// Someone already in the vendor's user base: linked, never duplicated (R3). Their name
			// changes for everyone only when this enterprise alone manages them (R25).
			userID = existing.id;
			const name = viewName(input);
			if (
				name &&
				name !== existing.name &&
				(await managedHereAlone(w.trx, ctx.enterpriseID, userID))
			) {
				await w.trx.updateTable('users').set({ name }).where('id', '=', userID).execute();
			}
		} else {
			userID = randomUUID();
			await w.trx
				.insertInto('users')
				.values({
					id: userID,
					email: input.email,
					name: viewName(input) ?? input.email.split('@')[0]!,
					password_hash: null,
					last_login_at: null,
					created_at: w.now
				})
				.execute();
		}
		await w.trx
			.insertInto('scim_users')
			.values({
				enterprise_id: ctx.enterpriseID,
				user_id: userID,
				...scimColumns(input),
				created_at: w.now,
				updated_at: w.now
			})
			.execute();
		if (input.active) {
			await settleInvite(w, input.email);
			await takeSeat(w, userID, input.email);
		}
		await w.audit('provisionUser', input.email, null, {
			userName: input.email,
			active: input.active,
			externalId: input.externalId
		});
		return userID;
	});
	const row = await findUser(ctx.database.db, ctx.enterpriseID, id);
	const resource = userResource(row!, ctx.baseURL);
	return scimJson(project(USER_SCHEMA, resource, projection(ctx.url)), 201, {
		location: `${ctx.baseURL}/Users/${id}`
	});
}

/** What scim_users keeps of a description: the IdP's view, as sent (R25). */
function scimColumns(input: UserInput) {
	return {
		external_id: input.externalId,
		display_name: input.displayName,
		formatted_name: input.formatted,
		given_name: input.givenName,
		family_name: input.familyName,
		employee_number: input.enterprise.employeeNumber,
		cost_center: input.enterprise.costCenter,
		organization: input.enterprise.organization,
		division: input.enterprise.division,
		department: input.enterprise.department,
		manager_id: input.enterprise.manager,
		active: input.active ? 1 : 0
	};
}

/** Applies a new description of a user (PUT, or PATCH after patching): one transaction. */
async function updateUser(ctx: ScimContext, id: string, next: (row: UserRow) => UserInput) {
	await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		const row = await findUser(w.trx, ctx.enterpriseID, id);
		if (!row) throw notFound(id);
		const input = next(row);
		const before = { userName: row.email, name: row.name, active: row.active !== 0 };
		// A change of case only is the same address (R3): nothing to write.
		const emailChanged = input.email.toLowerCase() !== row.email.toLowerCase();
		// The account's name follows the IdP only when the IdP's view of the name changed.
		const name = viewName(input);
		const renamed =
			name !== null && name !== viewName(storedNames(row)) && name !== row.account_name;
		// R25: the sign-in email and the account's name belong to the person, not to one IdP.
		const alone =
			(emailChanged || renamed) && (await managedHereAlone(w.trx, ctx.enterpriseID, id));
		if (emailChanged) {
			await requireOwnDomain(w.trx, ctx.enterpriseID, input.email);
			if (!alone) {
				throw new ScimError(
					403,
					`the sign-in email of ${row.email} cannot be changed from this identity provider: the account is an administrator's or is also used by another enterprise`
				);
			}
			if (await emailTaken(w.trx, input.email, id)) {
				throw new ScimError(
					409,
					`a user with userName ${input.email} already exists`,
					'uniqueness'
				);
			}
			await changeEmail(w, row, input.email);
		}
		if (alone && renamed) {
			await w.trx.updateTable('users').set({ name }).where('id', '=', id).execute();
		}
		if ((emailChanged || (alone && renamed)) && row.licensed_at !== null) {
			// Licensed users reach consoles through the licenses feed: re-send the row.
			await w.trx
				.updateTable('licenses')
				.set({ version: w.version })
				.where('enterprise_id', '=', ctx.enterpriseID)
				.where('user_id', '=', id)
				.execute();
			w.changed();
		}
		await w.trx
			.insertInto('scim_users')
			.values({
				enterprise_id: ctx.enterpriseID,
				user_id: id,
				...scimColumns(input),
				// The first SCIM write on someone licensed before SCIM: the User began with the license.
				created_at: row.licensed_at === null ? w.now : Math.min(Number(row.licensed_at), w.now),
				updated_at: w.now
			})
			.onConflict((oc) =>
				oc
					.columns(['enterprise_id', 'user_id'])
					.doUpdateSet({ ...scimColumns(input), updated_at: w.now })
			)
			.execute();
		const email = emailChanged ? input.email : row.email;
		if (!input.active) await releaseSeat(w, row);
		else if (row.licensed_at === null) {
			await settleInvite(w, email);
			await takeSeat(w, id, email);
		}
		await w.audit('updateUser', email, before, {
			userName: email,
			name: name ?? row.name,
			active: input.active
		});
	});
	const row = await findUser(ctx.database.db, ctx.enterpriseID, id);
	const resource = userResource(row!, ctx.baseURL);
	return scimJson(project(USER_SCHEMA, resource, projection(ctx.url)), 200, {
		location: `${ctx.baseURL}/Users/${id}`
	});
}

/** `PUT /Users/:id`: the body replaces what the IdP said about the user. */
export async function replaceUser(ctx: ScimContext, id: string, body: unknown): Promise<Response> {
	const input = userInput(body);
	return updateUser(ctx, id, () => input);
}

// The attributes a PATCH may touch, in their canonical spelling; scim-patch sees nothing else.
const STRING_ATTRIBUTES = new Map([
	['username', 'userName'],
	['displayname', 'displayName'],
	['externalid', 'externalId']
]);
const NAME_PARTS = new Map([
	['givenname', 'givenName'],
	['familyname', 'familyName'],
	['formatted', 'formatted']
]);
// Parts of a name the User schema defines and Roster does not keep: accepted and dropped.
const IGNORED_NAME_PARTS = new Set(['middlename', 'honorificprefix', 'honorificsuffix']);
const EMAIL_PARTS = new Map([
	['value', 'value'],
	['type', 'type'],
	['primary', 'primary'],
	['display', 'display']
]);
const EMAIL_BOOLEANS = new Set(['primary']);

function invalidPath(path: string) {
	return new ScimError(400, `"${path.slice(0, 200)}" is not an attribute of User`, 'invalidPath');
}

function scalar(op: PatchOp, path: string, kind: 'string' | 'boolean'): PatchOp {
	const ok = op.op === 'remove' || op.value === null || typeof op.value === kind;
	if (!ok) {
		throw new ScimError(
			400,
			`${path} must be ${kind === 'boolean' ? 'true or false' : 'a string'}`,
			'invalidValue'
		);
	}
	return { op: op.op, path, ...(op.value === undefined ? {} : { value: op.value }) };
}

function emailItems(op: PatchOp, path: string): unknown {
	if (op.value === undefined || op.value === null) return op.value;
	const items = Array.isArray(op.value) ? op.value : [op.value];
	return items.map((item) => subAttributes(item, path, EMAIL_PARTS, new Set(), EMAIL_BOOLEANS));
}

/**
 * Checks one operation against the allow-list of what a User PATCH may change (R22) and returns it
 * with canonical names and clean values, or null for an attribute Roster accepts and ignores.
 * Anything else is 400 invalidPath, so scim-patch never walks a path Roster did not choose.
 */
function allowUserOp(op: PatchOp): PatchOp | null {
	const path = op.path!.trim();
	if (isExtensionPath(path)) return null;
	const lower = path.toLowerCase();
	const root = rootAttribute(path);
	if (IGNORED_USER_ATTRIBUTES.has(root)) return null;
	if ((lower === 'name' || lower === 'displayname') && (op.op === 'remove' || op.value === null)) {
		// RFC 7644 §3.5.2.2: an attribute that cannot be unassigned is a 400 mutability.
		throw new ScimError(
			400,
			`${path} cannot be removed: Roster always keeps a name for a person. Replace it with the new name instead`,
			'mutability'
		);
	}
	const plain = STRING_ATTRIBUTES.get(lower);
	if (plain) return scalar(op, plain, 'string');
	if (lower === 'active') return scalar(op, 'active', 'boolean');
	if (lower === 'name') {
		if (op.op === 'remove') return { op: op.op, path: 'name' };
		return {
			op: op.op,
			path: 'name',
			value: subAttributes(op.value, 'name', NAME_PARTS, IGNORED_NAME_PARTS)
		};
	}
	const namePart = /^name\.(\w+)$/.exec(lower)?.[1];
	if (namePart !== undefined) {
		if (IGNORED_NAME_PARTS.has(namePart)) return null;
		const part = NAME_PARTS.get(namePart);
		if (part) return scalar(op, `name.${part}`, 'string');
		throw invalidPath(path);
	}
	if (lower === 'emails') return { op: op.op, path: 'emails', value: emailItems(op, 'emails') };
	const email = /^emails(?:\[(.*)\])?(?:\.(\w+))?$/i.exec(path);
	if (email && (email[1] === undefined || VALUE_FILTER.test(email[1]))) {
		const base = email[1] === undefined ? 'emails' : `emails[${email[1]}]`;
		if (email[2] === undefined) {
			const value = op.value === undefined || op.value === null ? op.value : emailItems(op, base);
			// One filtered item takes an object, not a list.
			return { op: op.op, path: base, value: Array.isArray(value) ? value[0] : value };
		}
		const part = EMAIL_PARTS.get(email[2].toLowerCase());
		if (!part) throw invalidPath(path);
		const canonical = `${base}.${part}`;
		return scalar(op, canonical, EMAIL_BOOLEANS.has(part) ? 'boolean' : 'string');
	}
	throw invalidPath(path);
}

function userPatchOps(ops: PatchOp[]): { core: PatchOp[]; enterprise: PatchOp[] } {
	const core: PatchOp[] = [];
	const enterprise: PatchOp[] = [];
	for (const op of ops) {
		if (!op.path) continue;
		if (isEnterprisePath(op.path)) {
			enterprise.push(op);
			continue;
		}
		const allowed = allowUserOp(op);
		if (allowed) core.push(allowed);
	}
	return { core, enterprise };
}

type NamePart = keyof Names;
const NAME_PART_KEYS: readonly NamePart[] = ['displayName', 'formatted', 'givenName', 'familyName'];

/**
 * The name parts a PATCH names, read from its operations' paths (canonical after allowUserOp):
 * `displayName`, `name.<part>`, and `name` with a value object, which names only that object's keys
 * (RFC 7644 §3.5.2.3). A path-less replace arrives here split into one path per key.
 */
function namedParts(ops: PatchOp[]): Set<NamePart> {
	const named = new Set<NamePart>();
	for (const op of ops) {
		const path = op.path!;
		if (path === 'displayName') named.add('displayName');
		else if (path === 'name') {
			if (op.value && typeof op.value === 'object') {
				for (const key of Object.keys(op.value)) {
					if ((NAME_PART_KEYS as readonly string[]).includes(key)) named.add(key as NamePart);
				}
			}
		} else if (path.startsWith('name.')) {
			const part = path.slice(5);
			if ((NAME_PART_KEYS as readonly string[]).includes(part)) named.add(part as NamePart);
		}
	}
	return named;
}

/**
 * RFC 7644 §3.5.2: a PATCH changes only what it names, decided by its paths, never by comparing
 * values: a name part it names is written as patched, even when equal to what was shown; one it does
 * not name keeps what is stored (possibly nothing), so a value shown in its place is never written
 * back as if the IdP had sent it. Given and family names shown split from one name become the IdP's
 * once it names either: the one it did not name keeps the value it was shown.
 */
function keepUnnamed(
	row: UserRow,
	shown: UserInput,
	patched: UserInput,
	named: Set<NamePart>
): UserInput {
	const stored = storedNames(row);
	const out = { ...patched };
	for (const key of ['displayName', 'formatted'] as const) {
		out[key] = named.has(key) ? patched[key] : stored[key];
	}
	const partNamed = named.has('givenName') || named.has('familyName');
	for (const key of ['givenName', 'familyName'] as const) {
		out[key] = !partNamed ? stored[key] : named.has(key) ? patched[key] : shown[key];
	}
	return out;
}

/** `PATCH /Users/:id`: quirks normalised, then scim-patch on the current resource, then applied. */
export async function patchUser(ctx: ScimContext, id: string, body: unknown): Promise<Response> {
	const ops = userPatchOps(normalisePatch(body, USER_SCHEMA));
	return updateUser(ctx, id, (row) => {
		const current = userResource(row, ctx.baseURL);
		delete current[ENTERPRISE_USER_SCHEMA];
		const enterprise = enterpriseOf(row);
		for (const op of ops.enterprise) applyEnterpriseOp(enterprise, op);
		const withEnterprise = (input: UserInput): UserInput => ({ ...input, enterprise });
		const currentInput = userInput(current, row);
		const named = namedParts(ops.core);
		if (ops.core.length === 0) {
			return withEnterprise(keepUnnamed(row, currentInput, currentInput, named));
		}
		let patched: Json;
		try {
			patched = scimPatch(structuredClone(current) as never, ops.core as never, {
				treatMissingAsAdd: true
			}) as unknown as Json;
		} catch (err) {
			if (err instanceof PatchLibError || err instanceof Error) {
				const type = (err as { scimCode?: string }).scimCode;
				throw new ScimError(
					400,
					err.message || 'the patch could not be applied',
					type === 'noTarget' || type === 'invalidPath' || type === 'invalidSyntax'
						? type
						: 'invalidValue'
				);
			}
			throw err;
		}
		return withEnterprise(keepUnnamed(row, currentInput, userInput(patched, row), named));
	});
}

/** `DELETE /Users/:id`: removes the SCIM license and the IdP's record; never the person (R22). */
export async function deleteUser(ctx: ScimContext, id: string): Promise<Response> {
	await scimWrite(ctx.database, ctx.enterpriseID, async (w) => {
		const row = await findUser(w.trx, ctx.enterpriseID, id);
		if (!row) throw notFound(id);
		await releaseSeat(w, row);
		await w.trx
			.deleteFrom('scim_users')
			.where('enterprise_id', '=', ctx.enterpriseID)
			.where('user_id', '=', id)
			.execute();
		await w.audit('deprovisionUser', row.email, { userName: row.email }, null);
	});
	return new Response(null, { status: 204 });
}

/** Which of `ids` are SCIM users of the enterprise (for group members). */
export async function usersInEnterprise(
	q: Q,
	enterpriseID: string,
	ids: string[]
): Promise<Set<string>> {
	const found = new Set<string>();
	const plausible = ids.filter(plausibleID);
	for (let i = 0; i < plausible.length; i += 500) {
		const chunk = plausible.slice(i, i + 500);
		const rows = await usersOf(q, enterpriseID).select('u.id').where('u.id', 'in', chunk).execute();
		for (const r of rows) found.add(r.id);
	}
	return found;
}

/** Whether a projection leaves out the (costly) members of a group; re-exported for groups. */
export { excludes };
