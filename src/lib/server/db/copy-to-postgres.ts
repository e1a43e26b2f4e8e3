import {
	DEFAULT_MIGRATION_LOCK_TABLE,
	DEFAULT_MIGRATION_TABLE,
	sql,
	type Kysely,
	type Transaction
} from 'kysely';
import { migrate, migrationsCurrent, type Db } from './index';

/** Why a copy was refused before any row was written. */
export class CopyRefused extends Error {
	constructor(
		readonly code:
			'wrongDialect' | 'sourceNotCurrent' | 'targetNotEmpty' | 'schemaMismatch' | 'foreignKeyCycle',
		message: string
	) {
		super(message);
		this.name = 'CopyRefused';
	}
}

/** One table's rows in the source and, after the copy, in the target. */
export interface TableCopy {
	table: string;
	source: number;
	target: number;
}

/** A serial column of the target and the value its sequence hands out next. */
export interface SequenceReset {
	table: string;
	column: string;
	next: number;
}

/** What a copy did: tables in the order they were filled, and the sequences moved past the copy. */
export interface CopyReport {
	tables: TableCopy[];
	sequences: SequenceReset[];
	ms: number;
}

/** Options of a copy. */
export interface CopyOptions {
	/** Rows per INSERT (capped so one statement stays under PostgreSQL's 65,535 parameters). */
	batchSize?: number;
	/** Called after each table is copied, for progress output. */
	onTable?: (copy: TableCopy) => void;
}

// Tables the migrator owns: `migrate` fills the target's own.
const MIGRATOR_TABLES = new Set([DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE]);
const MAX_PARAMS = 65_535;

// The copy works on whatever tables the migrations made, so it reads and writes untyped rows.
type Row = Record<string, unknown>;
type AnyDb = Kysely<Record<string, Row>>;

interface SourceTable {
	name: string;
	columns: string[];
	parents: string[];
}

async function sourceTables(db: AnyDb): Promise<SourceTable[]> {
	const names = await sql<{
		name: string;
	}>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
		db
	);
	const tables: SourceTable[] = [];
	for (const { name } of names.rows) {
		if (MIGRATOR_TABLES.has(name)) continue;
		const columns = await sql<{
			name: string;
		}>`select name from pragma_table_info(${name}) order by cid`.execute(db);
		const parents = await sql<{
			parent: string;
		}>`select distinct "table" as parent from pragma_foreign_key_list(${name})`.execute(db);
		tables.push({
			name,
			columns: columns.rows.map((c) => c.name),
			parents: parents.rows.map((p) => p.parent).filter((p) => p !== name)
		});
	}
	return tables;
}

/** Parents before children (Kahn's algorithm, alphabetical among equals), so every FK holds. */
function fkOrder(tables: SourceTable[]): SourceTable[] {
	const left = new Map(tables.map((t) => [t.name, t]));
	const ordered: SourceTable[] = [];
	while (left.size > 0) {
		const ready = [...left.values()].filter((t) => t.parents.every((p) => !left.has(p)));
		if (ready.length === 0) {
			throw new CopyRefused(
				'foreignKeyCycle',
				`the foreign keys of ${[...left.keys()].join(', ')} form a cycle; no insert order satisfies them`
			);
		}
		for (const t of ready) {
			ordered.push(t);
			left.delete(t.name);
		}
	}
	return ordered;
}

/** The target's columns and their PostgreSQL types, by table. */
async function targetColumns(db: AnyDb): Promise<Map<string, Map<string, string>>> {
	const rows = await sql<{
		table_name: string;
		column_name: string;
		data_type: string;
	}>`select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema()`.execute(
		db
	);
	const tables = new Map<string, Map<string, string>>();
	for (const r of rows.rows) {
		if (MIGRATOR_TABLES.has(r.table_name)) continue;
		let columns = tables.get(r.table_name);
		if (!columns) tables.set(r.table_name, (columns = new Map()));
		columns.set(r.column_name, r.data_type);
	}
	return tables;
}

/** The target tables (of those named) that already hold a row. */
async function nonEmpty(db: AnyDb, tables: Iterable<string>): Promise<string[]> {
	const full: string[] = [];
	for (const t of tables) {
		const row = await sql`select 1 from ${sql.table(t)} limit 1`.execute(db);
		if (row.rows.length > 0) full.push(t);
	}
	return full.sort();
}

/**
 * A SQLite value as the PostgreSQL column takes it. Today both dialects store booleans as 0/1
 * integers, timestamps as epoch-ms integers and JSON as text (migrations.ts), so values pass as
 * they are; a later migration that uses a native PostgreSQL type gets the conversion here.
 */
function convert(value: unknown, pgType: string): unknown {
	if (value === null || value === undefined) return null;
	switch (pgType) {
		case 'boolean':
			return typeof value === 'string' ? value !== '0' && value !== '' : Number(value) !== 0;
		case 'json':
		case 'jsonb':
			return Buffer.isBuffer(value) ? value.toString('utf8') : value;
		case 'bytea':
			return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
		default:
			return typeof value === 'bigint' ? value.toString() : value;
	}
}

async function count(db: AnyDb, table: string): Promise<number> {
	const { rows } = await sql<{
		n: number | string;
	}>`select count(*) as n from ${sql.table(table)}`.execute(db);
	return Number(rows[0]?.n ?? 0);
}

