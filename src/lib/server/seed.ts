import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from './db';
import type { Database } from './db/schema';
import { hashPassword } from './auth/password';
import { hashToken } from './auth/tokens';
import { writeAudit } from './audit.service';
import { slugify } from '../domain/slug';
import { ACTIVITY_TRACKING_START, RETENTION_DAYS } from '../domain/activity';
import { DAY_MS, inviteExpiresAt } from '../domain/seats';
import { normalizeEmail } from '../domain/auth';
import { nameKey } from '../domain/text';

/** What to generate. */
export interface SeedOptions {
	name: string;
	users: number;
	/** Users on the enterprise's domains who hold no license (unclaimed accounts, R15). */
	unmanaged?: number;
	domains?: string[];
	seats?: number;
	owner?: string;
	password?: string;
	scimToken?: string;
	/** Extra admins: co-owners and billing users with the same password. */
	admins?: { email: string; name: string; role: 'co-owner' | 'billing' }[];
	invites?: number;
	orgs?: string[];
	teams?: { name: string; links: { org: number; role: 'admin' | 'member' }[] }[];
	now?: number;
	/** Deterministic data for the same seed. */
	seed?: number;
}

/** What was created. */
export interface SeedResult {
	enterpriseID: string;
	slug: string;
	owner: string;
	users: number;
	ms: number;
}

const FIRST = [
	'Ada',
	'Grace',
	'Alan',
	'Linus',
	'Margaret',
	'Ken',
	'Barbara',
	'Dennis',
	'Radia',
	'Tim',
	'Frances',
	'Edsger',
	'Hedy',
	'Donald',
	'Katherine',
	'John',
	'Joan',
	'Guido',
	'Anita',
	'Bjarne',
	'Zoë',
	'José',
	'Søren',
	'Ngozi',
	'Mei',
	'Ravi',
	'Aiko',
	'Omar',
	'Fatima',
	'Lars'
];
const LAST = [
	'Lovelace',
	'Hopper',
	'Turing',
	'Torvalds',
	'Hamilton',
	'Thompson',
	'Liskov',
	'Ritchie',
	'Perlman',
	'Berners-Lee',
	'Allen',
	'Dijkstra',
	'Lamarr',
	'Knuth',
	'Johnson',
	'McCarthy',
	'Clarke',
	'van Rossum',
	'Borg',
	'Stroustrup',
	'Núñez',
	"O'Brien",
	'Kowalski',
	'Okafor',
	'Chen',
	'Patel',
	'Tanaka',
	'Haddad',
	'Rahman',
	'Nilsson'
];

/** A small deterministic PRNG (mulberry32), so the same seed makes the same enterprise. */
function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function seedOf(text: string): number {
	return createHash('sha256').update(text).digest().readUInt32LE(0);
}

// Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 500;

async function insertChunks<T extends keyof Database & string>(
	trx: Transaction<Database>,
	table: T,
	rows: readonly object[],
	ignoreConflicts = false
): Promise<void> {
	for (let i = 0; i < rows.length; i += CHUNK) {
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows are built for `table` above
		const q = trx.insertInto(table).values(rows.slice(i, i + CHUNK) as any);
		await (ignoreConflicts ? q.onConflict((oc) => oc.doNothing()) : q).execute();
	}
}

async function uniqueSlug(trx: Transaction<Database>, name: string): Promise<string> {
	const base = slugify(name);
	const taken = new Set(
		(
			await trx
				.selectFrom('enterprises')
				.select('slug')
				.where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
				.execute()
		).map((r) => r.slug)
	);
	let slug = base;
	for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
	return slug;
}

