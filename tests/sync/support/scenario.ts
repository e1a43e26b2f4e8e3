import { allLicenses } from '../../../src/lib/client/roster';
import { Device } from './devices';
import { FAULT_KINDS, FaultyNetwork, type FaultKind } from './faulty-transport';
import { Prng } from './prng';
import type { MutationArgs, MutationName } from '../../../src/lib/domain/mutations/types';
import {
	freshFullPull,
	openServer,
	pick,
	seatUsage,
	serverVersion,
	type MirrorSnapshot,
	type TestServer
} from './server';

/** Any one mutation, by name with its args. */
type AnyMutation = { [N in MutationName]: { name: N; args: MutationArgs<N> } }[MutationName];

/** A mutation a device queued (the engine accepted it and wrote it to the outbox). */
export interface QueuedMutation {
	device: string;
	clientID: string;
	mutationID: number;
	name: string;
	args: Record<string, unknown>;
}

/** What one seeded run did and what it found. */
export interface ScenarioReport {
	seed: number;
	devices: number;
	operations: number;
	queued: number;
	applied: number;
	rejected: number;
	rejectedByCode: Record<string, number>;
	refusedLocally: number;
	faults: Record<FaultKind, number>;
	faultCount: number;
	served: { push: number; pull: number; roster: number };
	healRounds: number;
	ms: number;
	violations: string[];
	/** The network's request log (printed with SYNC_TRACE=1). */
	trace: string[];
}

/** Knobs for a run; the defaults are what CI runs. */
export interface ScenarioOptions {
	devices?: [number, number];
	operations?: [number, number];
	/** Licensed users besides the owner, and seats purchased (a few free: invites hit the limit). */
	users?: number;
	seats?: number;
	maxHealRounds?: number;
}

const SHARED_EMAILS = 4;

/**
 * One randomized run: several devices of the same owner make random changes through their mirrors,
 * syncing now and then through a faulty network into the real server; then the network heals,
 * every device syncs until quiet, and the end state is checked against what was queued.
 */
