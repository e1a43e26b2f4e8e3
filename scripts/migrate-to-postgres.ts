// `DATABASE_URL=postgres://… npm run migrate-to-postgres [-- --from data/roster.db]`: copies the
// SQLite database (default DATA_DIR/roster.db) into an empty PostgreSQL database.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configFromEnv, openDb, type Db } from '../src/lib/server/db/index';
import { CopyRefused, copyToPostgres } from '../src/lib/server/db/copy-to-postgres';

const usage = `usage: DATABASE_URL=postgres://user:pass@host:5432/roster npm run migrate-to-postgres [-- --from data/roster.db]
  Copies every row of the SQLite database (default: $DATA_DIR/roster.db, DATA_DIR defaults to data)
  into the PostgreSQL database DATABASE_URL names, which must be empty (createdb roster).
  Stop the Roster server that uses the SQLite file first.`;

function fail(message: string, code = 2): never {
	console.error(`migrate-to-postgres: ${message}`);
	if (code === 2) console.error(usage);
	process.exit(code);
}

/** A readable line for an error, including pg's AggregateError (one per address tried). */
function describe(err: unknown): string {
	if (err instanceof AggregateError && err.errors.length > 0)
		return [...new Set(err.errors.map(describe))].join('; ');
	if (err instanceof Error) {
		const code = (err as Error & { code?: string }).code;
		return err.message || code || err.name;
	}
	return String(err);
}

let values;
try {
	({ values } = parseArgs({
		options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
		strict: true
	}));
} catch (err) {
	fail((err as Error).message);
}
if (values.help) {
	console.log(usage);
	process.exit(0);
}

let targetConfig;
try {
	targetConfig = configFromEnv();
} catch (err) {
	fail((err as Error).message);
}
if (!('url' in targetConfig)) fail('set DATABASE_URL to the PostgreSQL database to copy into');
const sourceConfig = configFromEnv({ ...process.env, DATABASE_URL: '' });
const file = values.from ? resolve(values.from) : 'file' in sourceConfig ? sourceConfig.file : '';
if (!existsSync(file)) fail(`no SQLite database at ${file} (use --from PATH)`);

const shown = new URL(targetConfig.url);
if (shown.password) shown.password = '***';
console.log(`copying ${file} → ${shown.toString()}`);

let source: Db | undefined;
let target: Db | undefined;
try {
	source = openDb({ file, readonly: true });
	target = openDb(targetConfig);
	const width = 20;
	const report = await copyToPostgres(source, target, {
		onTable: (t) =>
			console.log(
				`  ${t.table.padEnd(width)} ${String(t.source).padStart(9)} → ${String(t.target).padStart(9)}`
			)
	});
	const rows = report.tables.reduce((n, t) => n + t.target, 0);
	for (const s of report.sequences) console.log(`  sequence ${s.table}.${s.column} next ${s.next}`);
	console.log(
		`done: ${rows.toLocaleString('en-US')} rows in ${report.tables.length} tables, counts match, in ${(report.ms / 1000).toFixed(1)} s`
	);
} catch (err) {
	const nothing = err instanceof CopyRefused ? '' : ' (nothing was copied)';
	console.error(`migrate-to-postgres: ${describe(err)}${nothing}`);
	process.exitCode = 1;
} finally {
	await source?.close();
	await target?.close();
}
