import { getDb, migrate } from './db';
import { seedDemoIfEmpty } from './seed';
import { log } from './log';
import { startPokeRelay } from './sync/poke';

/** Brings the database up to date and loads the demo enterprise into an empty one. */
export async function startServer(): Promise<void> {
	const database = getDb();
	const started = performance.now();
	await migrate(database);
	startPokeRelay(database);
	const demo = process.env.ROSTER_NO_DEMO === 'true' ? false : await seedDemoIfEmpty(database);
	log('info', 'database ready', {
		dialect: database.dialect,
		demoLoaded: demo,
		ms: Math.round(performance.now() - started)
	});
	if (demo) log('info', 'demo enterprise "Acme" loaded: sign in as owner@acme.test / roster-demo');
}