export async function runScenario(
	seed: number,
	opts: ScenarioOptions = {}
): Promise<ScenarioReport> {
	const started = performance.now();
	const rng = new Prng(seed);
	const users = opts.users ?? 6;
	const server = await openServer({ users, seats: opts.seats ?? users + 1 + 3, seed });
	const net = new FaultyNetwork({
		database: server.database,
		enterpriseID: server.enterpriseID,
		pusher: server.owner,
		rng: new Prng(seed ^ 0x5eed)
	});
	const deviceCount = rng.int(...(opts.devices ?? [2, 4]));
	const devices: Device[] = [];
	for (let i = 0; i < deviceCount; i++) {
		const name = `dev${i}`;
		devices.push(
			await Device.open({
				name,
				clientID: `s${seed}-${name}`,
				enterpriseID: server.enterpriseID,
				userID: server.owner.userID,
				transport: net.transport(name)
			})
		);
	}
	const queued: QueuedMutation[] = [];
	let operations = 0;
	let refusedLocally = 0;
	let seq = 0;
	const shared = Array.from({ length: SHARED_EMAILS }, (_, i) => `shared${i}@invites.test`);

	async function randomMutation(d: Device): Promise<AnyMutation> {
		// Ordered by what the admin sees, not by (random) ids, so a seed replays the same choices.
		const teams = (await d.db.teams.toArray()).sort((a, b) => a.name.localeCompare(b.name));
		const licenses = (await allLicenses(d.db)).sort((a, b) => a.email.localeCompare(b.email));
		const others = licenses.filter((l) => l.id !== server.owner.userID);
		const n = ++seq;
		const kind = rng.weighted({
			createTeam: 20,
			renameTeam: teams.length ? 18 : 0,
			deleteTeam: teams.length ? 7 : 0,
			addTeamMember: teams.length && licenses.length ? 15 : 0,
			removeLicense: others.length ? 8 : 0,
			inviteUser: 24,
			inviteShared: 3
		});
		switch (kind) {
			case 'createTeam':
				return { name: kind, args: { teamID: rng.uuid(), name: `Team ${d.name}#${n}` } };
			case 'renameTeam':
				return { name: kind, args: { teamID: rng.pick(teams).id, name: `Renamed ${d.name}#${n}` } };
			case 'deleteTeam':
				return { name: kind, args: { teamID: rng.pick(teams).id } };
			case 'addTeamMember':
				return { name: kind, args: { teamID: rng.pick(teams).id, userID: rng.pick(licenses).id } };
			case 'removeLicense':
				return { name: kind, args: { userID: rng.pick(others).id } };
			default: {
				const email =
					kind === 'inviteShared' ? rng.pick(shared) : `${d.name}.${n}.s${seed}@invites.test`;
				const teamIDs = teams.length && rng.chance(0.3) ? [rng.pick(teams).id] : [];
				return {
					name: 'inviteUser',
					args: {
						inviteID: rng.uuid(),
						email,
						teamIDs,
						role: rng.pick(['member', 'admin'] as const)
					}
				};
			}
		}
	}

	async function mutate(d: Device) {
		const m = await randomMutation(d);
		operations++;
		const { result, mutationID } = await d.mutate(m.name, m.args);
		if (!result.ok || mutationID === null) {
			refusedLocally++;
			return;
		}
		queued.push({ device: d.name, clientID: d.clientID, mutationID, name: m.name, args: m.args });
	}

	async function turn(d: Device) {
		const style = rng.weighted({ work: 6, burst: 0.5, concurrent: 1.2, doubleSync: 0.6 });
		if (style === 'burst') {
			// A stretch offline: many changes, no sync.
			for (let i = rng.int(8, 30); i > 0; i--) await mutate(d);
		} else if (style === 'concurrent') {
			// The admin keeps editing while a sync is in flight.
			const running = d.sync();
			for (let i = rng.int(1, 3); i > 0; i--) await mutate(d);
			await running;
		} else if (style === 'doubleSync') {
			await mutate(d);
			// Two triggers at once (online + poke): the engine must coalesce, not double-push.
			await Promise.all([d.sync(), d.sync()]);
		} else {
			for (let i = rng.int(1, 4); i > 0; i--) await mutate(d);
			if (rng.chance(0.75)) await d.sync();
		}
	}

	const target = rng.int(...(opts.operations ?? [200, 300]));
	const violations: string[] = [];
	let healRounds = 0;
	try {
		while (operations < target) {
			let active = devices.filter(() => rng.chance(0.6));
			if (active.length === 0) active = [rng.pick(devices)];
			await Promise.all(active.map((d) => turn(d)));
		}

		// Heal the network and sync everyone until nothing changes.
		net.healed = true;
		await net.quiesce();
		const maxRounds = opts.maxHealRounds ?? 8;
		let quiet = false;
		while (!quiet && healRounds < maxRounds) {
			healRounds++;
			const before = await serverVersion(server.database, server.enterpriseID);
			for (const d of devices) await d.sync();
			await net.quiesce();
			const version = await serverVersion(server.database, server.enterpriseID);
			quiet = version === before;
			for (const d of devices) {
				if (
					(await d.db.outbox.count()) > 0 ||
					d.engine.state.lastError ||
					(await d.cookie()) !== version
				)
					quiet = false;
			}
		}
		if (!quiet) {
			for (const d of devices) {
				violations.push(
					`not quiet after ${healRounds} healed rounds: ${d.name} has ${await d.db.outbox.count()} queued, lastError=${JSON.stringify(d.engine.state.lastError)}`
				);
			}
		}
		violations.push(...net.violations);
		const outcome = await checkEndState(server, devices, queued, net);
		violations.push(...outcome.violations);
		const rejectedByCode: Record<string, number> = {};
		for (const code of outcome.rejectedCodes)
			rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
		return {
			seed,
			devices: deviceCount,
			operations,
			queued: queued.length,
			applied: outcome.applied,
			rejected: outcome.rejectedCodes.length,
			rejectedByCode,
			refusedLocally,
			faults: { ...net.faults },
			faultCount: net.faultCount,
			served: { ...net.served },
			healRounds,
			ms: Math.round(performance.now() - started),
			violations,
			trace: net.trace
		};
	} finally {
		net.healed = true;
		await net.quiesce();
		for (const d of devices) await d.close();
		await server.close();
	}
}

interface AuditRow {
	action: string;
	target: string | null;
	before: Record<string, unknown> | null;
	after: Record<string, unknown> | null;
}

