import { activeWithin, countActive } from '../../domain/activity';
import { normalizeQuery, searchLicenses, type LicenseSort } from '../license-search';
import type { LicenseColumns } from '../roster';

/**
 * The licensed-user list's index, as the list worker holds it: the base roster's columns (searched
 * and sorted by `license-search.ts`, whose preparation is kept while the base stays), and the rows
 * changed on top of it (removed, added, edited), which mask their base row and are searched and
 * merged in on their own. A change on top of the base re-applies only those rows; the base's text
 * and sort orders are not rebuilt.
 */

/** What the list shows: the search, its order and the inactive filter (R20) as of `now`. */
export interface ListQuery {
	query: string;
	sort: LicenseSort;
	/** Only people not active within this many days, when set. */
	inactiveDays: number | null;
	now: number;
}

/** One row of the list as the page renders it; `lastActive` is epoch ms, null when never. */
export interface ListRow {
	id: string;
	email: string;
	name: string;
	lastActive: number | null;
}

/** A window of the list: how many licensed users in all, how many match, and rows [from, from + rows.length). */
export interface ListWindow {
	total: number;
	matching: number;
	from: number;
	rows: ListRow[];
}

/** A row changed on top of the base, as the mirror's `licenses` table holds it. */
export interface OverlayRow {
	id: string;
	email: string;
	name: string;
	lastActiveAt?: number | null;
	removed?: boolean;
	inBase?: boolean;
}

interface Extra {
	id: string;
	email: string;
	name: string;
	/** Lower-cased `name` and `email`, for the search. */
	hay: [string, string];
	lastActive: number;
	/** Where the row sits among equal Last Active dates: its base row, or after the base. */
	tie: number;
}

const EMPTY: LicenseColumns = { ids: [], emails: [], names: [], lastActive: new Float64Array(0) };

/** The licensed users, searchable, sortable and windowed, with changes applied on top of the base. */
export class LicenseIndex {
	#base: LicenseColumns = EMPTY;
	#indexOf: (id: string) => number = () => -1;
	/** 1 where a base row is shadowed by a changed row (removed or edited). */
	#hidden = new Uint8Array(0);
	#hiddenRows: number[] = [];
	#extras: Extra[] = [];
	#total = 0;
	#overlay: OverlayRow[] = [];
	#cache: { key: string; rows: Uint32Array } | null = null;

	/** How many licensed users there are. */
	get total(): number {
		return this.#total;
	}

