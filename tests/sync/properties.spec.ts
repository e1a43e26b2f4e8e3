import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/lib/server/db';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { pushBodySchema, type PushBody, type PushResult } from '../../src/lib/domain/sync/protocol';
import { makeSmallEnterprise, type SmallEnterprise } from './support/enterprise';
import {
	applyPatch,
	openServer,
	seatUsage,
	serverVersion,
	type MirrorSnapshot,
	type TestServer
} from './support/server';
import { diffSnapshots } from './support/scenario';

// Properties of the server half of the sync protocol, straight against push() and pull() on a real
// SQLite file: arbitrary push batches from several clients — replays, overlaps, gaps, swapped ids,
// unknown mutations, invalid args, concurrent duplicates, a client id used by another admin — and
// pulls from any cookie. Each run gets an enterprise of its own in one database per file.
//
// Replay: FC_SEED=<seed> [FC_PATH=<path>] npx vitest run tests/sync/properties.spec.ts
// More runs: FC_RUNS=500

const FC_SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20_250_901;
const FC_PATH = process.env.FC_PATH || undefined;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : undefined;

let server: TestServer;
let run = 0;

beforeAll(async () => {
	// The database and its schema; each property run adds its own small enterprise.
	server = await openServer({ users: 1, seats: 5, name: 'Properties base' });
});
afterAll(() => server.close());

// ---------------------------------------------------------------------------------------------
// The generated language of steps.

const OPS = [
	'createTeam',
	'renameTeam',
	'deleteTeam',
	'addTeamMember',
	'removeTeamMember',
	'removeLicense',
	'inviteUser',
	'inviteShared',
	'unknown',
	'invalid'
] as const;
type Op = (typeof OPS)[number];

interface MutSpec {
	op: Op;
	a: number;
	b: number;
}

const MODES = [
	'next',
	'next',
	'next',
	'overlap',
	'replay',
	'gap',
	'swap',
	'dupInBatch',
	'empty'
] as const;
type Mode = (typeof MODES)[number];

interface PushStep {
	kind: 'push';
	client: number;
	mode: Mode;
	back: number;
	gap: number;
	/** Resend earlier ids with different args: the server must still apply each id at most once. */
	altPayload: boolean;
	muts: MutSpec[];
}
type Step =
	| PushStep
	| { kind: 'concurrent'; pushes: PushStep[] }
	| { kind: 'pull'; client: number; from: 'cookie' | 'zero' | 'future' }
	| { kind: 'foreign'; client: number };

const mutSpec = fc.record({
	op: fc.constantFrom(...OPS),
	a: fc.nat({ max: 20 }),
	b: fc.nat({ max: 20 })
});

const CLIENTS = 4; // 0..2 owner devices, 3 a billing admin's device
const pushStep = (ops = mutSpec): fc.Arbitrary<PushStep> =>
	fc.record({
		kind: fc.constant('push' as const),
		client: fc.nat({ max: CLIENTS - 1 }),
		mode: fc.constantFrom(...MODES),
		back: fc.integer({ min: 1, max: 6 }),
		gap: fc.integer({ min: 1, max: 3 }),
		altPayload: fc.boolean(),
		muts: fc.array(ops, { minLength: 1, maxLength: 6 })
	});

const step: fc.Arbitrary<Step> = fc.oneof(
	{ weight: 8, arbitrary: pushStep() },
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant('concurrent' as const),
			pushes: fc.array(pushStep(), { minLength: 2, maxLength: 3 })
		})
	},
	{
		weight: 3,
		arbitrary: fc.record({
			kind: fc.constant('pull' as const),
			client: fc.nat({ max: CLIENTS - 1 }),
			from: fc.constantFrom(
				'cookie' as const,
				'cookie' as const,
				'zero' as const,
				'future' as const
			)
		})
	},
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant('foreign' as const), client: fc.nat({ max: 2 }) })
	}
);

// ---------------------------------------------------------------------------------------------
// The model: what each client sent and what the server said, and the invariants over it.

interface ClientModel {
	id: string;
	pusher: Pusher;
	/** The last lastMutationID read from the server after a step. */
	last: number;
	/** Ids the server answered `applied` for (each must be answered so exactly once). */
	applied: Set<number>;
	/** The payload that was in the batch whose answer said `applied`, by id. */
	appliedPayload: Map<number, PushBody['mutations'][number]>;
	/** Ids the server answered `rejected` for, with the code. */
	rejected: Map<number, string>;
	/** The payload first sent under each id. */
	sent: Map<number, PushBody['mutations'][number]>;
	/** Every id ever sent, for replays. */
	batches: PushBody['mutations'][];
	cookie: number;
	mirror: MirrorSnapshot;
}

