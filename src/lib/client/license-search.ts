import type { LicenseColumns } from './roster';

/**
 * Search-as-you-type and sorting over the licensed users' columns (R4), fast enough to answer each
 * keystroke over 1,000,000 users: the lower-cased names and emails are joined once per columns
 * object into one string that `indexOf` scans natively, each sort order is computed once with
 * typed-array sorts, and a query that extends the previous one only re-checks the previous matches.
 */

/** Orders of the licensed-user list, as the page's `?sort=` and the server's API spell them. */
export const LICENSE_SORTS = ['last-active-desc', 'last-active-asc', 'email'] as const;

/** One order of the licensed-user list. */
export type LicenseSort = (typeof LICENSE_SORTS)[number];

/** A `?sort=` value as a sort, newest first when missing or unknown. */
export function parseLicenseSort(value: string | null | undefined): LicenseSort {
	return (LICENSE_SORTS as readonly string[]).includes(value ?? '')
		? (value as LicenseSort)
		: 'last-active-desc';
}

/** A query as the search compares it: trimmed and lower-cased. */
export function normalizeQuery(query: string): string {
	return query.trim().toLowerCase();
}

// Between a row's name and email, and between rows: characters no query can hold, so a match
// never spans two fields or two users.
const FIELD = '\u0001';
const ROW = '\u0000';

interface Prepared {
	names: string[];
	lastActive: Float64Array;
	/** Each row's `name FIELD email`, lower-cased. */
	hay: string[];
	/** The rows of `hay` joined by ROW, for one native scan of everything. */
	text: string;
	/** Where each row starts in `text`; `starts[n]` is one past the end. */
	starts: Uint32Array;
	/** Row indexes in each order, and each row's position in it. */
	orders: Partial<Record<LicenseSort, { order: Uint32Array; rank: Uint32Array }>>;
	/** The last query's matches, ascending row indexes, to narrow from. */
	last: { query: string; rows: Uint32Array } | null;
}

// Keyed by the emails column: `licenseColumns` hands out the same arrays (in a new object) while
// only `meta` changed, and new arrays whenever a license did.
const prepared = new WeakMap<string[], Prepared>();

function prepare(columns: LicenseColumns): Prepared {
	const cached = prepared.get(columns.emails);
	if (cached && cached.names === columns.names) {
		if (cached.lastActive === columns.lastActive) return cached;
		// Only the Last Active dates changed: the text and the email order still hold.
		const kept: Prepared = {
			...cached,
			lastActive: columns.lastActive,
			orders: cached.orders.email ? { email: cached.orders.email } : {}
		};
		prepared.set(columns.emails, kept);
		return kept;
	}
	const n = columns.emails.length;
	const hay = new Array<string>(n);
	const starts = new Uint32Array(n + 1);
	let at = 0;
	for (let i = 0; i < n; i++) {
		const row = columns.names[i]!.toLowerCase() + FIELD + columns.emails[i]!.toLowerCase();
		hay[i] = row;
		starts[i] = at;
		at += row.length + 1;
	}
	starts[n] = at;
	const fresh: Prepared = {
		names: columns.names,
		lastActive: columns.lastActive,
		hay,
		text: hay.join(ROW),
		starts,
		orders: {},
		last: null
	};
	prepared.set(columns.emails, fresh);
	return fresh;
}

function rankOf(order: Uint32Array): Uint32Array {
	const rank = new Uint32Array(order.length);
	for (let i = 0; i < order.length; i++) rank[order[i]!] = i;
	return rank;
}

function emailOrder(columns: LicenseColumns): Uint32Array {
	const emails = columns.emails;
	const order = new Uint32Array(emails.length);
	for (let i = 0; i < order.length; i++) order[i] = i;
	// Code-unit order, as the server sorts (byte order on both databases). Emails are unique.
	return order.sort((a, b) => (emails[a]! < emails[b]! ? -1 : emails[a]! > emails[b]! ? 1 : 0));
}

/**
 * Rows by Last Active, never-active users last when newest first and first when oldest first (as
 * the server orders them), ties in row order (the roster's id order). Sorts numeric keys
 * `timeRank * n + row` in a Float64Array natively instead of calling a comparator a million times.
 */
function activeOrder(lastActive: Float64Array, newestFirst: boolean): Uint32Array {
	const n = lastActive.length;
	const times = lastActive.slice().sort(); // NaN sorts last
	let distinct = 0;
	for (let i = 0; i < n && !Number.isNaN(times[i]!); i++) {
		if (i === 0 || times[i] !== times[i - 1]) times[distinct++] = times[i]!;
	}
	const keys = new Float64Array(n);
	for (let row = 0; row < n; row++) {
		const t = lastActive[row]!;
		let time: number;
		if (Number.isNaN(t)) time = newestFirst ? distinct : 0;
		else {
			let lo = 0;
			let hi = distinct - 1;
			while (lo < hi) {
				const mid = (lo + hi) >>> 1;
				if (times[mid]! < t) lo = mid + 1;
				else hi = mid;
			}
			time = newestFirst ? distinct - 1 - lo : lo + 1;
		}
		keys[row] = time * n + row;
	}
	keys.sort();
	const order = new Uint32Array(n);
	for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
	return order;
}

function orderOf(columns: LicenseColumns, p: Prepared, sort: LicenseSort) {
	let entry = p.orders[sort];
	if (!entry) {
		const order =
			sort === 'email'
				? emailOrder(columns)
				: activeOrder(columns.lastActive, sort === 'last-active-desc');
		entry = p.orders[sort] = { order, rank: rankOf(order) };
	}
	return entry;
}

/** Ascending indexes of the rows whose name or email holds `q` (already normalized, not empty). */
function matchRows(p: Prepared, q: string): Uint32Array {
	if (q.includes(ROW) || q.includes(FIELD)) return new Uint32Array(0);
	const last = p.last;
	let rows: Uint32Array;
	if (last && last.query === q) return last.rows;
	if (last && q.includes(last.query)) {
		// Every match of a longer query is a match of the shorter one: re-check only those.
		const out = new Uint32Array(last.rows.length);
		let k = 0;
		for (let j = 0; j < last.rows.length; j++) {
			const row = last.rows[j]!;
			if (p.hay[row]!.includes(q)) out[k++] = row;
		}
		rows = out.slice(0, k);
	} else {
		const out: number[] = [];
		const { text, starts } = p;
		let row = 0;
		for (let at = text.indexOf(q); at !== -1;) {
			// Walk to the row holding this match (matches come in increasing order).
			while (starts[row + 1]! <= at) row++;
			out.push(row);
			at = text.indexOf(q, starts[row + 1]);
		}
		rows = Uint32Array.from(out);
	}
	p.last = { query: q, rows };
	return rows;
}

/**
 * Row indexes of the licensed users whose name or email holds `query` (case-insensitive
 * substring), in `sort` order. With an empty query, every row. The answer for an empty query is
 * shared between calls: read it, do not write to it.
 */
export function searchLicenses(
	columns: LicenseColumns,
	query: string,
	sort: LicenseSort = 'last-active-desc'
): Uint32Array {
	const p = prepare(columns);
	const { order, rank } = orderOf(columns, p, sort);
	const q = normalizeQuery(query);
	if (q === '') return order;
	const rows = matchRows(p, q);
	const ranks = new Uint32Array(rows.length);
	for (let i = 0; i < rows.length; i++) ranks[i] = rank[rows[i]!]!;
	ranks.sort();
	for (let i = 0; i < ranks.length; i++) ranks[i] = order[ranks[i]!]!;
	return ranks;
}
