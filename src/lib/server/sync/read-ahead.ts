import type { Insertable, Transaction } from 'kysely';
import type { Database, OrganizationTable, TeamTable } from '../db/schema';
import type { Organization, Team } from '../../domain/entities';
import { nameKey } from '../../domain/text';
import { id, name as nameSchema } from '../../domain/mutations/define';
import { parsedArgs } from '../../domain/mutations';

type Named = { id: string; name: string };

/** A batch's deferred writes could not be stored as they were: the batch must run again, guarded. */
export class DeferredWriteRefused extends Error {
	constructor(table: string) {
		super(`a deferred write to ${table} was refused`);
		this.name = 'DeferredWriteRefused';
	}
}

/**
 * The rows of one named table (teams or organizations) that a batch has read or written: by id,
 * and by name key in the enterprise (`null`: known to be absent). Only what the batch read ahead or
 * wrote is known; anything else is asked of the database.
 */
export class KnownRows<T extends Named> {
	readonly #byID = new Map<string, T | null>();
	readonly #byName = new Map<string, T | null>();
	// The name key each known row holds, so a rename frees the old one.
	readonly #keyOf = new Map<string, string>();
	// Ids another enterprise holds: never written here (R1).
	readonly #foreign = new Set<string>();

	/** The enterprise's row with this id: a row, `null` (none), or `undefined` when not known. */
	byID(id: string): T | null | undefined {
		return this.#byID.get(id);
	}

	/** The row holding this name key: a row, `null` (none), or `undefined` when not known. */
	byName(key: string): T | null | undefined {
		return this.#byName.get(key);
	}

	/** Whether another enterprise holds this id (as read ahead). */
	isForeign(id: string): boolean {
		return this.#foreign.has(id);
	}

	/**
	 * Records what the database answered about ids (in any enterprise) and name keys (in this one):
	 * `rows` are those it found.
	 */
	learn(
		enterpriseID: string,
		rows: readonly (T & { name_key: string; enterprise_id: string })[],
		ids: Iterable<string>,
		keys: Iterable<string>
	) {
		for (const id of ids) this.#byID.set(id, null);
		for (const key of keys) this.#byName.set(key, null);
		for (const { name_key, enterprise_id, ...row } of rows) {
			if (enterprise_id === enterpriseID) this.#set(row as unknown as T, name_key);
			else this.#foreign.add(row.id);
		}
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

/** Mutations whose every statement the read-ahead answers or defers (see `ReadAhead`). */
const DEFERRING = new Set(['createTeam', 'renameTeam', 'createOrg', 'renameOrg']);

/**
 * What a pushed batch's mutations will look up, read in one statement per table before they run
 * (the teams and organizations they name by id or by name), kept up to date by the store's writes;
 * and the writes of team and organization names, deferred and stored in one statement per table
 * (`flush`) before any other statement runs and before the batch ends. Only sound while nothing
 * else writes those rows of the enterprise and nothing the batch wrote is rolled back alone: inside
 * the enterprise write lock, in an attempt without savepoints that runs again guarded when a
 * deferred write is refused (DeferredWriteRefused) or anything goes wrong.
 */
export class ReadAhead {
	readonly teams = new KnownRows<Team>();
	readonly orgs = new KnownRows<Organization>();
	readonly #teamWrites = new Map<string, Insertable<TeamTable>>();
	readonly #orgWrites = new Map<string, Insertable<OrganizationTable>>();
	/** Writes deferred so far (a rejected mutation that deferred one must be undone). */
	deferred = 0;

	constructor(readonly enterpriseID: string) {}

	/** Whether a mutation runs on what is read ahead and deferred alone (else: flush first). */
	static defers(mutation: string): boolean {
		return DEFERRING.has(mutation);
	}

	/** Whether deferred writes wait to be stored. */
	get pending(): boolean {
		return this.#teamWrites.size + this.#orgWrites.size > 0;
	}

	/** Defers writing a team's row (an insert, or a rename of a team of this enterprise). */
	deferTeam(row: Insertable<TeamTable>): void {
		const before = this.#teamWrites.get(row.id);
		this.#teamWrites.set(
			row.id,
			before ? { ...before, name: row.name, name_key: row.name_key, version: row.version } : row
		);
		this.deferred++;
	}

	/** Defers writing an organization's row (an insert, or a rename). */
	deferOrg(row: Insertable<OrganizationTable>): void {
		const before = this.#orgWrites.get(row.id);
		this.#orgWrites.set(
			row.id,
			before ? { ...before, name: row.name, name_key: row.name_key, version: row.version } : row
		);
		this.deferred++;
	}

