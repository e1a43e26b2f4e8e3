import type Dexie from 'dexie';
import type { LicenseOverlayRow, MetaRow, MirrorLicense, RosterChunk, RosterDB } from './db';
import { DAY_MS, isPendingInvite, seatUsage, type SeatUsage } from '../domain/seats';
import type { ActivityDelta, RosterPage } from '../domain/sync/protocol';
import type { LicenseSource } from '../domain/sync/tables';

/**
 * The licensed users of the mirror: a base of columnar chunks written by the last full sync (one
 * IndexedDB record per 10,000 users, so a 1,000,000-user enterprise lands in seconds, not the
 * minute per-row records take) plus the `licenses` table, which holds only what changed on top of
 * the base (pulled changes and optimistic mutations). Every read and write of licenses in the
 * client goes through here, so the two always read as one list.
 */

/** The chunks of one generation, joined, as the mutators and the licenses page read them. */
export interface RosterBase {
	gen: number;
	/**
	 * Names this generation uniquely (generation numbers are reused: a cleared roster starts again
	 * at 1), so what is cached of one generation is never read as another's.
	 */
	token: string;
	ids: string[];
	emails: string[];
	names: string[];
	lastActive: Float64Array;
	/** License numbers (NaN where a chunk has none). */
	seqs: Float64Array;
	/** How and when each license was given (undefined and NaN where a chunk has none). */
	sources: (string | undefined)[];
	since: Float64Array;
	/**
	 * Positions ordered by license number, built once on first use when `seqs` do not ascend (a
	 * full sync writes them ascending, so usually never).
	 */
	bySeq: Uint32Array | null;
	/** Whether `seqs` ascend (checked once, as the base is read): then `bySeq` is not needed. */
	seqsAscend: boolean;
	/** Each chunk's key `seq` and the position of its first user. */
	chunks: { seq: number; start: number }[];
	/** The mirror's `rosterEdit` this copy reflects (pulled Last Active changes rewrite chunks). */
	edit: number;
	/** Position of an id; built on first use when the ids are not in ascending order. */
	index: Map<string, number> | null;
	sorted: boolean;
	/** Lower-cased emails, built on first email lookup. */
	lowerEmails: string[] | null;
}

const EMPTY: RosterBase = {
	gen: 0,
	token: '',
	ids: [],
	emails: [],
	names: [],
	lastActive: new Float64Array(0),
	seqs: new Float64Array(0),
	sources: [],
	since: new Float64Array(0),
	bySeq: null,
	seqsAscend: true,
	chunks: [],
	edit: 0,
	index: null,
	sorted: true,
	lowerEmails: null
};

// The base is immutable per generation, so one decoded copy per open mirror is enough.
const cache = new WeakMap<RosterDB, RosterBase>();

/** The generation of chunks the mirror reads (0: none; every license is in `licenses`). */
export async function rosterGeneration(db: RosterDB): Promise<number> {
	return ((await db.meta.get('rosterGen'))?.value as number | undefined) ?? 0;
}

/** What names the base the mirror reads now: its generation, its unique token and its edit. */
interface RosterState {
	gen: number;
	/** Unique per generation adopted or cleared (see `RosterBase.token`). */
	token: string;
	edit: number;
}

/**
 * The mirror's base as of now (works inside a Dexie transaction): one read, and a Dexie promise
 * (not an async function), since each extra native await between a transaction's reads risks
 * Dexie losing the transaction.
 */
function rosterState(db: RosterDB): PromiseLike<RosterState> {
	return db.meta.bulkGet(['rosterGen', 'rosterToken', 'rosterEdit']).then(([gen, token, edit]) => {
		const g = (gen?.value as number | undefined) ?? 0;
		return {
			gen: g,
			token: generationToken(g, token?.value),
			edit: (edit?.value as number | undefined) ?? 0
		};
	});
}

/**
 * The token naming generation `gen`, from the mirror's `rosterToken` (`stored`); a mirror from
 * before tokens is named by its generation number alone until its next load or clear.
 */
export function generationToken(gen: number, stored: unknown): string {
	return `${typeof stored === 'string' ? stored : 'untokened'}/${gen}`;
}

