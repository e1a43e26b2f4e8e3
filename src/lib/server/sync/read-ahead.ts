import type { Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { Organization, Team } from '../../domain/entities';
import { nameKey } from '../../domain/text';
import { id, name as nameSchema } from '../../domain/mutations/define';

type Named = { id: string; name: string };

/**
 * The rows of one named table (teams or organizations) of the enterprise that a batch has read or
 * written: by id, and by name key (`null`: known to be absent). Only what the batch read ahead or
 * wrote is known; anything else is asked of the database.
 */
export class KnownRows<T extends Named> {
	readonly #byID = new Map<string, T | null>();
	readonly #byName = new Map<string, T | null>();
	// The name key each known row holds, so a rename frees the old one.
	readonly #keyOf = new Map<string, string>();

	/** The row with this id: a row, `null` (none), or `undefined` when not known. */
	byID(id: string): T | null | undefined {
		return this.#byID.get(id);
	}

	/** The row holding this name key: a row, `null` (none), or `undefined` when not known. */
	byName(key: string): T | null | undefined {
		return this.#byName.get(key);
	}

	/** Records what the database answered about ids and name keys (rows: those it found). */
	learn(
		rows: readonly (T & { name_key: string })[],
		ids: Iterable<string>,
		keys: Iterable<string>
	) {
		for (const id of ids) this.#byID.set(id, null);
		for (const key of keys) this.#byName.set(key, null);
		for (const { name_key, ...row } of rows) this.#set(row as unknown as T, name_key);
	}

	/** Records that `row` was written (created or renamed) in the enterprise. */
	wrote(row: T): void {
		const before = this.#keyOf.get(row.id);
		if (before !== undefined) this.#byName.set(before, null);
		this.#set(row, nameKey(row.name));
	}

	/** Forgets the row with this id and whoever holds this name key: they are asked again. */
	forget(id: string, key: string): void {
		const before = this.#keyOf.get(id);
		if (before !== undefined) this.#byName.delete(before);
		this.#keyOf.delete(id);
		this.#byID.delete(id);
		this.#byName.delete(key);
	}

	/** Records that the row with this id was deleted. */
	deleted(id: string): void {
		const before = this.#keyOf.get(id);
		if (before !== undefined) this.#byName.set(before, null);
		this.#keyOf.delete(id);
		this.#byID.set(id, null);
	}

	#set(row: T, key: string) {
		this.#byID.set(row.id, row);
		this.#byName.set(key, row);
		this.#keyOf.set(row.id, key);
	}
}

/**
 * What a pushed batch's mutations will look up, read in one statement per table before they run
 * (the teams and organizations they name by id or by name), and kept up to date by the store's
 * writes. Only sound while nothing else writes those rows of the enterprise and nothing the batch
 * wrote is rolled back: inside the enterprise write lock, in an attempt without savepoints.
 */
export class ReadAhead {
	readonly teams = new KnownRows<Team>();
	readonly orgs = new KnownRows<Organization>();

	/** Reads ahead what `mutations` name. */
	static async of(
		trx: Transaction<Database>,
		enterpriseID: string,
		mutations: readonly { name: string; args: unknown }[]
	): Promise<ReadAhead> {
		const ahead = new ReadAhead();
		const teamIDs = new Set<string>();
		const teamKeys = new Set<string>();
		const orgIDs = new Set<string>();
		const orgKeys = new Set<string>();
		// Only what the mutators' own schemas accept: anything else is refused before a lookup, and a
		// value PostgreSQL cannot take (a NUL) must not fail the batch's statement.
		const anID = (v: unknown): v is string => id.safeParse(v).success;
		const aName = (v: unknown) => {
			const parsed = nameSchema.safeParse(v);
			return parsed.success ? nameKey(parsed.data) : null;
		};
		for (const { name, args } of mutations) {
			if (typeof args !== 'object' || args === null) continue;
			const a = args as Record<string, unknown>;
			if (anID(a.teamID)) teamIDs.add(a.teamID);
			if (Array.isArray(a.teamIDs)) for (const t of a.teamIDs) if (anID(t)) teamIDs.add(t);
			if (anID(a.orgID)) orgIDs.add(a.orgID);
			const key = aName(a.name);
			if (key === null) continue;
			if (name === 'createTeam' || name === 'renameTeam') teamKeys.add(key);
			if (name === 'createOrg' || name === 'renameOrg') orgKeys.add(key);
		}
		if (teamIDs.size + teamKeys.size > 0) {
			const rows = await trx
				.selectFrom('teams')
				.select(['id', 'name', 'source', 'name_key'])
				.where('enterprise_id', '=', enterpriseID)
				.where((eb) =>
					eb.or([
						...(teamIDs.size ? [eb('id', 'in', [...teamIDs])] : []),
						...(teamKeys.size ? [eb('name_key', 'in', [...teamKeys])] : [])
					])
				)
				.execute();
			ahead.teams.learn(rows, teamIDs, teamKeys);
		}
		if (orgIDs.size + orgKeys.size > 0) {
			const rows = await trx
				.selectFrom('organizations')
				.select(['id', 'name', 'name_key'])
				.where('enterprise_id', '=', enterpriseID)
				.where((eb) =>
					eb.or([
						...(orgIDs.size ? [eb('id', 'in', [...orgIDs])] : []),
						...(orgKeys.size ? [eb('name_key', 'in', [...orgKeys])] : [])
					])
				)
				.execute();
			ahead.orgs.learn(rows, orgIDs, orgKeys);
		}
		return ahead;
	}
}