	/**
	 * Stores the deferred writes, one statement per table: an insert, or the rename of a row of this
	 * enterprise (a row of another enterprise is never touched, R1: that refuses the write).
	 */
	async flush(trx: Transaction<Database>): Promise<void> {
		const { enterpriseID } = this;
		const teams = [...this.#teamWrites.values()];
		const orgs = [...this.#orgWrites.values()];
		this.#teamWrites.clear();
		this.#orgWrites.clear();
		// In slices: SQLite binds at most 32,766 values per statement (8 a row).
		for (let i = 0; i < teams.length; i += 1000) {
			const rows = teams.slice(i, i + 1000);
			const written = await trx
				.insertInto('teams')
				.values(rows)
				.onConflict((oc) =>
					oc
						.column('id')
						.doUpdateSet((eb) => ({
							name: eb.ref('excluded.name'),
							name_key: eb.ref('excluded.name_key'),
							version: eb.ref('excluded.version')
						}))
						.where('teams.enterprise_id', '=', enterpriseID)
				)
				.executeTakeFirst();
			if (Number(written.numInsertedOrUpdatedRows ?? 0) !== rows.length)
				throw new DeferredWriteRefused('teams');
		}
		for (let i = 0; i < orgs.length; i += 1000) {
			const rows = orgs.slice(i, i + 1000);
			const written = await trx
				.insertInto('organizations')
				.values(rows)
				.onConflict((oc) =>
					oc
						.column('id')
						.doUpdateSet((eb) => ({
							name: eb.ref('excluded.name'),
							name_key: eb.ref('excluded.name_key'),
							version: eb.ref('excluded.version')
						}))
						.where('organizations.enterprise_id', '=', enterpriseID)
				)
				.executeTakeFirst();
			if (Number(written.numInsertedOrUpdatedRows ?? 0) !== rows.length)
				throw new DeferredWriteRefused('organizations');
		}
	}

	/** Reads ahead what `mutations` name. */
	static async of(
		trx: Transaction<Database>,
		enterpriseID: string,
		mutations: readonly { name: string; args: unknown }[]
	): Promise<ReadAhead> {
		const ahead = new ReadAhead(enterpriseID);
		const teamIDs = new Set<string>();
		const teamKeys = new Set<string>();
		const orgIDs = new Set<string>();
		const orgKeys = new Set<string>();
		// Only what the mutators' own schemas accept, field by field: anything else is refused before
		// a lookup, a value PostgreSQL cannot take (a NUL) must not fail the batch's statement, and
		// keys a mutation does not have (a long list under a name it ignores) are never read.
		const anID = (v: unknown): v is string => id.safeParse(v).success;
		const aName = (v: unknown) => {
			const parsed = nameSchema.safeParse(v);
			return parsed.success ? nameKey(parsed.data) : null;
		};
		for (const { name, args } of mutations) {
			const a = parsedArgs(name, args) as Record<string, unknown> | null;
			if (typeof a !== 'object' || a === null) continue;
			if (anID(a.teamID)) teamIDs.add(a.teamID);
			if (Array.isArray(a.teamIDs)) for (const t of a.teamIDs) if (anID(t)) teamIDs.add(t);
			if (anID(a.orgID)) orgIDs.add(a.orgID);
			const key = aName(a.name);
			if (key === null) continue;
			if (name === 'createTeam' || name === 'renameTeam') teamKeys.add(key);
			if (name === 'createOrg' || name === 'renameOrg') orgKeys.add(key);
		}
		// Ids in any enterprise (ids are global: one another enterprise holds is never written);
		// names in this one.
		// One statement per table for a batch's usual few names; a list longer than a statement may
		// bind (SQLite: 32,766 values) is read in slices.
		if (teamIDs.size + teamKeys.size > 0) {
			const rows = [];
			for (const [ids, keys] of slices(teamIDs, teamKeys)) {
				rows.push(
					...(await trx
						.selectFrom('teams')
						.select(['id', 'name', 'source', 'name_key', 'enterprise_id'])
						.where((eb) =>
							eb.or([
								...(ids.length ? [eb('id', 'in', ids)] : []),
								...(keys.length
									? [eb.and([eb('enterprise_id', '=', enterpriseID), eb('name_key', 'in', keys)])]
									: [])
							])
						)
						.execute())
				);
			}
			ahead.teams.learn(enterpriseID, rows, teamIDs, teamKeys);
		}
		if (orgIDs.size + orgKeys.size > 0) {
			const rows = [];
			for (const [ids, keys] of slices(orgIDs, orgKeys)) {
				rows.push(
					...(await trx
						.selectFrom('organizations')
						.select(['id', 'name', 'name_key', 'enterprise_id'])
						.where((eb) =>
							eb.or([
								...(ids.length ? [eb('id', 'in', ids)] : []),
								...(keys.length
									? [eb.and([eb('enterprise_id', '=', enterpriseID), eb('name_key', 'in', keys)])]
									: [])
							])
						)
						.execute())
				);
			}
			ahead.orgs.learn(enterpriseID, rows, orgIDs, orgKeys);
		}
		return ahead;
	}
}

/** Values a read-ahead statement binds at most. */
const READ_SLICE = 1000;

/** Ids and name keys in slices of at most READ_SLICE values each (ids first, then keys). */
function* slices(ids: Set<string>, keys: Set<string>): Generator<[string[], string[]]> {
	const all: [string, 'id' | 'key'][] = [...ids].map((v) => [v, 'id']);
	for (const k of keys) all.push([k, 'key']);
	for (let at = 0; at < all.length; at += READ_SLICE) {
		const part = all.slice(at, at + READ_SLICE);
		yield [
			part.filter(([, kind]) => kind === 'id').map(([v]) => v),
			part.filter(([, kind]) => kind === 'key').map(([v]) => v)
		];
	}
}