/** A fresh generation token: random, so no two loads or clears of any mirror ever share one. */
function newRosterToken(): string {
	return typeof crypto !== 'undefined' && 'randomUUID' in crypto
		? crypto.randomUUID()
		: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** The base roster, read from IndexedDB once per generation. Works inside a Dexie transaction. */
export async function loadRosterBase(db: RosterDB): Promise<RosterBase> {
	const { gen, token, edit } = await rosterState(db);
	const cached = cache.get(db);
	if (cached && cached.token === token && cached.edit === edit) return cached;
	if (gen === 0) {
		const empty = { ...EMPTY, token, edit };
		cache.set(db, empty);
		return empty;
	}
	const chunks = await db.rosterChunks.where('gen').equals(gen).sortBy('seq');
	const total = chunks.reduce((n, c) => n + c.ids.length, 0);
	const base: RosterBase = {
		gen,
		token,
		ids: new Array<string>(total),
		emails: new Array<string>(total),
		names: new Array<string>(total),
		lastActive: new Float64Array(total),
		seqs: new Float64Array(total).fill(Number.NaN),
		sources: new Array<string | undefined>(total),
		since: new Float64Array(total).fill(Number.NaN),
		bySeq: null,
		seqsAscend: true,
		chunks: [],
		edit,
		index: null,
		sorted: true,
		lowerEmails: null
	};
	let at = 0;
	for (const c of chunks) {
		base.chunks.push({ seq: c.seq, start: at });
		for (let i = 0; i < c.ids.length; i++) {
			base.ids[at + i] = c.ids[i]!;
			base.emails[at + i] = c.emails[i]!;
			base.names[at + i] = c.names[i]!;
		}
		base.lastActive.set(c.lastActive, at);
		if (c.seqs) base.seqs.set(c.seqs, at);
		if (c.sources) for (let i = 0; i < c.ids.length; i++) base.sources[at + i] = c.sources[i];
		if (c.since) base.since.set(c.since, at);
		at += c.ids.length;
	}
	for (let i = 1; i < total && base.sorted; i++) {
		if (!(base.ids[i - 1]! < base.ids[i]!)) base.sorted = false;
	}
	for (let i = 1; i < total && base.seqsAscend; i++) {
		if (!(base.seqs[i - 1]! < base.seqs[i]!)) base.seqsAscend = false;
	}
	cache.set(db, base);
	return base;
}

/** Where `id` sits in the base, or -1. */
export function baseIndexOf(base: RosterBase, id: string): number {
	if (!base.sorted) {
		base.index ??= new Map(base.ids.map((v, i) => [v, i]));
		return base.index.get(id) ?? -1;
	}
	let lo = 0;
	let hi = base.ids.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const v = base.ids[mid]!;
		if (v === id) return mid;
		if (v < id) lo = mid + 1;
		else hi = mid - 1;
	}
	return -1;
}

/** Each chunk of a generation with the least and greatest id it holds. */
interface RosterDirectory {
	token: string;
	/** Ordered by `min`; the ranges do not overlap (a load's pages are disjoint id ranges). */
	chunks: { seq: number; min: string; max: string }[];
	/** Whether every chunk's ids ascend (a server page does), so a chunk is binary-searched. */
	ascending: boolean;
	/** Whether the ranges do not overlap, so one binary search finds an id's chunk. */
	disjoint: boolean;
}

// Ids never change within a generation (only Last Active does), so one directory per generation.
const directories = new WeakMap<RosterDB, RosterDirectory>();

