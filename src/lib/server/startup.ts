import { getDb, migrate } from './db';
import { seedDemoIfEmpty } from './seed';
import { log } from './log';
import { startPokeRelay } from './sync/poke';
import { announceIngestKey } from './ingest-key';
import { startActivityPurge } from './activity.service';

/**
 * Brings the database up to date, loads the demo enterprise into an empty one and starts the purge
 * of old activity (R19). Throws (the server refuses to start) when production has no INGEST_KEY.
 */
export async function startServer(): Promise<void> {
	announceIngestKey();
	const database = getDb();
	const started = performance.now();
	await migrate(database);
	startPokeRelay(database);
	startActivityPurge(database);
	const demo = process.env.ROSTER_NO_DEMO === 'true' ? false : await seedDemoIfEmpty(database);
	log('info', 'database ready', {
		dialect: database.dialect,
		demoLoaded: demo,
		ms: Math.round(performance.now() - started)
	});
	if (demo) log('info', 'demo enterprise "Acme" loaded: sign in as owner@acme.test / roster-demo');
}
