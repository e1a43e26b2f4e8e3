import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { reverseText, type Db } from '../db';
import type { Dialect } from '../db/migrations';
import {
	isEffectivelyVerified,
	normalizeDomain,
	VERIFICATION_PREFIX,
	type DomainState,
	type TxtLookup
} from '../../domain/domains';
import { dnsLookupBudget, lookupTxt, type LookupBudget } from './dns';

type Q = Kysely<Database> | Transaction<Database>;

/** A fresh verification value: `roster-verification=` and 32 hex digits (R13). */
export function newVerificationValue(): string {
	return `${VERIFICATION_PREFIX}${randomBytes(16).toString('hex')}`;
}

/** Every domain of an enterprise as the mutators see it. */
export async function domainStates(q: Q, enterpriseID: string): Promise<DomainState[]> {
	const rows = await q
		.selectFrom('domains')
		.select([
			'id',
			'domain',
			'verification_value',
			'verified_at',
			'capture_enabled',
			'checked_at',
			'check_records',
			'check_error',
			'recheck_until'
		])
		.where('enterprise_id', '=', enterpriseID)
		.orderBy('domain')
		.execute();
	return rows.map((r) => ({
		id: r.id,
		domain: r.domain,
		verificationValue: r.verification_value,
		verifiedAt: r.verified_at == null ? null : Number(r.verified_at),
		captureEnabled: Number(r.capture_enabled) === 1,
		lastCheck:
			r.checked_at == null
				? null
				: {
						at: Number(r.checked_at),
						records: JSON.parse(r.check_records ?? '[]') as string[],
						error: r.check_error
					},
		recheckUntil: r.recheck_until == null ? null : Number(r.recheck_until)
	}));
}

/**
 * Users whose email is on `domain` (or any of several) or one of its subdomains (R15), unlicensed in
 * the enterprise. Each user is one row however many of the domains they match. The users are found
 * as ranges of the index of reversed emails (`users_email_reversed`): `tset.emca@…` are acme.test's,
 * `tset.emca.…` its subdomains', so no query reads every user of every enterprise.
 */
export function unclaimedOn(
	q: Q,
	dialect: Dialect,
	enterpriseID: string,
	domain: string | readonly string[]
) {
	const domains = typeof domain === 'string' ? [domain] : domain;
	// Byte order on both databases, as the index is built.
	const reversed =
		dialect === 'postgres'
			? sql<string>`reverse(lower(users.email)) collate "C"`
			: sql<string>`reverse(lower(users.email))`;
	return q
		.selectFrom('users')
		.where((eb) =>
			eb.or(
				domains.flatMap((d) =>
					// On the domain itself, then on any subdomain of it.
					[`${reverseText(d)}@`, `${reverseText(d)}.`].map((prefix) =>
						eb.and([eb(reversed, '>=', prefix), eb(reversed, '<', nextPrefix(prefix))])
					)
				)
			)
		)
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					selectFrom('licenses')
						.select('licenses.user_id')
						.whereRef('licenses.user_id', '=', 'users.id')
						.where('licenses.enterprise_id', '=', enterpriseID)
				)
			)
		);
}