async function rosterDirectory(db: RosterDB, gen: number, token: string): Promise<RosterDirectory> {
	const cached = directories.get(db);
	if (cached && cached.token === token) return cached;
	const chunks: RosterDirectory['chunks'] = [];
	let ascending = true;
	// One chunk at a time (a cursor), so the whole base is never held at once.
	await db.rosterChunks
		.where('gen')
		.equals(gen)
		.each((c) => {
			if (c.ids.length === 0) return;
			let min = c.ids[0]!;
			let max = min;
			for (let i = 1; i < c.ids.length; i++) {
				const id = c.ids[i]!;
				if (!(c.ids[i - 1]! < id)) ascending = false;
				if (id < min) min = id;
				else if (id > max) max = id;
			}
			chunks.push({ seq: c.seq, min, max });
		});
	chunks.sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0));
	let disjoint = true;
	for (let k = 1; k < chunks.length && disjoint; k++) {
		if (!(chunks[k - 1]!.max < chunks[k]!.min)) disjoint = false;
	}
	const directory = { token, chunks, ascending, disjoint };
	directories.set(db, directory);
	return directory;
}

/** The chunks whose id range holds `id` (one at most when the ranges are disjoint). */
function chunksHolding(directory: RosterDirectory, id: string): number[] {
	const { chunks } = directory;
	if (!directory.disjoint)
		return chunks.filter((c) => c.min <= id && id <= c.max).map((c) => c.seq);
	// The last chunk starting at or before `id`.
	let lo = 0;
	let hi = chunks.length - 1;
	let at = -1;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		if (chunks[mid]!.min <= id) {
			at = mid;
			lo = mid + 1;
		} else hi = mid - 1;
	}
	return at >= 0 && id <= chunks[at]!.max ? [chunks[at]!.seq] : [];
}

/** Where `id` sits in a chunk's ids, or -1 (binary search when they ascend). */
function chunkIndexOf(chunk: RosterChunk, id: string, ascending: boolean): number {
	if (!ascending) return chunk.ids.indexOf(id);
	let lo = 0;
	let hi = chunk.ids.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const v = chunk.ids[mid]!;
		if (v === id) return mid;
		if (v < id) lo = mid + 1;
		else hi = mid - 1;
	}
	return -1;
}

/** How many decoded chunks a mirror keeps (10,000 users each), for one change after another. */
const CHUNKS_KEPT = 4;

/**
 * The last chunks read, per mirror, for the generation `token` names (and its `edit`: Last Active
 * rewrites chunks): dropped as a whole when the base changes, so a chunk is never read as another
 * generation's.
 */
const chunkCaches = new WeakMap<
	RosterDB,
	{ token: string; edit: number; chunks: Map<number, RosterChunk> }
>();

async function readChunk(db: RosterDB, state: RosterState, seq: number) {
	let kept = chunkCaches.get(db);
	if (!kept || kept.token !== state.token || kept.edit !== state.edit) {
		kept = { token: state.token, edit: state.edit, chunks: new Map() };
		chunkCaches.set(db, kept);
	}
	const hit = kept.chunks.get(seq);
	if (hit) {
		// Most recently used last.
		kept.chunks.delete(seq);
		kept.chunks.set(seq, hit);
		return hit;
	}
	const chunk = await db.rosterChunks.get([state.gen, seq]);
	if (!chunk) return undefined;
	kept.chunks.set(seq, chunk);
	while (kept.chunks.size > CHUNKS_KEPT) kept.chunks.delete(kept.chunks.keys().next().value!);
	return chunk;
}

/** Above this many ids at once, the base is decoded once rather than chunk by chunk. */
const CHUNKWISE_MAX = 300;

/**
 * Base rows looked up ahead of a bulk change (`getLicense`'s `alongWith`), for the generation and edit they
 * were read from: the change's one-user-at-a-time reads then decode nothing again.
 */
const preloaded = new WeakMap<
	RosterDB,
	{ token: string; edit: number; rows: Map<string, MirrorLicense | null> }
>();

/**
 * The base rows of `ids` (those in the base), reading only the chunks that can hold them (or the
 * decoded base, when this mirror has it already or many ids are asked at once), so one user's
 * change never loads a million users into the page. Works inside a Dexie transaction.
 */
