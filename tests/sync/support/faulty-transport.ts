import type { Db } from '../../../src/lib/server/db';
import { push, type Pusher } from '../../../src/lib/server/sync/push';
import { pull } from '../../../src/lib/server/sync/pull';
import { rosterPage } from '../../../src/lib/server/sync/roster';
import { decodeRosterPage, encodeRosterPage } from '../../../src/lib/domain/sync/roster-wire';
import {
	pushBodySchema,
	type PullResponse,
	type PushBody
} from '../../../src/lib/domain/sync/protocol';
import type { SyncTransport, TransportResponse } from '../../../src/lib/client/sync/engine';
import { Prng, ticks } from './prng';
import { seatUsage } from './server';

/** The requests a device makes. */
type Op = 'push' | 'pull' | 'roster';

/** Users per roster page here: small, so a full sync of a test enterprise spans several pages. */
export const TEST_ROSTER_PAGE = 7;

/** What the network can do to one request. */
export type FaultKind =
	/** The request never reaches the server: fetch rejects with a TypeError, as it does offline. */
	| 'drop'
	/** The request waits a while (event-loop turns) before reaching the server. */
	| 'delay'
	/** The same push reaches the server twice at once; the client sees one of the two answers. */
	| 'duplicateConcurrent'
	/** The same push reaches the server twice in a row; the client sees the second answer. */
	| 'duplicateSequential'
	/** A copy of the push is delivered much later (after the client moved on); its answer is lost. */
	| 'ghost'
	/** The request is held back until a later request (from any device) has been served. */
	| 'reorder'
	/** A 503 from a proxy or an overloaded server; nothing reaches the app. */
	| 'unavailable'
	/** The server commits, then the connection dies before the answer arrives (TypeError). */
	| 'dropResponse';

/** Every fault kind, in a stable order for reports. */
export const FAULT_KINDS: readonly FaultKind[] = [
	'drop',
	'delay',
	'duplicateConcurrent',
	'duplicateSequential',
	'ghost',
	'reorder',
	'unavailable',
	'dropResponse'
];

/** Relative weights of what happens to a request; `none` is a clean delivery. */
export type FaultWeights = Partial<Record<FaultKind | 'none', number>>;

/** Default mix for pushes: about half of them meet a fault. */
export const DEFAULT_PUSH_FAULTS: FaultWeights = {
	none: 10,
	drop: 1.5,
	delay: 1.5,
	duplicateConcurrent: 1,
	duplicateSequential: 1,
	ghost: 1,
	reorder: 1,
	unavailable: 1,
	dropResponse: 2
};

/** Default mix for pulls (duplicating an idempotent read proves nothing, so no duplicates). */
export const DEFAULT_PULL_FAULTS: FaultWeights = {
	none: 12,
	drop: 1,
	delay: 1.5,
	reorder: 1,
	unavailable: 1,
	dropResponse: 1.5
};

/**
 * A SyncTransport per device that routes into the server's real push()/pull() (SQLite, no mocks) the
 * way the HTTP routes do — JSON both ways, body validated with the route's schema, a throw becomes a
 * 503 — and injects network faults chosen by a seeded PRNG. Invariant checks that must hold at every
 * server step (seats never oversold, cookies never backwards) run here and are collected in
 * `violations`; they never throw into the engine, which would mistake them for a network error.
 */
export class FaultyNetwork {
	readonly database: Db;
	readonly enterpriseID: string;
	readonly pusher: Pusher;
	readonly rng: Prng;
	/** When healed, every request is delivered cleanly. */
	healed = false;
	readonly faults: Record<FaultKind, number> = Object.fromEntries(
		FAULT_KINDS.map((k) => [k, 0])
	) as Record<FaultKind, number>;
	readonly served = { push: 0, pull: 0, roster: 0 };
	/** Broken invariants seen at the server boundary, with enough context to debug them. */
	readonly violations: string[] = [];
	/** One line per request and fault, for replaying a failing seed (`SYNC_TRACE=1`). */
	readonly trace: string[] = [];
	/** Every cookie each device was given, in order. */
	readonly cookies = new Map<string, number[]>();
	#pushWeights: FaultWeights;
	#pullWeights: FaultWeights;
	#parked: (() => void)[] = [];
	#forced: Record<Op, (FaultKind | 'none')[]> = { push: [], pull: [], roster: [] };
	#background = new Set<Promise<unknown>>();
	#maxCookie = 0;
	#samePush = new Map<string, { key: string; count: number }>();
	/** After this many identical pushes from one device with no pull between, it is a livelock. */
	readonly livelockLimit: number;

