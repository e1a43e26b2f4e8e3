import { DatabaseOpenError, getDb, migrate, type Db } from './db';
import { seedDemoIfEmpty } from './seed';
import { log } from './log';
import { startPokeRelay } from './sync/poke';
import { announceIngestKey } from './ingest-key';
import { startActivityPurge } from './activity.service';
import { installGracefulShutdown } from './lifecycle';
import { startAuthPurge } from './auth/purge';
import { startMailer } from './mail/queue';
import { startDomainRechecks } from './domains/recheck';
import { secretKeyProblem } from './auth/secret-box';

/**
 * Brings the database up to date, loads the demo enterprise into an empty one and starts the purges
 * of old activity (R19) and of expired sessions and rate-limit rows, and the re-checks of pending
 * domain verifications (R13). Throws (the server refuses to
 * start) when production has no INGEST_KEY, and exits when DATABASE_URL is set without SECRET_KEY. With `gracefulShutdown` (the adapter-node build),
 * SIGTERM/SIGINT finish in-flight requests first.
 */
export async function startServer({ gracefulShutdown = false } = {}): Promise<void> {
	announceIngestKey();
	const keyProblem = secretKeyProblem();
	if (keyProblem) {
		// A deployment mistake: one line saying what to set, and a failed exit.
		log('error', keyProblem);
		process.exit(1);
	}
	let database: Db;
	try {
		database = getDb();
	} catch (err) {
		if (!(err instanceof DatabaseOpenError)) throw err;
		// A deployment mistake, not a bug: one line saying what to fix, no stack, and a failed exit.
		log('error', err.message);
		process.exit(1);
	}
	const started = performance.now();
	await migrate(database);
	const stops = [
		startPokeRelay(database),
		startActivityPurge(database),
		startAuthPurge(database),
		startMailer(database),
		startDomainRechecks(database)
	];
	if (gracefulShutdown) {
		installGracefulShutdown(database, stops);
		if (!process.env.BODY_SIZE_LIMIT) {
			log(
				'warn',
				"BODY_SIZE_LIMIT is not set: adapter-node refuses request bodies over 512 KB before Roster's own limits (5 MB API, 2 MB SCIM); set BODY_SIZE_LIMIT=6M (npm start does)"
			);
		}
	}
	const demo = process.env.ROSTER_NO_DEMO === 'true' ? false : await seedDemoIfEmpty(database);
	log('info', 'database ready', {
		dialect: database.dialect,
		demoLoaded: demo,
		ms: Math.round(performance.now() - started)
	});
	if (demo) log('info', 'demo enterprise "Acme" loaded: sign in as owner@acme.test / roster-demo');
}