async function baseRows(db: RosterDB, ids: string[]): Promise<Map<string, MirrorLicense>> {
	const out = new Map<string, MirrorLicense>();
	const state = await rosterState(db);
	if (state.gen === 0 || ids.length === 0) return out;
	const pre = preloaded.get(db);
	let rest = ids;
	if (pre && pre.token === state.token && pre.edit === state.edit) {
		rest = [];
		for (const id of ids) {
			const row = pre.rows.get(id);
			if (row === undefined) rest.push(id);
			else if (row) out.set(id, row);
		}
		if (rest.length === 0) return out;
	}
	let base = cache.get(db);
	if (!(base && base.token === state.token && base.edit === state.edit)) {
		base = rest.length > CHUNKWISE_MAX ? await loadRosterBase(db) : undefined;
	}
	if (base) {
		for (const id of rest) {
			const i = baseIndexOf(base, id);
			if (i >= 0) out.set(id, baseRow(base, i));
		}
		return out;
	}
	const directory = await rosterDirectory(db, state.gen, state.token);
	const wanted = new Map<number, string[]>();
	for (const id of rest) {
		for (const seq of chunksHolding(directory, id)) {
			const inChunk = wanted.get(seq);
			if (inChunk) inChunk.push(id);
			else wanted.set(seq, [id]);
		}
	}
	for (const [seq, inChunk] of wanted) {
		const chunk = await readChunk(db, state, seq);
		if (!chunk) continue;
		for (const id of inChunk) {
			const i = chunkIndexOf(chunk, id, directory.ascending);
			if (i >= 0) out.set(id, chunkRow(chunk, i));
		}
	}
	return out;
}

function chunkRow(chunk: RosterChunk, i: number): MirrorLicense {
	const t = chunk.lastActive[i]!;
	const row: MirrorLicense = {
		id: chunk.ids[i]!,
		email: chunk.emails[i]!,
		name: chunk.names[i]!,
		lastActiveAt: Number.isNaN(t) ? null : t
	};
	const source = chunk.sources?.[i];
	if (isLicenseSource(source)) row.source = source;
	const since = chunk.since?.[i];
	if (since !== undefined && !Number.isNaN(since)) row.since = since;
	return row;
}

function baseRow(base: RosterBase, i: number): MirrorLicense {
	const t = base.lastActive[i]!;
	const row: MirrorLicense = {
		id: base.ids[i]!,
		email: base.emails[i]!,
		name: base.names[i]!,
		lastActiveAt: Number.isNaN(t) ? null : t
	};
	const source = base.sources[i];
	if (isLicenseSource(source)) row.source = source;
	if (!Number.isNaN(base.since[i]!)) row.since = base.since[i]!;
	return row;
}

const SOURCES: readonly string[] = ['console', 'scim', 'capture', 'invite', 'seed'];
function isLicenseSource(value: unknown): value is LicenseSource {
	return typeof value === 'string' && SOURCES.includes(value);
}

/** How many users hold a license: the base, plus additions, minus removals, without a scan. */
export async function licenseCount(db: RosterDB): Promise<number> {
	const base = ((await db.meta.get('rosterCount'))?.value as number | undefined) ?? 0;
	let delta = 0;
	await db.licenses.each((row) => {
		if (row.removed && row.inBase) delta--;
		else if (!row.removed && !row.inBase) delta++;
	});
	return base + delta;
}

/**
 * Seats used and purchased as this device sees them (R4): the mirror's seat count, licensed users
 * and unexpired invites, queued changes included; null before the mirror has its enterprise.
 */
export async function mirrorSeatUsage(db: RosterDB): Promise<SeatUsage | null> {
	const enterprise = await db.enterprise.toCollection().first();
	if (!enterprise) return null;
	const now = Date.now();
	const [licensed, invites] = await Promise.all([
		licenseCount(db),
		db.invites.filter((i) => isPendingInvite(i, now)).count()
	]);
	return seatUsage(enterprise.seats, licensed, invites);
}

/**
 * A licensed user by id, or undefined. `alongWith`: the users a bulk change will look up next, one
 * at a time: their base rows are read now, with this one's, and kept (for this generation and edit),
 * so those lookups and `removeLicenses` read no chunk again. Works inside a Dexie transaction.
 */
