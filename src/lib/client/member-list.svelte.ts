import { normalizeQuery } from './license-search';

/** How many members one page of a member list shows. */
export const MEMBERS_PER_PAGE = 50;

/** A member as the member lists search them: by name or email. */
export interface Searchable {
	email: string;
	name: string;
}

/**
 * A searchable, paged view of one list of members (a team's, an organization's): the query, the
 * page, and the counts the list shows ("Showing 51–100 of 1,001"). `rows` is `null` while loading.
 */
export class MemberList<T extends Searchable> {
	#query = $state('');
	#page = $state(0);
	readonly #rows: () => readonly T[] | null;
	readonly perPage: number;

	constructor(rows: () => readonly T[] | null, perPage = MEMBERS_PER_PAGE) {
		this.#rows = rows;
		this.perPage = perPage;
	}

	/** What the admin searches for (a part of a name or an email). */
	get query(): string {
		return this.#query;
	}
	set query(value: string) {
		this.#query = value;
		this.#page = 0;
	}

	readonly #matches = $derived.by(() => {
		const rows = this.#rows();
		const q = normalizeQuery(this.#query);
		if (!rows || q === '') return rows;
		return rows.filter(
			(r) => r.email.toLowerCase().includes(q) || r.name.toLowerCase().includes(q)
		);
	});

	/** Every member (0 while loading). */
	get total(): number {
		return this.#rows()?.length ?? 0;
	}

	/** The members the query matches (all of them without one). */
	get matching(): number {
		return this.#matches?.length ?? 0;
	}

	/** The pages the matches fill (at least one). */
	get pages(): number {
		return Math.max(1, Math.ceil(this.matching / this.perPage));
	}

	/** The page shown, 0-based; kept within the pages when the list shrinks. */
	get page(): number {
		return Math.min(this.#page, this.pages - 1);
	}

	/** The members on the page shown, or `null` while loading. */
	get rows(): T[] | null {
		const matches = this.#matches;
		if (!matches) return null;
		const start = this.page * this.perPage;
		return matches.slice(start, start + this.perPage);
	}

	/** "Showing 51–100 of 1,001", or with a query "Showing 1–3 of 3 matching “ann” (1,001 in all)". */
	get summary(): string {
		const n = (v: number) => v.toLocaleString('en-US');
		const q = this.#query.trim();
		if (this.matching === 0) return q ? `No member matches “${q}”.` : '';
		const from = this.page * this.perPage + 1;
		const to = Math.min(this.matching, from + this.perPage - 1);
		const range = `Showing ${n(from)}–${n(to)} of ${n(this.matching)}`;
		return q ? `${range} matching “${q}” (${n(this.total)} in all)` : range;
	}

	next(): void {
		this.#page = Math.min(this.page + 1, this.pages - 1);
	}

	previous(): void {
		this.#page = Math.max(this.page - 1, 0);
	}
}