class Run {
	readonly n = ++run;
	readonly clients: ClientModel[];
	readonly violations: string[] = [];
	readonly misleadingExpected: string[] = [];
	refused = 0;
	readonly log: string[] = [];
	maxCookie = 0;
	variant = 0;
	readonly sharedEmails: string[];

	constructor(
		readonly db: Db,
		readonly ent: SmallEnterprise,
		readonly teamPool: string[],
		readonly userPool: string[]
	) {
		this.clients = Array.from({ length: CLIENTS }, (_, c) => ({
			id: `p${this.n}-c${c}-${randomUUID().slice(0, 8)}`,
			pusher:
				c === 3
					? { userID: ent.billingID, role: 'billing' as const }
					: { userID: ent.ownerID, role: 'owner' as const },
			last: 0,
			applied: new Set(),
			appliedPayload: new Map(),
			rejected: new Map(),
			sent: new Map(),
			batches: [],
			cookie: 0,
			mirror: {}
		}));
		this.sharedEmails = [0, 1, 2].map((i) => `shared${i}.p${this.n}@props.test`);
	}

	/** A tag naming the (client, id) a change came from: names and emails carry it into the audit log. */
	tag(c: number, id: number) {
		return `p${this.n}c${c}m${id}v`;
	}

	payload(c: number, id: number, spec: MutSpec): PushBody['mutations'][number] {
		const tag = `${this.tag(c, id)}${++this.variant}`;
		const team = this.teamPool[spec.a % this.teamPool.length]!;
		const user = this.userPool[spec.b % this.userPool.length]!;
		const at = Date.now();
		const m = (name: string, args: unknown) => ({ id, name, args, createdAt: at });
		switch (spec.op) {
			case 'createTeam':
				return m('createTeam', { teamID: team, name: tag });
			case 'renameTeam':
				return m('renameTeam', { teamID: team, name: tag });
			case 'deleteTeam':
				return m('deleteTeam', { teamID: team });
			case 'addTeamMember':
				return m('addTeamMember', { teamID: team, userID: user });
			case 'removeTeamMember':
				return m('removeTeamMember', { teamID: team, userID: user });
			case 'removeLicense':
				return m('removeLicense', { userID: user });
			case 'inviteUser':
				return m('inviteUser', { inviteID: randomUUID(), email: `${tag}@props.test`, teamIDs: [] });
			case 'inviteShared':
				return m('inviteUser', {
					inviteID: randomUUID(),
					email: this.sharedEmails[spec.a % this.sharedEmails.length],
					teamIDs: spec.b % 2 ? [team] : []
				});
			case 'unknown':
				return m(spec.a % 2 ? 'dropAllTables' : 'assignSeat', { userID: user });
			case 'invalid':
				return spec.a % 2
					? m('createTeam', { teamID: 'not-a-uuid', name: tag })
					: m('inviteUser', { inviteID: randomUUID(), email: 'not an email', teamIDs: [] });
		}
	}

	/** The batch a push step sends, from what the server had at the start of the step. */
	batch(s: PushStep): PushBody['mutations'] {
		const cm = this.clients[s.client]!;
		const last = cm.last;
		const fresh = (id: number, i: number) => {
			const prior = cm.sent.get(id);
			const p =
				prior && !s.altPayload ? prior : this.payload(s.client, id, s.muts[i % s.muts.length]!);
			if (!cm.sent.has(id)) cm.sent.set(id, p);
			return p;
		};
		const range = (from: number, count: number) =>
			Array.from({ length: count }, (_, i) => fresh(from + i, i));
		switch (s.mode) {
			case 'next':
				return range(last + 1, s.muts.length);
			case 'overlap': {
				const from = Math.max(1, last - s.back + 1);
				return range(from, last - from + 1 + s.muts.length);
			}
			case 'replay':
				return cm.batches.length
					? structuredClone(cm.batches[s.back % cm.batches.length]!)
					: range(last + 1, s.muts.length);
			case 'gap':
				return range(last + 1 + s.gap, s.muts.length);
			case 'swap': {
				const b = range(last + 1, Math.max(2, s.muts.length));
				[b[0], b[1]] = [b[1]!, b[0]!];
				return b;
			}
			case 'dupInBatch': {
				const b = range(last + 1, s.muts.length);
				return [...b, b[b.length - 1]!];
			}
			case 'empty':
				return [];
		}
	}
}

