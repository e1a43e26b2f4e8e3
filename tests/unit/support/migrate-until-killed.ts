// A first start's migrations in a process of their own, for the migration kill test: with
// KILL_AFTER_STATEMENTS=N the process kills itself (SIGKILL, nothing flushed or rolled back) right
// after the Nth SQL statement of the migration run. Prints the number of statements when it
// finishes without being killed.
import type { KyselyPlugin } from 'kysely';
import { migrate, openDb } from '../../../src/lib/server/db';

const file = process.argv[2];
if (!file) throw new Error('usage: migrate-until-killed.ts <sqlite file>');
const killAfter = Number(process.env.KILL_AFTER_STATEMENTS ?? 0);
let statements = 0;
const killer: KyselyPlugin = {
	transformQuery: ({ node }) => node,
	async transformResult({ result }) {
		statements++;
		if (statements === killAfter) process.kill(process.pid, 'SIGKILL');
		return result;
	}
};
void (async () => {
	const database = openDb({ file });
	await migrate({ ...database, db: database.db.withPlugin(killer) });
	await database.close();
	console.log(JSON.stringify({ statements }));
})();
