import type { RosterDB } from './db';
import { normalizeQuery, searchLicenses } from './license-search';
import { licenseColumns } from './roster';

/** A licensed user a people picker offers. */
export interface PersonOption {
	id: string;
	email: string;
	name: string;
}

/**
 * The licensed users of the mirror whose name or email holds `query`, by email, leaving out
 * `exclude` (those already on the list): what a people picker offers as the admin types. Reads
 * only the mirror, so it answers offline too.
 */
export async function suggestPeople(
	db: RosterDB,
	query: string,
	exclude: ReadonlySet<string> = new Set(),
	limit = 8
): Promise<PersonOption[]> {
	if (normalizeQuery(query) === '') return [];
	const columns = await licenseColumns(db);
	const out: PersonOption[] = [];
	for (const i of searchLicenses(columns, query, 'email')) {
		const id = columns.ids[i]!;
		if (exclude.has(id)) continue;
		out.push({ id, email: columns.emails[i]!, name: columns.names[i]! });
		if (out.length === limit) break;
	}
	return out;
}