/** What the contract says a batch is, given the client's lastMutationID (ARCHITECTURE.md, push). */
function classify(ids: number[], last: number): 'valid' | 'gap' | 'repeat' {
	let expected = last + 1;
	for (const id of ids) {
		if (id > expected) return 'gap';
		if (id === expected) expected++;
		else if (id > last) return 'repeat'; // a not-yet-applied id twice in one batch
	}
	return 'valid';
}

interface ServerFacts {
	version: number;
	last: Map<string, number>;
	results: Map<string, Map<number, string>>;
	audit: number;
	teams: number;
	invites: number;
	licenses: number;
	members: number;
}

async function facts(r: Run): Promise<ServerFacts> {
	const { db } = r.db;
	const ent = r.ent.enterpriseID;
	const ids = r.clients.map((c) => c.id);
	const [version, clients, results, audit, teams, invites, licenses, members] = await Promise.all([
		serverVersion(r.db, ent),
		db
			.selectFrom('sync_clients')
			.select(['client_id', 'last_mutation_id'])
			.where('client_id', 'in', ids)
			.execute(),
		db
			.selectFrom('sync_results')
			.select(['client_id', 'mutation_id', 'status', 'code'])
			.where('client_id', 'in', ids)
			.execute(),
		count(r.db, 'audit_log', ent),
		count(r.db, 'teams', ent),
		count(r.db, 'invites', ent),
		count(r.db, 'licenses', ent),
		count(r.db, 'team_members', ent)
	]);
	const res = new Map<string, Map<number, string>>();
	for (const row of results) {
		if (row.status !== 'rejected') continue;
		const m = res.get(row.client_id) ?? new Map<number, string>();
		m.set(Number(row.mutation_id), row.code ?? '?');
		res.set(row.client_id, m);
	}
	return {
		version,
		last: new Map(clients.map((c) => [c.client_id, Number(c.last_mutation_id)])),
		results: res,
		audit,
		teams,
		invites,
		licenses,
		members
	};
}