	constructor(opts: {
		database: Db;
		enterpriseID: string;
		pusher: Pusher;
		rng: Prng;
		pushFaults?: FaultWeights;
		pullFaults?: FaultWeights;
		livelockLimit?: number;
	}) {
		this.database = opts.database;
		this.enterpriseID = opts.enterpriseID;
		this.pusher = opts.pusher;
		this.rng = opts.rng;
		this.#pushWeights = opts.pushFaults ?? DEFAULT_PUSH_FAULTS;
		this.#pullWeights = opts.pullFaults ?? DEFAULT_PULL_FAULTS;
		this.livelockLimit = opts.livelockLimit ?? 25;
	}

	/** The transport one device (one RosterDB) uses. */
	transport(device: string): SyncTransport {
		return {
			push: (body) => this.#push(device, body),
			pull: (query) => this.#read('pull', device, () => this.#serverPull(device, query)),
			roster: (query) => this.#read('roster', device, () => this.#serverRoster(device, query))
		};
	}

	/** Waits for every delayed copy and held-back request still in the network. */
	async quiesce(): Promise<void> {
		while (this.#parked.length || this.#background.size) {
			this.#releaseParked();
			await Promise.all([...this.#background]);
			await ticks(1);
		}
	}

	/** Total faults injected. */
	get faultCount(): number {
		return FAULT_KINDS.reduce((s, k) => s + this.faults[k], 0);
	}

	/** Forces the next requests of a kind to meet these faults, in order (targeted scenarios). */
	inject(op: Op, ...faults: (FaultKind | 'none')[]): void {
		this.#forced[op].push(...faults);
	}

	#choose(op: Op, device: string, weights: FaultWeights): FaultKind | 'none' {
		const forced = this.#forced[op].shift();
		if (forced !== undefined) {
			if (forced !== 'none') this.faults[forced]++;
			this.trace.push(`fault ${op} ${device}: ${forced} (injected)`);
			return forced;
		}
		if (this.healed) return 'none';
		const fault = this.rng.weighted(weights as Record<FaultKind | 'none', number>);
		if (fault !== 'none') this.faults[fault]++;
		if (fault !== 'none') this.trace.push(`fault ${op} ${device}: ${fault}`);
		return fault;
	}

	#offline(): never {
		throw new TypeError('Failed to fetch');
	}