/** Every end-state check: zero lost, zero duplicated, convergence, seats, cookies. */
async function checkEndState(
	server: TestServer,
	devices: Device[],
	queued: QueuedMutation[],
	net: FaultyNetwork
): Promise<{ violations: string[]; applied: number; rejectedCodes: string[] }> {
	const v: string[] = [];
	const { db } = server.database;
	const clients = new Map(
		(await db.selectFrom('sync_clients').select(['client_id', 'last_mutation_id']).execute()).map(
			(c) => [c.client_id, Number(c.last_mutation_id)]
		)
	);
	const results = new Map(
		(
			await db
				.selectFrom('sync_results')
				.select(['client_id', 'mutation_id', 'status', 'code'])
				.execute()
		).map((r) => [`${r.client_id}#${Number(r.mutation_id)}`, r])
	);
	const audit: AuditRow[] = (
		await db
			.selectFrom('audit_log')
			.select(['action', 'target', 'before', 'after'])
			.where('enterprise_id', '=', server.enterpriseID)
			.where('actor_kind', '=', 'console')
			.execute()
	).map((r) => ({
		action: r.action,
		target: r.target,
		before: r.before ? (JSON.parse(r.before) as Record<string, unknown>) : null,
		after: r.after ? (JSON.parse(r.after) as Record<string, unknown>) : null
	}));
	const byDevice = new Map(devices.map((d) => [d.name, d]));

	// Zero lost: each queued mutation was applied once on the server, or its rejection is shown.
	const applied: QueuedMutation[] = [];
	const rejectedCodes: string[] = [];
	const status = new Map<QueuedMutation, 'applied' | 'rejected' | 'missing'>();
	for (const q of queued) {
		const d = byDevice.get(q.device)!;
		const r = results.get(`${q.clientID}#${q.mutationID}`);
		const last = clients.get(q.clientID) ?? 0;
		const shown = await d.db.rejections.get(q.mutationID);
		const label = `${q.device} mutation ${q.mutationID} ${q.name} ${JSON.stringify(q.args)}`;
		if (r?.status === 'rejected') {
			status.set(q, 'rejected');
			rejectedCodes.push(r.code ?? '?');
			if (!shown)
				v.push(
					`LOST: ${label} was rejected on the server (${r.code}) but is not in the device's rejections`
				);
			else if (shown.code !== r.code)
				v.push(`${label}: device shows ${shown.code}, server recorded ${r.code}`);
		} else if (q.mutationID <= last) {
			status.set(q, 'applied');
			applied.push(q);
			if (shown)
				v.push(
					`${label} was applied on the server but the device shows it rejected (${shown.code})`
				);
		} else {
			status.set(q, 'missing');
			v.push(
				`LOST: ${label} never reached the server (lastMutationID ${last})${shown ? `; device shows ${shown.code}` : ''}`
			);
		}
	}
	for (const d of devices) {
		const ids = new Set(queued.filter((q) => q.device === d.name).map((q) => q.mutationID));
		const max = Math.max(0, ...ids);
		for (const r of await d.db.rejections.toArray())
			if (!ids.has(r.mutationID))
				v.push(`${d.name} shows a rejection for mutation ${r.mutationID} it never queued`);
		const last = clients.get(d.clientID) ?? 0;
		if (last > max)
			v.push(`server lastMutationID ${last} for ${d.name} is beyond its last queued id ${max}`);
		const list = net.cookies.get(d.name) ?? [];
		for (let i = 1; i < list.length; i++) {
			if (list[i]! < list[i - 1]!) {
				v.push(`${d.name} was given cookie ${list[i]} after ${list[i - 1]}`);
				break;
			}
		}
	}

	// Zero duplicated: each applied change left exactly one audit row, rejected ones none.
	const count = (pred: (a: AuditRow) => boolean) => audit.filter(pred).length;
	for (const q of queued) {
		const s = status.get(q);
		if (s === 'missing') continue;
		const want = s === 'applied' ? 1 : 0;
		let got: number | null = null;
		if (q.name === 'createTeam')
			got = count((a) => a.action === 'createTeam' && a.after?.id === q.args.teamID);
		else if (q.name === 'renameTeam')
			got = count((a) => a.action === 'renameTeam' && a.after?.name === q.args.name);
		else if (q.name === 'inviteUser')
			got = count((a) => a.action === 'inviteUser' && a.after?.id === q.args.inviteID);
		if (got !== null && got !== want)
			v.push(
				`DUPLICATE/MISSING EFFECT: ${q.device} mutation ${q.mutationID} ${q.name} (${s}) has ${got} audit rows, expected ${want}`
			);
	}
	const serverTeams = new Set(
		(
			await db
				.selectFrom('teams')
				.select('id')
				.where('enterprise_id', '=', server.enterpriseID)
				.execute()
		).map((t) => t.id)
	);
	for (const teamID of new Set(
		applied.filter((q) => q.name === 'deleteTeam').map((q) => q.args.teamID)
	)) {
		const n = count((a) => a.action === 'deleteTeam' && a.before?.id === teamID);
		if (n !== 1) v.push(`team ${teamID} was deleted with ${n} deleteTeam audit rows, expected 1`);
		if (serverTeams.has(teamID as string))
			v.push(`team ${teamID} still exists after an applied deleteTeam`);
	}
	for (const q of applied.filter((q) => q.name === 'createTeam')) {
		const deleted = count((a) => a.action === 'deleteTeam' && a.before?.id === q.args.teamID) > 0;
		if (!serverTeams.has(q.args.teamID as string) && !deleted)
			v.push(
				`team ${q.args.teamID} (${q.device} mutation ${q.mutationID}) was created but is gone without a delete`
			);
	}
	const pairs = new Map<string, number>();
	for (const a of audit.filter((a) => a.action === 'addTeamMember')) {
		const key = `${a.after?.teamID}:${a.after?.userID}`;
		pairs.set(key, (pairs.get(key) ?? 0) + 1);
	}
	for (const [pair, n] of pairs) {
		const sent = applied.filter(
			(q) => q.name === 'addTeamMember' && `${q.args.teamID}:${q.args.userID}` === pair
		).length;
		if (n > 1 || n > sent)
			v.push(`membership ${pair} has ${n} addTeamMember audit rows for ${sent} applied mutations`);
	}
	const removals = new Map<string, number>();
	for (const a of audit.filter((a) => a.action === 'removeLicense'))
		removals.set(a.target ?? '', (removals.get(a.target ?? '') ?? 0) + 1);
	const appliedRemovals = applied.filter((q) => q.name === 'removeLicense').length;
	const auditedRemovals = [...removals.values()].reduce((s, n) => s + n, 0);
	if (auditedRemovals > appliedRemovals)
		v.push(
			`${auditedRemovals} removeLicense audit rows for ${appliedRemovals} applied removeLicense mutations`
		);
	if (audit.length > applied.length)
		v.push(`${audit.length} console audit rows for ${applied.length} applied mutations`);

	// Convergence: every mirror equals what a brand-new device would pull now.
	const fresh = await freshFullPull(server);
	for (const d of devices) {
		const mirror = pick(await d.snapshot());
		const diff = diffSnapshots(mirror, fresh.snapshot);
		if (diff.length)
			v.push(`DIVERGED: ${d.name}'s mirror differs from the server: ${diff.join('; ')}`);
		const cookie = await d.cookie();
		if (cookie !== fresh.cookie)
			v.push(`${d.name} ends at cookie ${cookie}, server at ${fresh.cookie}`);
	}

	// Seats: never oversold (checked after every push too, by the network).
	const seats = await seatUsage(server.database, server.enterpriseID);
	if (seats.used > seats.purchased)
		v.push(`seats oversold at the end: ${seats.used} used of ${seats.purchased}`);

	return { violations: v, applied: applied.length, rejectedCodes };
}