export async function getLicense(
	db: RosterDB,
	id: string,
	alongWith?: string[]
): Promise<MirrorLicense | undefined> {
	const row = await db.licenses.get(id);
	if (alongWith) {
		const ids = [id, ...alongWith];
		const [state, found] = await Promise.all([rosterState(db), baseRows(db, ids)]);
		const rows = new Map<string, MirrorLicense | null>();
		for (const one of ids) rows.set(one, found.get(one) ?? null);
		preloaded.set(db, { token: state.token, edit: state.edit, rows });
		if (row) return row.removed ? undefined : plain(row);
		return found.get(id);
	}
	if (row) return row.removed ? undefined : plain(row);
	return (await baseRows(db, [id])).get(id);
}

/** A licensed user by email, ignoring case, or undefined. */
export async function findLicenseByEmail(
	db: RosterDB,
	email: string
): Promise<MirrorLicense | undefined> {
	const changed = await db.licenses.where('email').equalsIgnoreCase(email).toArray();
	const live = changed.find((r) => !r.removed);
	if (live) return plain(live);
	const base = await loadRosterBase(db);
	const lower = (base.lowerEmails ??= base.emails.map((e) => e.toLowerCase()));
	const wanted = email.toLowerCase();
	for (let i = lower.indexOf(wanted); i >= 0; i = lower.indexOf(wanted, i + 1)) {
		// A user whose row changed on top of the base is decided by that row.
		if (!(await db.licenses.get(base.ids[i]!))) return baseRow(base, i);
	}
	return undefined;
}

/** Records licensed users (pulled or optimistic) on top of the base. */
export async function putLicenses(db: RosterDB, rows: MirrorLicense[]): Promise<void> {
	if (rows.length === 0) return;
	const inBase = await baseRows(
		db,
		rows.map((r) => r.id)
	);
	await db.licenses.bulkPut(rows.map((r) => ({ ...plain(r), inBase: inBase.has(r.id) })));
}

/** Records that these users no longer hold a license. */
export async function removeLicenses(db: RosterDB, ids: string[]): Promise<void> {
	if (ids.length === 0) return;
	const inBase = await baseRows(db, ids);
	await db.licenses.bulkDelete(ids.filter((id) => !inBase.has(id)));
	await db.licenses.bulkPut(
		[...inBase.values()].map((r) => ({ ...r, removed: true, inBase: true }))
	);
}

/**
 * Every licensed user, base and changes joined, as parallel columns (cheap to scan, filter and
 * sort for a million rows). Rows changed on top of the base replace theirs in place.
 */
export interface LicenseColumns {
	ids: string[];
	emails: string[];
	names: string[];
	lastActive: Float64Array;
}

/** The licensed users as columns: what the licenses list, search and reports read. */
export async function licenseColumns(db: RosterDB): Promise<LicenseColumns> {
	const [base, changed] = await Promise.all([loadRosterBase(db), db.licenses.toArray()]);
	if (changed.length === 0) {
		return { ids: base.ids, emails: base.emails, names: base.names, lastActive: base.lastActive };
	}
	const byID = new Map<string, LicenseOverlayRow>(changed.map((r) => [r.id, r]));
	const ids: string[] = [];
	const emails: string[] = [];
	const names: string[] = [];
	const times: number[] = [];
	for (let i = 0; i < base.ids.length; i++) {
		const id = base.ids[i]!;
		const row = byID.get(id);
		if (!row) {
			ids.push(id);
			emails.push(base.emails[i]!);
			names.push(base.names[i]!);
			times.push(base.lastActive[i]!);
		} else if (!row.removed) {
			ids.push(id);
			emails.push(row.email);
			names.push(row.name);
			times.push(row.lastActiveAt ?? Number.NaN);
		}
	}
	for (const row of changed) {
		if (row.removed || row.inBase) continue;
		ids.push(row.id);
		emails.push(row.email);
		names.push(row.name);
		times.push(row.lastActiveAt ?? Number.NaN);
	}
	return { ids, emails, names, lastActive: Float64Array.from(times) };
}

/** What `scanLicenses` tells as it reads the licensed users. */
export interface LicenseScan {
	/** First: how many licensed users there are. */
	total(n: number): void;
	/** Each licensed user; Last Active `t` is epoch ms, NaN when never. */
	row(email: string, name: string, t: number): void;
	/** After each chunk of the base and each `every` users added on top, with how many were read (throw to stop). */
	progress(done: number): void;
}