/** Rows of one enterprise in a table. */
async function count(
	{ db }: Db,
	table: 'audit_log' | 'teams' | 'invites' | 'licenses' | 'team_members',
	enterpriseID: string
): Promise<number> {
	const row = await db
		.selectFrom(table)
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('enterprise_id', '=', enterpriseID)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

function unchanged(a: ServerFacts, b: ServerFacts): string[] {
	const out: string[] = [];
	for (const k of ['version', 'audit', 'teams', 'invites', 'licenses', 'members'] as const)
		if (a[k] !== b[k]) out.push(`${k} ${a[k]} -> ${b[k]}`);
	for (const [id, last] of b.last)
		if ((a.last.get(id) ?? 0) !== last) out.push(`lastMutationID of ${id} moved`);
	const n = (f: ServerFacts) => [...f.results.values()].reduce((s, m) => s + m.size, 0);
	if (n(a) !== n(b)) out.push('a rejection was recorded');
	return out;
}

/** What the push route does with a body: validate it, push, map the outcome. */
async function send(r: Run, c: number, mutations: PushBody['mutations'], pusher?: Pusher) {
	const cm = r.clients[c]!;
	const body: PushBody = pushBodySchema.parse({
		enterpriseID: r.ent.enterpriseID,
		clientGroupID: `g-${cm.id}`,
		clientID: cm.id,
		mutations
	});
	return push(r.db, body, pusher ?? cm.pusher);
}

function recordResults(
	r: Run,
	c: number,
	mutations: PushBody['mutations'],
	results: PushResult[],
	where: string
) {
	const cm = r.clients[c]!;
	for (const [i, res] of results.entries()) {
		if (res.status === 'applied') {
			if (cm.applied.has(res.id))
				r.violations.push(`${where}: client ${c} id ${res.id} answered "applied" a second time`);
			if (cm.rejected.has(res.id))
				r.violations.push(`${where}: client ${c} id ${res.id} applied after it was rejected`);
			cm.applied.add(res.id);
			if (mutations[i]) cm.appliedPayload.set(res.id, mutations[i]);
		} else if (res.status === 'rejected') {
			if (cm.applied.has(res.id) || cm.rejected.has(res.id))
				r.violations.push(
					`${where}: client ${c} id ${res.id} rejected after it was already decided`
				);
			cm.rejected.set(res.id, res.code ?? '?');
		}
	}
}

async function runPush(r: Run, s: PushStep, before: ServerFacts) {
	const cm = r.clients[s.client]!;
	const mutations = r.batch(s);
	const ids = mutations.map((m) => m.id);
	const kind = classify(ids, cm.last);
	const where = `push c${s.client} ${s.mode} ids [${ids.join(',')}] (last ${cm.last})`;
	r.log.push(where);
	const out = await send(r, s.client, mutations);
	const after = await facts(r);
	if (!out.ok) {
		if (out.status === 409) r.refused++;
		if (out.status === 403) {
			r.violations.push(`${where}: 403 for the client's own admin`);
			return after;
		}
		if (kind === 'valid')
			r.violations.push(`${where}: refused with ${out.status} ${JSON.stringify(out.body)}`);
		if (out.status === 409 && out.body.expected !== cm.last + 1)
			// Proved on its own below; kept apart so the other invariants still run to the end.
			r.misleadingExpected.push(`${where}: 409 says expected ${out.body.expected}`);
		const diff = unchanged(before, after);
		if (diff.length)
			r.violations.push(`${where}: a refused batch changed the server: ${diff.join(', ')}`);
		return after;
	}
	if (kind === 'gap') r.violations.push(`${where}: a batch with a gap was accepted`);
	cm.batches.push(structuredClone(mutations));
	const got = out.results.map((x) => x.id);
	if (JSON.stringify(got) !== JSON.stringify(ids))
		r.violations.push(`${where}: results for [${got.join(',')}], not in the order sent`);
	for (const res of out.results) {
		if (res.id <= cm.last && res.status !== 'alreadyApplied' && !(kind === 'repeat'))
			r.violations.push(`${where}: id ${res.id} ≤ lastMutationID answered ${res.status}`);
		if (
			res.id > cm.last &&
			res.status === 'alreadyApplied' &&
			kind === 'valid' &&
			ids.indexOf(res.id) === ids.lastIndexOf(res.id)
		)
			r.violations.push(`${where}: new id ${res.id} answered alreadyApplied`);
	}
	recordResults(r, s.client, mutations, out.results, where);
	const newLast = after.last.get(cm.id) ?? 0;
	const expectLast = Math.max(cm.last, ...ids, 0);
	if (newLast !== expectLast)
		r.violations.push(`${where}: lastMutationID ${newLast}, expected ${expectLast}`);
	return after;
}

async function step_(r: Run, s: Step): Promise<void> {
	const before = await facts(r);
	let after = before;
	if (s.kind === 'push') {
		after = await runPush(r, s, before);
	} else if (s.kind === 'concurrent') {
		const batches = s.pushes.map((p) => ({ p, mutations: r.batch(p) }));
		r.log.push(
			`concurrent ${batches.map((b) => `c${b.p.client}[${b.mutations.map((m) => m.id).join(',')}]`).join(' ')}`
		);
		const outs = await Promise.all(batches.map((b) => send(r, b.p.client, b.mutations)));
		outs.forEach((out, i) => {
			const b = batches[i]!;
			if (out.ok) {
				r.clients[b.p.client]!.batches.push(structuredClone(b.mutations));
				recordResults(r, b.p.client, b.mutations, out.results, `concurrent push c${b.p.client}`);
			} else if (out.status === 403) r.violations.push(`concurrent push c${b.p.client}: 403`);
		});
		after = await facts(r);
	} else if (s.kind === 'pull') {
		const cm = r.clients[s.client]!;
		const cookie = s.from === 'zero' ? 0 : s.from === 'future' ? before.version + 1000 : cm.cookie;
		const res = await pull(r.db, {
			enterpriseID: r.ent.enterpriseID,
			clientID: cm.id,
			userID: cm.pusher.userID,
			cookie
		});
		const where = `pull c${s.client} cookie ${cookie}`;
		r.log.push(`${where} -> ${res.cookie}${res.reset ? ' reset' : ''}`);
		if (res.cookie < r.maxCookie)
			r.violations.push(`${where}: cookie ${res.cookie} after ${r.maxCookie} was handed out`);
		if (res.cookie < cm.cookie)
			r.violations.push(`${where}: client's cookie went backwards ${cm.cookie} -> ${res.cookie}`);
		if (res.cookie !== before.version)
			r.violations.push(`${where}: cookie ${res.cookie}, version ${before.version}`);
		if (s.from === 'future' && !res.reset)
			r.violations.push(`${where}: a cookie from the future did not reset`);
		if (res.lastMutationID !== (before.last.get(cm.id) ?? 0))
			r.violations.push(
				`${where}: lastMutationID ${res.lastMutationID}, server has ${before.last.get(cm.id) ?? 0}`
			);
		const recorded = before.results.get(cm.id) ?? new Map<number, string>();
		for (const rej of res.rejections)
			if (recorded.get(rej.id) !== rej.code)
				r.violations.push(`${where}: rejection ${rej.id} not recorded`);
		r.maxCookie = Math.max(r.maxCookie, res.cookie);
		if (cookie === 0 || res.reset) cm.mirror = {};
		applyPatch(cm.mirror, res.changes);
		cm.cookie = res.cookie;
	} else {
		// Another admin presents this device's client id: refused, nothing changes.
		const cm = r.clients[s.client]!;
		if (before.last.has(cm.id)) {
			const out = await send(
				r,
				s.client,
				[r.payload(s.client, cm.last + 1, { op: 'createTeam', a: 0, b: 0 })],
				{
					userID: r.ent.billingID,
					role: 'billing'
				}
			);
			r.log.push(`foreign push on c${s.client}`);
			if (out.ok || out.status !== 403)
				r.violations.push(`foreign push on c${s.client}: not refused with 403`);
			after = await facts(r);
			const diff = unchanged(before, after);
			if (diff.length)
				r.violations.push(`foreign push on c${s.client} changed the server: ${diff.join(', ')}`);
		}
	}
	await invariants(r, before, after);
}

async function invariants(r: Run, before: ServerFacts, after: ServerFacts) {
	for (const [c, cm] of r.clients.entries()) {
		const last = after.last.get(cm.id) ?? 0;
		// Per-client order: lastMutationID only increases.
		if (last < (before.last.get(cm.id) ?? 0))
			r.violations.push(`c${c}: lastMutationID went backwards`);
		cm.last = last;
		// No silent loss: every id up to lastMutationID was applied or has a recorded rejection; not both.
		const rejected = after.results.get(cm.id) ?? new Map<number, string>();
		for (let id = 1; id <= last; id++) {
			const a = cm.applied.has(id);
			const j = rejected.has(id);
			if (a === j)
				r.violations.push(
					`c${c} id ${id} ≤ lastMutationID ${last} is ${a ? 'both applied and rejected' : 'neither applied nor rejected'}`
				);
			if (j && cm.rejected.has(id) && cm.rejected.get(id) !== rejected.get(id))
				r.violations.push(
					`c${c} id ${id}: answered ${cm.rejected.get(id)}, recorded ${rejected.get(id)}`
				);
		}
		for (const id of [...cm.applied, ...rejected.keys()])
			if (id > last) r.violations.push(`c${c} id ${id} decided beyond lastMutationID ${last}`);
	}
	// Seats (R4-R6): never oversold.
	const seats = await seatUsage(r.db, r.ent.enterpriseID);
	if (seats.used > seats.purchased)
		r.violations.push(
			`seats oversold: ${seats.licensed} licensed + ${seats.pendingInvites} invites > ${seats.purchased}`
		);
}

/**
 * At most one effect per (client, id): names and emails carry a tag of the (client, id) that wrote
 * them, so the audit log shows each change's effect. An applied, tagged change has exactly one;
 * a rejected one none; no tag appears twice.
 */
async function effects(r: Run) {
	const rows = await r.db.db
		.selectFrom('audit_log')
		.select(['action', 'after'])
		.where('enterprise_id', '=', r.ent.enterpriseID)
		.where('action', 'in', ['createTeam', 'renameTeam', 'inviteUser'])
		.execute();
	const byTag = new Map<string, number>();
	for (const row of rows) {
		const after = row.after ? (JSON.parse(row.after) as { name?: string; email?: string }) : {};
		const text = row.action === 'inviteUser' ? after.email : after.name;
		const m = /p\d+c\d+m\d+v/.exec(text ?? '');
		if (m) byTag.set(m[0], (byTag.get(m[0]) ?? 0) + 1);
	}
	const tagged = (p: PushBody['mutations'][number]) => {
		const args = p.args as { name?: string; email?: string; teamID?: string };
		if (p.name === 'createTeam' || p.name === 'renameTeam')
			return /^p\d+c/.test(args.name ?? '') && /^[0-9a-f-]{36}$/.test(args.teamID ?? '');
		return p.name === 'inviteUser' && /^p\d+c\d+m\d+v\d+@/.test(args.email ?? '');
	};
	let expectedTotal = 0;
	for (const [c, cm] of r.clients.entries()) {
		const ids = new Set([...cm.sent.keys(), ...cm.applied, ...cm.rejected.keys()]);
		for (const id of ids) {
			const n = byTag.get(r.tag(c, id)) ?? 0;
			const p = cm.appliedPayload.get(id);
			const want = cm.applied.has(id) && p && tagged(p) ? 1 : 0;
			expectedTotal += want;
			if (n !== want)
				r.violations.push(
					`c${c} id ${id} (${cm.applied.has(id) ? `applied ${p?.name}` : cm.rejected.has(id) ? `rejected ${cm.rejected.get(id)}` : 'not applied'}): ${n} effects in the audit log, expected ${want}`
				);
		}
	}
	const total = [...byTag.values()].reduce((s, n) => s + n, 0);
	if (total !== expectedTotal)
		r.violations.push(`${total} tagged effects, expected ${expectedTotal}`);
}

/** Every client that catches up from its cookie sees what a full pull sees. */
async function convergence(r: Run) {
	// What a full pull shows depends on the role (R2: billing sees no teams), so compare each
	// client with a full pull made by the same admin.
	const fullFor = async (userID: string) => {
		const full: MirrorSnapshot = {};
		const now = await pull(r.db, {
			enterpriseID: r.ent.enterpriseID,
			clientID: 'props-observer',
			userID,
			cookie: 0
		});
		applyPatch(full, now.changes);
		return full;
	};
	for (const [c, cm] of r.clients.entries()) {
		const full = await fullFor(cm.pusher.userID);
		const res = await pull(r.db, {
			enterpriseID: r.ent.enterpriseID,
			clientID: cm.id,
			userID: cm.pusher.userID,
			cookie: cm.cookie
		});
		if (cm.cookie === 0 || res.reset) cm.mirror = {};
		applyPatch(cm.mirror, res.changes);
		const tables = [
			'enterprise',
			'teams',
			'teamMembers',
			'licenses',
			'invites',
			'organizations',
			'teamOrgLinks'
		];
		const pickT = (s: MirrorSnapshot) => Object.fromEntries(tables.map((t) => [t, s[t] ?? {}]));
		const diff = diffSnapshots(pickT(cm.mirror), pickT(full));
		if (diff.length)
			r.violations.push(
				`c${c} caught up from cookie ${cm.cookie} but differs from a full pull: ${diff.join('; ')}`
			);
	}
}

async function newRun(opts: { seats: number; licensed: number; unlicensed: number }) {
	const ent = await makeSmallEnterprise(server.database, { ...opts, teams: 3 });
	const teamPool = [...ent.teams, randomUUID(), randomUUID(), randomUUID(), randomUUID()];
	const userPool = [ent.ownerID, ...ent.licensed, ...ent.unlicensed];
	return new Run(server.database, ent, teamPool, userPool);
}

function report(r: Run): string {
	return `${r.violations.slice(0, 8).join('\n')}\n--- steps of this run:\n${r.log.join('\n')}`;
}

describe('sync push/pull properties (fast-check, SQLite)', () => {
	it('any sequence of batches: at most one effect per id, ids in order, nothing lost silently, gaps refused, cookies forward, seats kept', async () => {
		const numRuns = RUNS ?? 100;
		let steps = 0;
		const stats = { runs: 0, applied: 0, rejected: 0, refused: 0, misleading: 0 };
		console.log(`[sync-props] sequences: numRuns=${numRuns} seed=${FC_SEED}`);
		await fc.assert(
			fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 30 }), async (seq) => {
				const r = await newRun({ seats: 7, licensed: 4, unlicensed: 3 });
				for (const s of seq) await step_(r, s);
				await effects(r);
				await convergence(r);
				steps += seq.length;
				stats.runs++;
				stats.refused += r.refused;
				stats.misleading += r.misleadingExpected.length;
				for (const c of r.clients) {
					stats.applied += c.applied.size;
					stats.rejected += c.rejected.size;
				}
				if (r.violations.length) throw new Error(report(r));
			}),
			{ numRuns, seed: FC_SEED, path: FC_PATH, endOnFailure: true }
		);
		console.log(
			`[sync-props] sequences: ${stats.runs} runs, ${steps} steps, ${stats.applied} applied, ${stats.rejected} rejected, ${stats.refused} batches refused (409), ${stats.misleading} with a misleading "expected"`
		);
	});

	it('seats are never oversold, even by concurrent pushes from several devices (R4-R6)', async () => {
		const numRuns = RUNS ?? 60;
		console.log(`[sync-props] seats: numRuns=${numRuns} seed=${FC_SEED}`);
		const seatOp = fc.record({
			op: fc.constantFrom<Op>(
				'inviteUser',
				'inviteUser',
				'addTeamMember',
				'addTeamMember',
				'removeLicense',
				'inviteShared'
			),
			a: fc.nat({ max: 20 }),
			b: fc.nat({ max: 20 })
		});
		const group = fc.array(
			fc.record({
				kind: fc.constant('push' as const),
				client: fc.nat({ max: 2 }),
				mode: fc.constantFrom<Mode>('next', 'next', 'overlap', 'replay'),
				back: fc.integer({ min: 1, max: 3 }),
				gap: fc.constant(1),
				altPayload: fc.boolean(),
				muts: fc.array(seatOp, { minLength: 1, maxLength: 5 })
			}),
			{ minLength: 1, maxLength: 3 }
		);
		let peak = 0;
		let contended = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.array(group, { minLength: 2, maxLength: 10 }),
				fc.integer({ min: 0, max: 3 }),
				async (groups, free) => {
					const r = await newRun({ seats: 4 + free, licensed: 3, unlicensed: 5 });
					for (const g of groups) {
						await step_(r, { kind: 'concurrent', pushes: g });
						const seats = await seatUsage(r.db, r.ent.enterpriseID);
						peak = Math.max(peak, seats.used - seats.purchased);
					}
					await effects(r);
					if (r.clients.some((c) => [...c.rejected.values()].includes('NEEDS_TO_INCREASE_SEATS')))
						contended++;
					if (r.violations.length) throw new Error(report(r));
				}
			),
			{ numRuns, seed: FC_SEED + 1, path: FC_PATH, endOnFailure: true }
		);
		console.log(`[sync-props] seats: ${contended} of ${numRuns} runs hit the seat limit`);
		expect(peak).toBeLessThanOrEqual(0);
		expect(contended, 'the runs should reach the seat limit').toBeGreaterThan(0);
	});

	it('a refused batch names the id the server expects next: lastMutationID + 1', async () => {
		const numRuns = RUNS ?? 40;
		console.log(`[sync-props] 409 expected: numRuns=${numRuns} seed=${FC_SEED}`);
		await fc.assert(
			fc.asyncProperty(
				fc.nat({ max: 5 }),
				fc.integer({ min: 1, max: 4 }),
				// gap 1 would continue the prefix without a hole; a hole needs at least 2.
				fc.integer({ min: 2, max: 4 }),
				fc.boolean(),
				async (applied, prefix, gap, duplicate) => {
					const r = await newRun({ seats: 7, licensed: 2, unlicensed: 0 });
					const spec: MutSpec = { op: 'createTeam', a: 4, b: 0 };
					if (applied) {
						const ok = await send(
							r,
							0,
							Array.from({ length: applied }, (_, i) => r.payload(0, i + 1, { ...spec, a: 3 + i }))
						);
						expect(ok.ok).toBe(true);
					}
					// A contiguous prefix, then a hole (or a repeated id): nothing of it may be applied.
					const ids = Array.from({ length: prefix }, (_, i) => applied + 1 + i);
					ids.push(duplicate ? ids[ids.length - 1]! : applied + prefix + gap);
					const before = await facts(r);
					const out = await send(
						r,
						0,
						ids.map((id) => r.payload(0, id, spec))
					);
					const after = await facts(r);
					expect(unchanged(before, after)).toEqual([]);
					expect(out).toEqual({
						ok: false,
						status: 409,
						body: { error: 'outOfOrder', expected: applied + 1 }
					});
				}
			),
			{ numRuns, seed: FC_SEED + 2, path: FC_PATH, endOnFailure: true }
		);
	});
});