/** A short, readable difference between a mirror and the server (first few rows per table). */
export function diffSnapshots(mirror: MirrorSnapshot, server: MirrorSnapshot): string[] {
	const out: string[] = [];
	for (const table of Object.keys(server)) {
		const a = mirror[table] ?? {};
		const b = server[table] ?? {};
		const extra = Object.keys(a).filter((k) => !(k in b));
		const missing = Object.keys(b).filter((k) => !(k in a));
		const changed = Object.keys(b).filter(
			(k) => k in a && JSON.stringify(sortKeys(a[k])) !== JSON.stringify(sortKeys(b[k]))
		);
		const show = (keys: string[], rows: Record<string, unknown>) =>
			keys
				.slice(0, 3)
				.map((k) => JSON.stringify(rows[k]))
				.join(', ') + (keys.length > 3 ? ` …+${keys.length - 3}` : '');
		if (extra.length) out.push(`${table}: ${extra.length} only on the device [${show(extra, a)}]`);
		if (missing.length)
			out.push(`${table}: ${missing.length} missing on the device [${show(missing, b)}]`);
		if (changed.length)
			out.push(
				`${table}: ${changed.length} differ [${changed
					.slice(0, 3)
					.map((k) => `${JSON.stringify(a[k])} vs server ${JSON.stringify(b[k])}`)
					.join(', ')}]`
			);
	}
	return out;
}

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (value && typeof value === 'object')
		return Object.fromEntries(
			Object.entries(value as Record<string, unknown>)
				.sort(([x], [y]) => (x < y ? -1 : 1))
				.map(([k, v]) => [k, sortKeys(v)])
		);
	return value;
}

/** One line for the CI log. */
export function formatReport(r: ScenarioReport): string {
	const faults = FAULT_KINDS.map((k) => `${k}=${r.faults[k]}`).join(' ');
	const codes = Object.entries(r.rejectedByCode)
		.map(([c, n]) => `${c}=${n}`)
		.join(' ');
	return (
		`[sync-faults] seed=${r.seed} devices=${r.devices} ops=${r.operations} queued=${r.queued} ` +
		`applied=${r.applied} rejected=${r.rejected}${codes ? ` (${codes})` : ''} refusedLocally=${r.refusedLocally} ` +
		`served push=${r.served.push} pull=${r.served.pull} roster=${r.served.roster} faults: ${faults} healRounds=${r.healRounds} ` +
		`violations=${r.violations.length} ${r.ms}ms`
	);
}