/** The first string after every string that starts with `prefix` (its last character moved on). */
function nextPrefix(prefix: string): string {
	return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** The mirror's domain rows: state, effective verification and unclaimed counts (R13, R15). */
export async function domainMirrorRows(q: Q, dialect: Dialect, enterpriseID: string) {
	const domains = await domainStates(q, enterpriseID);
	const roots = domains.filter((d) => d.verifiedAt != null).map((d) => d.domain);
	return Promise.all(
		domains.map(async (d) => {
			const effectiveVerified = isEffectivelyVerified(d.domain, roots);
			// R3: only a verified domain reveals who is on it.
			const unclaimedCount = effectiveVerified
				? Number(
						(
							await unclaimedOn(q, dialect, enterpriseID, d.domain)
								.select((eb) => eb.fn.countAll<number>().as('n'))
								.executeTakeFirstOrThrow()
						).n
					)
				: null;
			return { ...d, effectiveVerified, unclaimedCount };
		})
	);
}

type DomainMirrorRow = Awaited<ReturnType<typeof domainMirrorRows>>[number];

/**
 * Where a pull's domain rows may be shared: the database it reads and the enterprise's version and
 * cookie floor it sees. Consoles pulling after one change all ask for the rows of that one version.
 */
export interface DomainRowsAt {
	database: object;
	version: number;
	floor: number;
}

// The last domain rows each enterprise's pulls computed, by database. Counting the unclaimed users
// of a domain reads every user on it (100 ms at 100,000 users), and every console pulls after each
// change: without this, 20 consoles took 20 counts, one after another on SQLite's one connection.
// The counts move with licenses and domains, which bump the version, so rows computed at a version
// stay those of that version (new sign-ups on a domain show with the next change, as they always
// have for consoles pulling since a cookie).
const recentDomainRows = new WeakMap<
	object,
	Map<string, { at: string; rows: DomainMirrorRow[] }>
>();
const RECENT_ENTERPRISES = 1000;
// `bench/pull-fanout.js` turns the sharing off for its baseline, every pull counting for itself.
const SHARE_DOMAIN_ROWS = process.env.ROSTER_SHARE_DOMAIN_ROWS !== '0';

/**
 * The domain rows of a pull: all of them whenever a domain or a license changed since `since`
 * (counts and effective verification depend on both; domains are few), else none. A pull since a
 * cookie that says where it reads (`at`) shares the rows another pull computed at the same version.
 */
export async function domainRowsSince(
	q: Q,
	dialect: Dialect,
	enterpriseID: string,
	since: number,
	at?: DomainRowsAt
) {
	if (since >= 0) {
		const [domain, license, dead] = await Promise.all([
			q
				.selectFrom('domains')
				.select('id')
				.where('enterprise_id', '=', enterpriseID)
				.where('version', '>', since)
				.limit(1)
				.executeTakeFirst(),
			q
				.selectFrom('licenses')
				.select('user_id')
				.where('enterprise_id', '=', enterpriseID)
				.where('version', '>', since)
				.limit(1)
				.executeTakeFirst(),
			q
				.selectFrom('tombstones')
				.select('row_key')
				.where('enterprise_id', '=', enterpriseID)
				.where('table_name', 'in', ['licenses', 'domains'])
				.where('version', '>', since)
				.limit(1)
				.executeTakeFirst()
		]);
		if (!domain && !license && !dead) return [];
	}
	const shared = since >= 0 && at && SHARE_DOMAIN_ROWS ? sharedDomainRows(at.database) : null;
	const key = at ? `${at.version}/${at.floor}` : '';
	let rows = shared?.get(enterpriseID)?.at === key ? shared.get(enterpriseID)!.rows : null;
	if (!rows) {
		rows = await domainMirrorRows(q, dialect, enterpriseID);
		if (shared) {
			shared.delete(enterpriseID);
			shared.set(enterpriseID, { at: key, rows });
			if (shared.size > RECENT_ENTERPRISES) shared.delete(shared.keys().next().value!);
		}
	}
	return rows.map((value) => ({ key: value.id, value }));
}

function sharedDomainRows(database: object) {
	let shared = recentDomainRows.get(database);
	if (!shared) recentDomainRows.set(database, (shared = new Map()));
	return shared;
}

/**
 * The TXT lookups a push needs, done before its transaction opens (R13): a lookup can take
 * seconds, and SQLite has one writer, so it must not wait inside the write lock. Only for domains
 * the enterprise holds: each unverified domain of the enterprise a `verifyDomain` of the batch
 * names, and each domain an `addDomain` of the same batch adds (added and verified offline
 * together) that the enterprise does not hold already. Each lookup takes a token of the
 * enterprise's budget; past it, the name is marked `limited` and its verification asks to try
 * again later, so nothing is dropped silently.
 */
export async function prefetchTxt(
	database: Db,
	enterpriseID: string,
	mutations: readonly { name: string; args: unknown }[],
	{ budget = dnsLookupBudget, now = Date.now() }: { budget?: LookupBudget; now?: number } = {}
): Promise<Map<string, TxtLookup>> {
	const lookups = new Map<string, TxtLookup>();
	const verifyIDs = new Set<string>();
	const added = new Map<string, string>();
	for (const m of mutations) {
		const args = (m.args ?? {}) as Record<string, unknown>;
		if (m.name === 'verifyDomain' && typeof args.domainID === 'string')
			verifyIDs.add(args.domainID);
		if (
			m.name === 'addDomain' &&
			typeof args.domainID === 'string' &&
			typeof args.domain === 'string' &&
			!added.has(args.domainID)
		) {
			const n = normalizeDomain(args.domain.slice(0, 400));
			if (n.ok) added.set(args.domainID, n.domain);
		}
	}
	if (verifyIDs.size === 0) return lookups;
	const held = await domainStates(database.db, enterpriseID);
	const byID = new Map(held.map((d) => [d.id, d]));
	const heldNames = new Set(held.map((d) => d.domain));
	const names = new Set<string>();
	for (const id of verifyIDs) {
		const own = byID.get(id);
		if (own) {
			if (own.verifiedAt == null) names.add(own.domain);
			continue;
		}
		// An add of this batch that will succeed: a new id, for a name the enterprise lacks.
		const name = added.get(id);
		if (name && !heldNames.has(name)) names.add(name);
	}
	const asked: string[] = [];
	for (const name of names) {
		if (budget.take(enterpriseID, now)) asked.push(name);
		else lookups.set(name, { records: [], limited: true });
	}
	await Promise.all(asked.map(async (n) => lookups.set(n, await lookupTxt(n))));
	return lookups;
}
