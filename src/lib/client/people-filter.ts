/** What the Licenses page's people list shows, as its `?show=` spells it. */
export const PEOPLE_FILTERS = ['managed', 'unmanaged', 'invites'] as const;

/** One filter of the people list: licensed users, unmanaged users, or pending invites. */
export type PeopleFilter = (typeof PEOPLE_FILTERS)[number];

/**
 * A `?show=` value as a filter: licensed users when missing or unknown, and when it asks for
 * unmanaged users of a role that may not see them (R2: domains are the owner's and co-owners').
 */
export function parsePeopleFilter(
	value: string | null | undefined,
	canSeeUnmanaged: boolean
): PeopleFilter {
	if (value === 'invites') return value;
	if (value === 'unmanaged' && canSeeUnmanaged) return value;
	return 'managed';
}
