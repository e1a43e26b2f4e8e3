import { sql, type Expression, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import type { MirrorTable } from '../../domain/sync/tables';

/** The enterprise write a deletion belongs to: its rows' tombstones carry its version. */
export interface TombstoneScope {
	trx: Transaction<Database>;
	enterpriseID: string;
	version: number;
}

/** Records that rows of a mirrored table were deleted, so pulls send the deletions. */
export async function tombstone(
	{ trx, enterpriseID, version }: TombstoneScope,
	table: MirrorTable,
	key: string | readonly string[]
): Promise<void> {
	const keys = typeof key === 'string' ? [key] : key;
	// In slices: SQLite binds at most 32,766 values per statement.
	for (let i = 0; i < keys.length; i += 1000) {
		const rows = keys
			.slice(i, i + 1000)
			.map((row_key) => ({ enterprise_id: enterpriseID, table_name: table, row_key, version }));
		await trx.insertInto('tombstones').values(rows).execute();
	}
}

/** The columns of a tombstone row, for `tombstoneSelected`'s select. */
export type TombstoneColumns = (rowKey: RawBuilder<string>) => ReturnType<typeof tombstoneColumns>;

function tombstoneColumns(scope: TombstoneScope, table: MirrorTable, rowKey: RawBuilder<string>) {
	return [
		sql<string>`cast(${scope.enterpriseID} as text)`.as('enterprise_id'),
		sql<string>`cast(${table} as text)`.as('table_name'),
		rowKey.as('row_key'),
		sql<number>`cast(${scope.version} as bigint)`.as('version')
	];
}

/**
 * Records, in one statement, the deletion of every row a query selects: `select` builds that query
 * with `columns(rowKey)` as its selection, `rowKey` saying how a row's mirror key is made.
 */
export async function tombstoneSelected(
	scope: TombstoneScope,
	table: MirrorTable,
	select: (columns: TombstoneColumns) => Expression<{
		enterprise_id: string;
		table_name: string;
		row_key: string;
		version: number;
	}>
): Promise<void> {
	await scope.trx
		.insertInto('tombstones')
		.columns(['enterprise_id', 'table_name', 'row_key', 'version'])
		.expression(select((rowKey) => tombstoneColumns(scope, table, rowKey)))
		.execute();
}

/** Deletions of the mirror's rows after `since`, oldest first: `tables` only when given. */
export function tombstonesSince(
	trx: Transaction<Database>,
	enterpriseID: string,
	since: number,
	tables?: readonly MirrorTable[]
) {
	let q = trx
		.selectFrom('tombstones')
		.select(['table_name', 'row_key'])
		.where('enterprise_id', '=', enterpriseID)
		.where('version', '>', since);
	if (tables) q = q.where('table_name', 'in', tables);
	return q.orderBy('version').execute();
}