	/** Holds a request until another request has been served (or a fallback number of turns). */
	async #holdBack(): Promise<void> {
		await new Promise<void>((resolve) => {
			let done = false;
			const release = () => {
				if (done) return;
				done = true;
				resolve();
			};
			this.#parked.push(release);
			void ticks(this.rng.int(20, 80)).then(release);
		});
	}

	#releaseParked() {
		const parked = this.rng.shuffle(this.#parked.splice(0));
		for (const release of parked) release();
	}

	#track<T>(p: Promise<T>): Promise<T> {
		this.#background.add(p);
		void p.finally(() => this.#background.delete(p)).catch(() => {});
		return p;
	}

	/** What the push route does: parse the JSON body, push, map the outcome to a status. */
	async #serverPush(device: string, raw: unknown): Promise<TransportResponse> {
		const parsed = pushBodySchema.safeParse(JSON.parse(JSON.stringify(raw)));
		if (!parsed.success)
			return { status: 400, body: { error: 'badRequest', message: parsed.error.message } };
		let response: TransportResponse;
		try {
			const outcome = await push(this.database, parsed.data, this.pusher);
			response = outcome.ok
				? { status: 200, body: { results: outcome.results } }
				: { status: outcome.status, body: outcome.body };
		} catch (err) {
			// The route turns a throw into 503; in this harness nothing should throw, so it is a finding.
			this.violations.push(
				`push from ${device} threw (the route would answer 503): ${err instanceof Error ? err.message : String(err)}`
			);
			response = { status: 503, body: { error: 'unavailable' } };
		}
		this.served.push++;
		this.trace.push(
			`push ${device} ids ${parsed.data.mutations[0]?.id}..${parsed.data.mutations.at(-1)?.id} -> ${response.status} ${
				response.status === 200
					? (response.body as { results: { id: number; status: string; code?: string }[] }).results
							.map((r) => `${r.id}:${r.status}${r.code ? `(${r.code})` : ''}`)
							.join(' ')
					: JSON.stringify(response.body)
			}`
		);
		const seats = await seatUsage(this.database, this.enterpriseID);
		if (seats.used > seats.purchased) {
			this.violations.push(
				`seats oversold after a push from ${device}: ${seats.licensed} licensed + ${seats.pendingInvites} invites > ${seats.purchased} purchased`
			);
		}
		return JSON.parse(JSON.stringify(response)) as TransportResponse;
	}

	async #serverPull(
		device: string,
		query: {
			enterpriseID: string;
			clientID: string;
			cookie: number;
			licenses?: 'chunked';
			activity?: 'delta';
		}
	): Promise<TransportResponse> {
		const floor = this.#maxCookie;
		const { licenses, ...rest } = query;
		const body: PullResponse = await pull(this.database, {
			...rest,
			userID: this.pusher.userID,
			licensesChunked: licenses === 'chunked'
		});
		this.served.pull++;
		this.trace.push(
			`pull ${device} cookie ${query.cookie} -> ${body.cookie} last=${body.lastMutationID} changes=${body.changes.length} rejections=${body.rejections.map((r) => r.id).join(',')}`
		);
		if (body.cookie < floor) {
			this.violations.push(
				`cookie went backwards: ${device} got ${body.cookie} after the server had already handed out ${floor}`
			);
		}
		if (body.cookie < query.cookie && !body.reset) {
			this.violations.push(
				`cookie went backwards without reset: ${device} sent ${query.cookie}, got ${body.cookie}`
			);
		}
		this.#maxCookie = Math.max(this.#maxCookie, body.cookie);
		const list = this.cookies.get(device) ?? [];
		list.push(body.cookie);
		this.cookies.set(device, list);
		return { status: 200, body: JSON.parse(JSON.stringify(body)) as unknown };
	}

	#livelock(device: string, body: PushBody): boolean {
		const key = JSON.stringify(body.mutations.map((m) => m.id));
		const prev = this.#samePush.get(device);
		const count = prev?.key === key ? prev.count + 1 : 1;
		this.#samePush.set(device, { key, count });
		if (count === this.livelockLimit) {
			this.violations.push(
				`livelock: ${device} pushed the same ${body.mutations.length} mutations (ids ${body.mutations[0]?.id}..${body.mutations.at(-1)?.id}) ${count} times in a row without pulling`
			);
		}
		return count >= this.livelockLimit;
	}

	async #push(device: string, body: PushBody): Promise<TransportResponse> {
		// Break an engine that would otherwise spin forever, so the run can finish and report it.
		if (this.#livelock(device, body)) this.#offline();
		const fault = this.#choose('push', device, this.#pushWeights);
		try {
			switch (fault) {
				case 'drop':
					await ticks(1);
					return this.#offline();
				case 'unavailable':
					await ticks(1);
					return { status: 503, body: { error: 'unavailable' } };
				case 'delay':
					await ticks(this.rng.int(1, 40));
					return await this.#serverPush(device, body);
				case 'reorder':
					await this.#holdBack();
					return await this.#serverPush(device, body);
				case 'duplicateConcurrent': {
					const firstWins = this.rng.chance(0.5);
					const [a, b] = await Promise.all([
						this.#serverPush(device, body),
						this.#serverPush(device, body)
					]);
					return firstWins ? a : b;
				}
				case 'duplicateSequential':
					await this.#serverPush(device, body);
					return await this.#serverPush(device, body);
				case 'ghost': {
					const copy = structuredClone(body);
					const wait = this.rng.int(30, 200);
					void this.#track(ticks(wait).then(() => this.#serverPush(`${device} (ghost)`, copy)));
					return await this.#serverPush(device, body);
				}
				case 'dropResponse':
					await this.#serverPush(device, body);
					return this.#offline();
				default:
					return await this.#serverPush(device, body);
			}
		} finally {
			if (fault !== 'reorder') this.#releaseParked();
		}
	}

	/** What the roster route does: one page of licensed users in columns, in the console's binary form. */
	async #serverRoster(
		device: string,
		query: { enterpriseID: string; after: string }
	): Promise<TransportResponse> {
		const page = await rosterPage(this.database, { ...query, limit: TEST_ROSTER_PAGE });
		this.served.roster++;
		this.trace.push(`roster ${device} after ${query.after || '-'} -> ${page.ids.length} users`);
		return { status: 200, body: decodeRosterPage(encodeRosterPage(page)) };
	}

	/** A read (pull or roster page) through the network's faults. */
	async #read(
		op: 'pull' | 'roster',
		device: string,
		serve: () => Promise<TransportResponse>
	): Promise<TransportResponse> {
		const fault = this.#choose(op, device, this.#pullWeights);
		// A pull between two pushes means the engine is making progress, not spinning.
		this.#samePush.delete(device);
		try {
			switch (fault) {
				case 'drop':
					await ticks(1);
					return this.#offline();
				case 'unavailable':
					await ticks(1);
					return { status: 503, body: { error: 'unavailable' } };
				case 'delay':
					await ticks(this.rng.int(1, 40));
					return await serve();
				case 'reorder':
					await this.#holdBack();
					return await serve();
				case 'dropResponse':
					await serve();
					return this.#offline();
				default:
					return await serve();
			}
		} finally {
			if (fault !== 'reorder') this.#releaseParked();
		}
	}
}