	/**
	 * Replaces the base (a new roster generation, or new Last Active dates). `indexOf` finds an id's
	 * base row (the roster's own lookup); the changed rows are re-applied on top.
	 */
	setBase(base: LicenseColumns, indexOf?: (id: string) => number): void {
		this.#base = base;
		if (indexOf) this.#indexOf = indexOf;
		else {
			const at = new Map(base.ids.map((id, i) => [id, i]));
			this.#indexOf = (id) => at.get(id) ?? -1;
		}
		this.#hidden = new Uint8Array(base.ids.length);
		this.#hiddenRows = [];
		this.setOverlay(this.#overlay);
	}

	/** Applies the rows changed on top of the base, replacing the previous ones (as `licenseColumns` joins them). */
	setOverlay(rows: OverlayRow[]): void {
		this.#overlay = rows;
		for (const r of this.#hiddenRows) this.#hidden[r] = 0;
		this.#hiddenRows = [];
		this.#extras = [];
		const n = this.#base.ids.length;
		let added = 0;
		for (const row of rows) {
			const at = this.#indexOf(row.id);
			if (at >= 0) {
				this.#hidden[at] = 1;
				this.#hiddenRows.push(at);
				if (!row.removed) this.#extras.push(extra(row, at));
			} else if (!row.removed && !row.inBase) {
				this.#extras.push(extra(row, n + added++));
			}
		}
		this.#total = n - this.#hiddenRows.length + this.#extras.length;
		this.#cache = null;
	}

	/** The list's rows [from, to) for `q`, with the totals. */
	window(q: ListQuery, from: number, to: number): ListWindow {
		const rows = this.#matches(q);
		const start = Math.max(0, Math.min(from, rows.length));
		const end = Math.max(start, Math.min(to, rows.length));
		const out: ListRow[] = [];
		for (let i = start; i < end; i++) out.push(this.#row(rows[i]!));
		return { total: this.#total, matching: rows.length, from: start, rows: out };
	}

	/** The ids of every licensed user `q` matches, in the list's order ("select all matching"). */
	matchingIDs(q: ListQuery): string[] {
		const rows = this.#matches(q);
		const n = this.#base.ids.length;
		return Array.from(rows, (h) => (h < n ? this.#base.ids[h]! : this.#extras[h - n]!.id));
	}

	/** How many licensed users were active within each of `windows` days as of `now` (R20). */
	activeCounts(now: number, windows: number[]): { total: number; counts: number[] } {
		const { lastActive } = this.#base;
		const counts = countActive(lastActive, now, windows);
		const hidden = countActive(
			this.#hiddenRows.map((r) => lastActive[r]!),
			now,
			windows
		);
		const extra = countActive(
			this.#extras.map((e) => e.lastActive),
			now,
			windows
		);
		return { total: this.#total, counts: counts.map((c, k) => c - hidden[k]! + extra[k]!) };
	}

	#row(h: number): ListRow {
		const base = this.#base;
		const n = base.ids.length;
		if (h >= n) {
			const e = this.#extras[h - n]!;
			return { id: e.id, email: e.email, name: e.name, lastActive: time(e.lastActive) };
		}
		return {
			id: base.ids[h]!,
			email: base.emails[h]!,
			name: base.names[h]!,
			lastActive: time(base.lastActive[h]!)
		};
	}

	// Handles: a base row's index, or n + k for the k-th changed row.
	#matches(q: ListQuery): Uint32Array {
		const days = q.inactiveDays;
		const key = `${q.sort}\u0000${days ?? ''}\u0000${days === null ? '' : Math.floor(q.now / 86_400_000)}\u0000${normalizeQuery(q.query)}`;
		if (this.#cache?.key === key) return this.#cache.rows;
		const base = this.#base;
		const n = base.ids.length;
		const found = searchLicenses(base, q.query, q.sort);
		const hidden = this.#hidden;
		const keep = (at: number | null) => days === null || !activeWithin(at, q.now, days);
		let baseRows = found;
		if (this.#hiddenRows.length > 0 || days !== null) {
			const out = new Uint32Array(found.length);
			let k = 0;
			for (let i = 0; i < found.length; i++) {
				const r = found[i]!;
				if (hidden[r] === 0 && keep(base.lastActive[r]!)) out[k++] = r;
			}
			baseRows = out.subarray(0, k);
		}
		const needle = normalizeQuery(q.query);
		const extras: number[] = [];
		this.#extras.forEach((e, k) => {
			if (needle && !e.hay[0].includes(needle) && !e.hay[1].includes(needle)) return;
			if (keep(e.lastActive)) extras.push(n + k);
		});
		let rows = baseRows;
		if (extras.length > 0) {
			const before = this.#before(q.sort);
			extras.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
			rows = new Uint32Array(baseRows.length + extras.length);
			let i = 0;
			let j = 0;
			let k = 0;
			while (i < baseRows.length && j < extras.length) {
				rows[k++] = before(extras[j]!, baseRows[i]!) ? extras[j++]! : baseRows[i++]!;
			}
			while (i < baseRows.length) rows[k++] = baseRows[i++]!;
			while (j < extras.length) rows[k++] = extras[j++]!;
		}
		this.#cache = { key, rows };
		return rows;
	}

	/** Whether handle `a` comes before `b` in `sort` (the orders `license-search.ts` sorts by). */
	#before(sort: LicenseSort): (a: number, b: number) => boolean {
		const base = this.#base;
		const n = base.ids.length;
		const email = (h: number) => (h < n ? base.emails[h]! : this.#extras[h - n]!.email);
		const at = (h: number) => (h < n ? base.lastActive[h]! : this.#extras[h - n]!.lastActive);
		const tie = (h: number) => (h < n ? h : this.#extras[h - n]!.tie);
		if (sort === 'email') return (a, b) => email(a) < email(b);
		const newestFirst = sort === 'last-active-desc';
		return (a, b) => {
			const ta = at(a);
			const tb = at(b);
			const na = Number.isNaN(ta);
			const nb = Number.isNaN(tb);
			if (na !== nb) return newestFirst ? nb : na; // never active: last newest first, first oldest first
			if (!na && ta !== tb) return newestFirst ? ta > tb : ta < tb;
			return tie(a) < tie(b);
		};
	}
}

function extra(row: OverlayRow, tie: number): Extra {
	return {
		id: row.id,
		email: row.email,
		name: row.name,
		hay: [row.name.toLowerCase(), row.email.toLowerCase()],
		lastActive: row.lastActiveAt ?? Number.NaN,
		tie
	};
}

function time(t: number): number | null {
	return Number.isNaN(t) ? null : t;
}