/**
 * Reads every licensed user, as `licenseColumns` joins them, without decoding the base as a whole:
 * the chunks one at a time (the next one is read while this one is scanned), changes on top in
 * place, then the users added on top. One read transaction, so a sync that replaces the roster
 * meanwhile waits. Takes any Dexie open on a mirror (a worker opens it without the schema).
 * Returns how many users it read.
 */
export async function scanLicenses(db: Dexie, scan: LicenseScan, every = 10_000): Promise<number> {
	const chunks = db.table<RosterChunk, [number, number]>('rosterChunks');
	const licenses = db.table<LicenseOverlayRow, string>('licenses');
	const meta = db.table<MetaRow, string>('meta');
	return db.transaction('r', [chunks, licenses, meta], async () => {
		const gen = ((await meta.get('rosterGen'))?.value as number | undefined) ?? 0;
		const baseCount = ((await meta.get('rosterCount'))?.value as number | undefined) ?? 0;
		const changed = await licenses.toArray();
		const keys = gen === 0 ? [] : await chunks.where('gen').equals(gen).primaryKeys();
		keys.sort((a, b) => a[1] - b[1]);

		// Changes on top of the base: in place of the base row, or (new users) after the base.
		const byID = new Map<string, LicenseOverlayRow>();
		let total = gen === 0 ? 0 : baseCount;
		for (const row of changed) {
			if (row.removed && row.inBase) total--;
			else if (!row.removed && !row.inBase) total++;
			if (row.inBase) byID.set(row.id, row);
		}
		scan.total(total);
		let done = 0;
		let next = keys.length > 0 ? chunks.get(keys[0]!) : undefined;
		for (let k = 0; k < keys.length; k++) {
			const chunk = await next;
			next = k + 1 < keys.length ? chunks.get(keys[k + 1]!) : undefined;
			if (!chunk) continue;
			const { ids, emails, names, lastActive } = chunk;
			if (byID.size === 0) {
				for (let i = 0; i < ids.length; i++) scan.row(emails[i]!, names[i]!, lastActive[i]!);
				done += ids.length;
			} else {
				for (let i = 0; i < ids.length; i++) {
					const row = byID.get(ids[i]!);
					if (!row) scan.row(emails[i]!, names[i]!, lastActive[i]!);
					else if (!row.removed) scan.row(row.email, row.name, row.lastActiveAt ?? Number.NaN);
					else continue;
					done++;
				}
			}
			scan.progress(done);
		}
		// Users added on top of the base, and every user of a mirror from before the chunks.
		for (const row of changed) {
			if (row.removed || row.inBase) continue;
			scan.row(row.email, row.name, row.lastActiveAt ?? Number.NaN);
			if (++done % every === 0) scan.progress(done);
		}
		return done;
	});
}

/** Every licensed user as rows (small enterprises, tests and convergence checks). */
export async function allLicenses(db: RosterDB): Promise<MirrorLicense[]> {
	const [c, base, changed] = await Promise.all([
		licenseColumns(db),
		loadRosterBase(db),
		db.licenses.toArray()
	]);
	const overlay = new Map(changed.map((r) => [r.id, r]));
	const rows: MirrorLicense[] = [];
	for (const id of c.ids) {
		const o = overlay.get(id);
		const i = o ? -1 : baseIndexOf(base, id);
		const row = o ? (o.removed ? undefined : plain(o)) : i < 0 ? undefined : baseRow(base, i);
		if (!row) continue;
		// The license number is the server's bookkeeping, not something the admin sees.
		delete row.seq;
		rows.push(row);
	}
	return rows;
}

function plain(r: MirrorLicense): MirrorLicense {
	const row: MirrorLicense = {
		id: r.id,
		email: r.email,
		name: r.name,
		lastActiveAt: r.lastActiveAt ?? null
	};
	if (r.seq !== undefined) row.seq = r.seq;
	if (isLicenseSource(r.source)) row.source = r.source;
	if (typeof r.since === 'number') row.since = r.since;
	return row;
}

