// `npm run after-restore`, with DATABASE_URL or DATA_DIR set as for the server: run once after
// restoring a backup, so every console that synced with the lost timeline starts over.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromEnv, migrate, openDb, type Db } from '../src/lib/server/db/index';
import { afterRestore } from '../src/lib/server/db/after-restore';

const usage = `usage: [DATABASE_URL=postgres://…] [DATA_DIR=data] npm run after-restore
  Run after restoring a backup, on the database the server uses (DATABASE_URL, else
  $DATA_DIR/roster.db, DATA_DIR defaults to data). Moves every enterprise's sync version past the
  lost history, so each console's next pull rebuilds its data (its queued changes are kept).
  Safe while servers run; running it twice only makes consoles rebuild once more.`;

function fail(message: string, code = 2): never {
	console.error(`after-restore: ${message}`);
	if (code === 2) console.error(usage);
	process.exit(code);
}

let values;
try {
	({ values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true }));
} catch (err) {
	fail((err as Error).message);
}
if (values.help) {
	console.log(usage);
	process.exit(0);
}

let config;
try {
	config = configFromEnv();
} catch (err) {
	fail((err as Error).message);
}
let where: string;
if ('url' in config) {
	const shown = new URL(config.url);
	if (shown.password) shown.password = '***';
	where = shown.toString();
} else {
	where = config.file;
	if (!existsSync(where)) fail(`no SQLite database at ${where} (set DATA_DIR as for the server)`);
}

let database: Db | undefined;
try {
	database = openDb(config);
	// A restored backup may predate the column this needs: bring it up to date as startup would.
	await migrate(database);
	const jumps = await afterRestore(database);
	console.log(`after-restore on ${where}:`);
	for (const j of jumps) console.log(`  ${j.slug.padEnd(24)} version ${j.from} → ${j.to} (floor)`);
	console.log(
		`done: ${jumps.length} ${jumps.length === 1 ? 'enterprise' : 'enterprises'}; consoles that synced before the restore rebuild on their next pull`
	);
} catch (err) {
	console.error(
		`after-restore: ${err instanceof Error ? err.message : String(err)} (nothing was changed)`
	);
	process.exitCode = 1;
} finally {
	await database?.close();
}