async function copyTable(
	from: AnyDb,
	to: Transaction<Record<string, Row>>,
	table: SourceTable,
	types: Map<string, string>,
	batchSize: number
): Promise<void> {
	const size = Math.max(1, Math.min(batchSize, Math.floor(MAX_PARAMS / table.columns.length)));
	// Keyset pages by rowid: memory stays flat whatever the table's size.
	let after = Number.MIN_SAFE_INTEGER;
	for (;;) {
		const page = await sql<Row & { __rowid: number }>`select rowid as __rowid, * from ${sql.table(
			table.name
		)} where rowid > ${after} order by rowid limit ${size}`.execute(from);
		if (page.rows.length === 0) return;
		const values = page.rows.map((r) => {
			const out: Row = {};
			for (const c of table.columns) out[c] = convert(r[c], types.get(c) ?? 'text');
			return out;
		});
		await to.insertInto(table.name).values(values).execute();
		after = page.rows[page.rows.length - 1]!.__rowid;
		if (page.rows.length < size) return;
	}
}

/** Moves every serial/identity sequence of the target to just past the largest copied value. */
async function resetSequences(trx: Transaction<Record<string, Row>>): Promise<SequenceReset[]> {
	const serials = await sql<{
		table_name: string;
		column_name: string;
		seq: string;
	}>`select table_name, column_name, pg_get_serial_sequence(format('%I', table_name), column_name) as seq
		from information_schema.columns
		where table_schema = current_schema() and (column_default like 'nextval(%' or is_identity = 'YES')
		order by table_name, column_name`.execute(trx);
	const resets: SequenceReset[] = [];
	for (const s of serials.rows) {
		if (!s.seq) continue;
		const { rows } = await sql<{
			next: number | string;
		}>`select coalesce(max(${sql.ref(s.column_name)}), 0) + 1 as next from ${sql.table(s.table_name)}`.execute(
			trx
		);
		const next = Number(rows[0]?.next ?? 1);
		await sql`select setval(${s.seq}::regclass, ${next}, false)`.execute(trx);
		resets.push({ table: s.table_name, column: s.column_name, next });
	}
	return resets;
}

/**
 * Copies a SQLite Roster database into an empty PostgreSQL one: migrates the target with the
 * normal migrations, then copies every table the migrations made (found in the source's schema,
 * not listed here) parents first, in batches, from one read snapshot of the source and in one
 * PostgreSQL transaction; checks the row counts and moves every sequence past the copied ids.
 * The sync cookie is each enterprise's `version` column, copied as it is, so consoles' cookies
 * stay valid and new versions continue after them. Refuses (CopyRefused, nothing copied) a source
 * whose migrations are not current, a target that holds any row, or schemas that differ.
 */
export async function copyToPostgres(
	source: Db,
	target: Db,
	{ batchSize = 1000, onTable }: CopyOptions = {}
): Promise<CopyReport> {
	const started = performance.now();
	if (source.dialect !== 'sqlite' || target.dialect !== 'postgres') {
		throw new CopyRefused(
			'wrongDialect',
			`copies from SQLite to PostgreSQL (got ${source.dialect} → ${target.dialect})`
		);
	}
	if (!(await migrationsCurrent(source))) {
		throw new CopyRefused(
			'sourceNotCurrent',
			'the SQLite database is not on the current schema: start this version of Roster on it once (npm start) so it migrates, stop it, then copy'
		);
	}
	const from = source.db as unknown as AnyDb;
	const to = target.db as unknown as AnyDb;
	const tables = fkOrder(await sourceTables(from));

	// Before migrating: a database that already holds Roster data is left exactly as it is.
	const existing = await targetColumns(to);
	const refuseFull = (full: string[]) => {
		if (full.length === 0) return;
		throw new CopyRefused(
			'targetNotEmpty',
			`the PostgreSQL database already holds data (rows in ${full.length > 4 ? `${full.slice(0, 4).join(', ')} and ${full.length - 4} more tables` : full.join(', ')}); copy into a new, empty database (createdb roster). A Roster server started on an empty database loads the demo enterprise: run this before starting any instance on it`
		);
	};
	refuseFull(await nonEmpty(to, [...existing.keys()]));
	await migrate(target);

	const columns = await targetColumns(to);
	const problems: string[] = [];
	for (const t of tables) {
		const types = columns.get(t.name);
		if (!types) problems.push(`table ${t.name} is missing`);
		else
			for (const c of t.columns)
				if (!types.has(c)) problems.push(`column ${t.name}.${c} is missing`);
	}
	for (const name of columns.keys())
		if (!tables.some((t) => t.name === name)) problems.push(`table ${name} is not in the source`);
	if (problems.length > 0) {
		throw new CopyRefused(
			'schemaMismatch',
			`the two schemas differ after migrating (${problems.join('; ')}); are both on the same version of Roster?`
		);
	}

	// One read transaction on the source: the copy is a single consistent snapshot of it.
	return from.transaction().execute(async (snapshot) =>
		to.transaction().execute(async (trx) => {
			// Again inside the transaction: an instance may have started on the target meanwhile.
			refuseFull(await nonEmpty(trx, columns.keys()));
			const copied: TableCopy[] = [];
			for (const t of tables) {
				const sourceRows = await count(snapshot, t.name);
				try {
					await copyTable(snapshot, trx, t, columns.get(t.name)!, batchSize);
				} catch (err) {
					const message = err instanceof Error ? err.message : String(err);
					throw new Error(`copying ${t.name} failed: ${message}`, { cause: err });
				}
				const copy = { table: t.name, source: sourceRows, target: await count(trx, t.name) };
				copied.push(copy);
				onTable?.(copy);
			}
			const wrong = copied.filter((c) => c.source !== c.target);
			if (wrong.length > 0) {
				throw new Error(
					`row counts differ after the copy (${wrong.map((c) => `${c.table}: ${c.source} → ${c.target}`).join(', ')}); nothing was kept`
				);
			}
			const sequences = await resetSequences(trx);
			return { tables: copied, sequences, ms: Math.round(performance.now() - started) };
		})
	);
}