/** Finds a user by email or creates them; a password is set only where none is. */
async function ensureUser(
	trx: Transaction<Database>,
	email: string,
	name: string,
	passwordHash: string | null,
	now: number
): Promise<string> {
	const existing = await trx
		.selectFrom('users')
		.select(['id', 'password_hash'])
		.where(sql`lower(email)`, '=', normalizeEmail(email))
		.executeTakeFirst();
	if (existing) {
		if (!existing.password_hash && passwordHash) {
			await trx
				.updateTable('users')
				.set({ password_hash: passwordHash })
				.where('id', '=', existing.id)
				.execute();
		}
		return existing.id;
	}
	const id = randomUUID();
	await trx
		.insertInto('users')
		.values({
			id,
			email: normalizeEmail(email),
			name,
			password_hash: passwordHash,
			last_login_at: null,
			created_at: now
		})
		.execute();
	return id;
}

/** Generates an enterprise with users, activity, organizations, teams, domains and invites. */
export async function seedEnterprise(database: Db, opts: SeedOptions): Promise<SeedResult> {
	const started = performance.now();
	const now = opts.now ?? Date.now();
	const rand = prng(opts.seed ?? seedOf(opts.name));
	const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
	// When each seeded license began, from a stream of its own (the rest of the seed stays as it
	// was): two thirds before the charts' 90 days, the rest spread over them, so seat usage grows.
	const joined = prng((opts.seed ?? seedOf(opts.name)) + 1);
	const licensedSince = () =>
		joined() < 2 / 3
			? now - (91 + Math.floor(joined() * 300)) * DAY_MS
			: now - Math.floor(joined() * 90 * DAY_MS);
	const userCount = Math.max(0, Math.floor(opts.users));
	const unmanagedCount = Math.max(0, Math.floor(opts.unmanaged ?? 0));
	const password = opts.password ?? 'roster-demo';
	const passwordHash = await hashPassword(password);
	const adminHashes = opts.admins?.length ? await hashPassword(password) : null;

	return database.db.transaction().execute(async (trx) => {
		const enterpriseID = randomUUID();
		const slug = await uniqueSlug(trx, opts.name);
		const domains = (opts.domains?.length ? opts.domains : [`${slug}.test`]).map((d) =>
			d.trim().toLowerCase()
		);
		const owner = normalizeEmail(opts.owner ?? `owner@${domains[0]}`);
		const inviteCount = opts.invites ?? Math.min(10, Math.ceil(userCount / 100));
		const seats = opts.seats ?? Math.ceil((userCount + inviteCount) * 1.1) + 5;

		await trx
			.insertInto('enterprises')
			.values({ id: enterpriseID, name: opts.name, slug, seats, version: 1, created_at: now })
			.execute();

		const ownerID = await ensureUser(trx, owner, 'Enterprise Owner', passwordHash, now);
		await trx
			.insertInto('account_roles')
			.values({ enterprise_id: enterpriseID, user_id: ownerID, role: 'owner', created_at: now })
			.execute();
		for (const admin of opts.admins ?? []) {
			const id = await ensureUser(trx, admin.email, admin.name, adminHashes, now);
			await trx
				.insertInto('account_roles')
				.values({ enterprise_id: enterpriseID, user_id: id, role: admin.role, created_at: now })
				.onConflict((oc) => oc.doNothing())
				.execute();
		}

		// Users: emails are unique across the vendor's user base, so a repeated domain may meet
		// existing people; those are reused rather than duplicated.
		const total = userCount + unmanagedCount;
		const emailIDs = new Map<string, string>();
		const userRows: Database['users'][] = [];
		const summaries: { user_id: string; last_active_at: number }[] = [];
		const events: { user_id: string; at: number }[] = [];
		for (let i = 0; i < total; i++) {
			const first = pick(FIRST);
			const last = pick(LAST);
			const local = `${first}.${last}.${i}`
				.normalize('NFKD')
				.replace(/[^A-Za-z0-9.]/g, '')
				.toLowerCase();
			const email = `${local}@${domains[i % domains.length]}`;
			const r = rand();
			let lastActivity: number | null = null;
			let lastLogin: number | null = null;
			if (r < 0.08) {
				// never signed in, never active
			} else if (r < 0.16) {
				// legacy: last login before activity tracking began (R19)
				lastLogin =
					ACTIVITY_TRACKING_START - Math.floor(rand() * 400) * DAY_MS - Math.floor(rand() * DAY_MS);
			} else {
				lastActivity = now - Math.floor(rand() * 200 * DAY_MS);
				lastLogin = lastActivity - Math.floor(rand() * 30 * DAY_MS);
			}
			const id = randomUUID();
			emailIDs.set(email, id);
			userRows.push({
				id,
				email,
				name: `${first} ${last}`,
				password_hash: null,
				last_login_at: lastLogin,
				created_at: now
			});
			if (lastActivity != null) {
				summaries.push({ user_id: id, last_active_at: lastActivity });
				if (now - lastActivity < RETENTION_DAYS * DAY_MS)
					events.push({ user_id: id, at: lastActivity });
			}
		}
		await insertChunks(trx, 'users', userRows, true);
		// Resolve the ids actually stored (an existing person keeps their id).
		const ids: string[] = [];
		const stored = new Map<string, string>();
		for (let i = 0; i < userRows.length; i += CHUNK) {
			const emails = userRows.slice(i, i + CHUNK).map((u) => u.email);
			for (const row of await trx
				.selectFrom('users')
				.select(['id', 'email'])
				.where(sql`lower(email)`, 'in', emails)
				.execute()) {
				stored.set(row.email.toLowerCase(), row.id);
			}
		}
		for (const u of userRows) ids.push(stored.get(u.email) ?? u.id);
		const fresh = new Set(userRows.filter((u) => stored.get(u.email) === u.id).map((u) => u.id));
		await insertChunks(
			trx,
			'activity_summary',
			summaries.filter((s) => fresh.has(s.user_id))
		);
		await insertChunks(
			trx,
			'activity_events',
			events.filter((e) => fresh.has(e.user_id))
		);

		const licensed = ids.slice(0, userCount);
		await insertChunks(
			trx,
			'licenses',
			[ownerID, ...licensed].map((user_id, i) => ({
				enterprise_id: enterpriseID,
				user_id,
				source: 'seed' as const,
				created_at: i === 0 ? now - 400 * DAY_MS : licensedSince()
			})),
			true
		);

		// Organizations and teams.
		const orgNames = opts.orgs ?? ['Engineering', 'Product', 'Support', 'Data'];
		const orgIDs = orgNames.map(() => randomUUID());
		await insertChunks(
			trx,
			'organizations',
			orgNames.map((name, i) => ({
				id: orgIDs[i],
				enterprise_id: enterpriseID,
				name,
				name_key: nameKey(name),
				created_at: now
			}))
		);
		await insertChunks(
			trx,
			'org_members',
			orgIDs.map((org_id) => ({
				org_id,
				user_id: ownerID,
				enterprise_id: enterpriseID,
				role: 'owner' as const
			}))
		);
		const teams = opts.teams ?? [
			{
				name: 'Platform',
				links: [
					{ org: 0, role: 'admin' as const },
					{ org: 3, role: 'member' as const }
				]
			},
			{ name: 'Mobile', links: [{ org: 0, role: 'member' as const }] },
			{ name: 'Design', links: [{ org: 1, role: 'member' as const }] },
			{ name: 'Customer Success', links: [{ org: 2, role: 'admin' as const }] },
			{
				name: 'Analytics',
				links: [
					{ org: 3, role: 'admin' as const },
					{ org: 1, role: 'member' as const }
				]
			},
			{
				name: 'Security',
				links: [
					{ org: 0, role: 'admin' as const },
					{ org: 2, role: 'member' as const }
				]
			}
		];
		const perTeam = Math.min(
			licensed.length,
			Math.max(1, Math.min(2000, Math.floor(licensed.length / 10)))
		);
		for (const team of teams) {
			const id = randomUUID();
			await trx
				.insertInto('teams')
				.values({
					id,
					enterprise_id: enterpriseID,
					name: team.name,
					name_key: nameKey(team.name),
					source: 'manual',
					external_id: null,
					created_at: now
				})
				.execute();
			const start = licensed.length ? Math.floor(rand() * licensed.length) : 0;
			const members = new Set<string>();
			for (let k = 0; k < perTeam && licensed.length; k++)
				members.add(licensed[(start + k) % licensed.length] as string);
			await insertChunks(
				trx,
				'team_members',
				[...members].map((user_id) => ({ team_id: id, user_id, enterprise_id: enterpriseID }))
			);
			await insertChunks(
				trx,
				'team_org_links',
				team.links
					.filter((l) => orgIDs[l.org])
					.map((l) => ({
						team_id: id,
						org_id: orgIDs[l.org] as string,
						enterprise_id: enterpriseID,
						role: l.role
					}))
			);
		}

		// Domains: the first verified (capture off), the rest waiting for verification (R13).
		await insertChunks(
			trx,
			'domains',
			domains.map((domain, i) => ({
				id: randomUUID(),
				enterprise_id: enterpriseID,
				domain,
				verification_value: `roster-verification=${randomBytes(16).toString('hex')}`,
				verified_at: i === 0 ? now : null,
				capture_enabled: 0,
				created_at: now
			}))
		);

		// Invites: pending ones hold seats; a few long expired ones do not (R5).
		const inviteRows = [];
		for (let i = 0; i < inviteCount; i++) {
			const expired = i % 5 === 4;
			const sentAt = expired ? now - 45 * DAY_MS : now - Math.floor(rand() * 25 * DAY_MS);
			inviteRows.push({
				id: randomUUID(),
				enterprise_id: enterpriseID,
				email: `invitee.${i}@${domains[0]}`,
				role: 'member' as const,
				team_ids: '[]',
				invited_by: ownerID,
				sent_at: sentAt,
				expires_at: inviteExpiresAt(sentAt)
			});
		}
		await insertChunks(trx, 'invites', inviteRows);

		await trx
			.insertInto('storage_policies')
			.values({
				id: randomUUID(),
				enterprise_id: enterpriseID,
				org_id: null,
				local: 1,
				cloud: 1,
				git: 1,
				updated_at: now
			})
			.execute();

		if (opts.scimToken) {
			await trx
				.insertInto('scim_tokens')
				.values({
					id: randomUUID(),
					enterprise_id: enterpriseID,
					token_hash: hashToken(opts.scimToken),
					created_at: now,
					expires_at: null,
					revoked_at: null
				})
				.execute();
			await trx
				.updateTable('enterprises')
				.set({ scim_enabled: 1 })
				.where('id', '=', enterpriseID)
				.execute();
		}

		await writeAudit(trx, {
			enterpriseID,
			at: now,
			actorUserID: null,
			kind: 'system',
			action: 'seedEnterprise',
			target: opts.name,
			after: { users: userCount, unmanaged: unmanagedCount, seats, domains }
		});

		return {
			enterpriseID,
			slug,
			owner,
			users: userCount,
			ms: Math.round(performance.now() - started)
		};
	});
}

/** Loads the demo enterprise "Acme" when the database holds no enterprise yet; true if it did. */
export async function seedDemoIfEmpty(database: Db): Promise<boolean> {
	const any = await database.db.selectFrom('enterprises').select('id').limit(1).executeTakeFirst();
	if (any) return false;
	const result = await seedEnterprise(database, {
		name: 'Acme',
		users: 5000,
		unmanaged: 240,
		domains: ['acme.test', 'labs.acme.test', 'acme-corp.test'],
		owner: 'owner@acme.test',
		password: 'roster-demo',
		admins: [
			{ email: 'coowner@acme.test', name: 'Casey Co-Owner', role: 'co-owner' },
			{ email: 'billing@acme.test', name: 'Bailey Billing', role: 'billing' }
		],
		invites: 15,
		seed: 42
	});
	// The demo's second domain is a verified subdomain; only the third waits for verification (R13).
	await database.db
		.updateTable('domains')
		.set({ verified_at: Date.now() })
		.where('enterprise_id', '=', result.enterpriseID)
		.where('domain', '=', 'labs.acme.test')
		.execute();
	return true;
}