/**
 * Where the license numbered `seq` sits in the base, or -1: a binary search, O(log n) per call
 * (the order by number is built once per base when the numbers do not ascend).
 */
export function basePositionOfSeq(base: RosterBase, seq: number): number {
	const { seqs } = base;
	let order: Uint32Array | null = null;
	if (!base.seqsAscend) {
		order = base.bySeq ??= Uint32Array.from(seqs.keys()).sort(
			(a, b) => (seqs[a]! || 0) - (seqs[b]! || 0)
		);
	}
	let lo = 0;
	let hi = seqs.length - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >>> 1;
		const at = order ? order[mid]! : mid;
		const v = seqs[at]! || 0;
		if (v === seq) return at;
		if (v < seq) lo = mid + 1;
		else hi = mid - 1;
	}
	return -1;
}

/**
 * Applies pulled Last Active changes (R19, R20; `PullResponse.activity`): licenses named by number
 * get their new date (UTC midnight of the day; the console shows dates only), in the rows on top
 * of the base and in the base's chunks, rewriting only the chunks that hold a changed user. Call
 * inside the pull's transaction.
 */
export async function applyLastActive(db: RosterDB, delta: ActivityDelta): Promise<void> {
	const wanted = new Map<number, number>();
	let seq = 0;
	for (let i = 0; i < delta.seqs.length; i++) {
		seq += delta.seqs[i]!;
		const day = delta.days[i];
		wanted.set(seq, day == null ? Number.NaN : day * DAY_MS);
	}
	if (wanted.size === 0) return;
	// Rows on top of the base: usually few; the chunks' rows they shadow change too.
	const overlay = await db.licenses
		.where('seq')
		.anyOf([...wanted.keys()])
		.toArray();
	for (const row of overlay) {
		const t = wanted.get(row.seq!)!;
		row.lastActiveAt = Number.isNaN(t) ? null : t;
	}
	await db.licenses.bulkPut(overlay);

	const base = await loadRosterBase(db);
	if (base.gen === 0) return;
	const lastActive = base.lastActive.slice();
	const touched = new Set<number>();
	for (const [s, t] of wanted) {
		const at = basePositionOfSeq(base, s);
		if (at < 0) continue;
		lastActive[at] = t;
		// The chunk holding position `at`: the last one starting at or before it.
		let lo = 0;
		let hi = base.chunks.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >>> 1;
			if (base.chunks[mid]!.start <= at) lo = mid;
			else hi = mid - 1;
		}
		touched.add(lo);
	}
	if (touched.size > 0) {
		for (const k of touched) {
			const { seq: chunkSeq, start } = base.chunks[k]!;
			const chunk = await db.rosterChunks.get([base.gen, chunkSeq]);
			if (!chunk) continue;
			chunk.lastActive = lastActive.slice(start, start + chunk.ids.length);
			await db.rosterChunks.put(chunk);
		}
		const edit = base.edit + 1;
		await db.meta.put({ key: 'rosterEdit', value: edit });
		// This tab's copy follows at once; other tabs and workers read the chunks again.
		cache.set(db, { ...base, lastActive, edit });
		chunkCaches.delete(db);
		preloaded.delete(db);
	}
}

/** Where one id range of a roster load stands: the next page's `after`, its chunk number, done. */
export interface RosterRangeState {
	after: string;
	seq: number;
	done: boolean;
}

/**
 * A roster load in progress, kept in `meta` as its pages are stored, so a load cut off (the
 * network, a reload) resumes where it stopped instead of starting over: the generation its chunks
 * are staged under, the cookie of the full pull it began with (the pages are as of then, or
 * later), the users stored so far and each range's position.
 */
export interface RosterStaging {
	gen: number;
	cookie: number;
	count: number;
	ranges: RosterRangeState[];
}

/**
 * The roster load to go on with: the one an earlier attempt left unfinished (its chunks kept), or
 * a new generation starting at `ranges` (chunks of any other unfinished load dropped).
 */
export async function stageRosterGeneration(
	db: RosterDB,
	cookie: number,
	ranges: RosterRangeState[]
): Promise<RosterStaging> {
	return db.transaction('rw', db.rosterChunks, db.meta, async () => {
		const current = await rosterGeneration(db);
		const left = (await db.meta.get('rosterStaging'))?.value as RosterStaging | undefined;
		if (left && left.gen === current + 1 && left.ranges.length === ranges.length) return left;
		await db.rosterChunks.where('gen').notEqual(current).delete();
		const staging: RosterStaging = { gen: current + 1, cookie, count: 0, ranges };
		await db.meta.put({ key: 'rosterStaging', value: staging });
		return staging;
	});
}

/**
 * Stores one page of licensed users from the server as chunk `seq` of the staged generation, and
 * moves range `range` of the load on to `next`, in one transaction.
 */
export async function stageRosterPage(
	db: RosterDB,
	gen: number,
	range: number,
	seq: number,
	page: RosterPage,
	next: RosterRangeState
): Promise<void> {
	await db.transaction('rw', db.rosterChunks, db.meta, async () => {
		const staging = (await db.meta.get('rosterStaging'))?.value as RosterStaging | undefined;
		if (!staging || staging.gen !== gen) throw new Error('the roster load was replaced');
		if (page.ids.length > 0) {
			await db.rosterChunks.put({
				gen,
				seq,
				ids: page.ids,
				emails: page.emails,
				names: page.names,
				lastActive: Float64Array.from(page.lastActive, (t) => t ?? Number.NaN),
				seqs: Float64Array.from(page.seqs ?? page.ids.map(() => Number.NaN)),
				...(page.sources && page.since
					? { sources: page.sources, since: Float64Array.from(page.since) }
					: {})
			});
		}
		const ranges = staging.ranges.map((r, k) => (k === range ? next : r));
		await db.meta.put({
			key: 'rosterStaging',
			value: { ...staging, count: staging.count + page.ids.length, ranges }
		});
	});
}

/**
 * Replaces the base with the chunks staged under `gen` (call inside the transaction that applies
 * the full pull, after the mirror tables were cleared).
 */
export async function adoptRoster(
	db: RosterDB,
	gen: number,
	count: number,
	cookie: number
): Promise<void> {
	await db.rosterChunks.where('gen').notEqual(gen).delete();
	await db.meta.delete('rosterStaging');
	await db.meta.bulkPut([
		{ key: 'rosterGen', value: gen },
		{ key: 'rosterToken', value: newRosterToken() },
		{ key: 'rosterCount', value: count },
		// The server version the chunks were taken at: a rebuild may keep them and ask for the rest.
		{ key: 'rosterCookie', value: cookie }
	]);
}

/** The server version of the chunks, when there are chunks to keep. */
export async function rosterCookie(db: RosterDB): Promise<number | undefined> {
	if ((await rosterGeneration(db)) === 0) return undefined;
	return (await db.meta.get('rosterCookie'))?.value as number | undefined;
}

/** Drops every chunk: the base is empty and `licenses` holds every licensed user. */
export async function clearRoster(db: RosterDB): Promise<void> {
	await db.rosterChunks.clear();
	await db.meta.delete('rosterStaging');
	await db.meta.bulkPut([
		{ key: 'rosterGen', value: 0 },
		{ key: 'rosterToken', value: newRosterToken() },
		{ key: 'rosterCount', value: 0 }
	]);
	await db.meta.delete('rosterCookie');
}

/** Licensed users by id, for showing members (ids without a license are left out). */
export async function lookupLicenses(
	db: RosterDB,
	ids: string[]
): Promise<Map<string, MirrorLicense>> {
	// The teams and organizations pages ask again and again: they keep the decoded base.
	const [base, changed] = await Promise.all([loadRosterBase(db), db.licenses.bulkGet(ids)]);
	const out = new Map<string, MirrorLicense>();
	ids.forEach((id, k) => {
		const row = changed[k];
		if (row) {
			if (!row.removed) out.set(id, plain(row));
			return;
		}
		const i = baseIndexOf(base, id);
		if (i >= 0) out.set(id, baseRow(base, i));
	});
	return out;
}
