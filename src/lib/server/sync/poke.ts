import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import { POKE_CHANNEL, type Db } from '../db';
import { log } from '../log';
import { resolveSession } from '../auth/session';
import { sessionRefusal } from '../auth/reach';
import { membershipIn } from '../enterprises.service';
import { canAccess, canUseConsole } from '../../domain/roles';

const bus = new EventEmitter();
bus.setMaxListeners(0);
let shared: Db | null = null;

/**
 * Tells every open console of an enterprise that something changed (after a commit). On
 * PostgreSQL the poke goes through NOTIFY, so consoles connected to other app instances hear it.
 * Never fails: the returned promise settles once the poke is sent (callers need not wait).
 */
export function poke(enterpriseID: string): Promise<void> {
	if (shared?.dialect === 'postgres') {
		return sql`select pg_notify(${POKE_CHANNEL}, ${enterpriseID})`.execute(shared.db).then(
			() => {},
			(err: Error) => {
				log('warn', 'poke notify failed', { err: err.message });
				bus.emit(enterpriseID);
			}
		);
	}
	bus.emit(enterpriseID);
	return Promise.resolve();
}

/**
 * Whether pokes of writes to `database` can be sent from inside their transaction (`pokeInside`):
 * PostgreSQL with this process's relay listening on it, so the NOTIFY it delivers at the commit
 * reaches this process's consoles too.
 */
export function pokesInside(database: Db): boolean {
	return database.dialect === 'postgres' && shared === database;
}

/**
 * What a statement of an enterprise write selects (or returns) to poke that enterprise's consoles
 * when, and only when, the write commits: PostgreSQL delivers a NOTIFY at the commit, so no
 * statement or transaction of its own (and no flush of its own to disk) is spent on it.
 */
export function pokeInside(enterpriseID: string) {
	return sql<string>`pg_notify(${POKE_CHANNEL}, ${enterpriseID})`.as('poked');
}

/** Listens for pokes of one enterprise; returns the function that stops listening. */
export function onPoke(enterpriseID: string, listener: () => void): () => void {
	bus.on(enterpriseID, listener);
	return () => bus.off(enterpriseID, listener);
}

// Open poke streams by session (its secret's hash), so signing out ends them at once.
const streamsBySession = new Map<string, Set<() => void>>();

function sessionKey(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

/** Registers the function that ends a poke stream of a session; returns the one that forgets it. */
export function onSessionEnd(secret: string, end: () => void): () => void {
	const key = sessionKey(secret);
	const ends = streamsBySession.get(key) ?? new Set();
	ends.add(end);
	streamsBySession.set(key, ends);
	return () => {
		ends.delete(end);
		if (ends.size === 0 && streamsBySession.get(key) === ends) streamsBySession.delete(key);
	};
}

/**
 * Ends every poke stream of a session open on this instance (sign-out). Streams on other
 * instances end at their next check (streamAllowed), on their next poke or heartbeat.
 */
export function endSessionStreams(secret: string): void {
	for (const end of [...(streamsBySession.get(sessionKey(secret)) ?? [])]) end();
}

/** Ends every poke stream on this instance of the session stored under `sessionID` (its hash). */
export function endStreamsOfSession(sessionID: string): void {
	for (const end of [...(streamsBySession.get(sessionID) ?? [])]) end();
}

/**
 * Whether a poke stream may go on: its session is still live and its admin still holds a console
 * role in the enterprise (R2). A failed check ends the stream too; the console reconnects.
 */
export async function streamAllowed(
	database: Db,
	secret: string,
	enterpriseID: string
): Promise<boolean> {
	try {
		// Not a use of the session: an open stream alone must not keep it alive for ever.
		const session = await resolveSession(database, secret, Date.now(), { slide: false });
		if (!session) return false;
		const membership = await membershipIn(database, session.user.id, { id: enterpriseID });
		if (!membership || !canUseConsole(membership.role)) return false;
		if (await sessionRefusal(database, session.origin, membership)) return false;
		return canAccess(membership.role, 'settings');
	} catch {
		return false;
	}
}

/**
 * Routes pokes through the database when it is PostgreSQL: one LISTEN connection per process,
 * reconnecting after failures. Returns the function that stops it.
 */
export function startPokeRelay(database: Db): () => Promise<void> {
	shared = database;
	if (database.dialect !== 'postgres' || !database.url) {
		return async () => {
			if (shared === database) shared = null;
		};
	}
	let client: pg.Client | null = null;
	let stopped = false;
	const connect = async () => {
		if (stopped) return;
		const c = new pg.Client({ connectionString: database.url });
		c.on('notification', (msg) => {
			if (msg.channel === POKE_CHANNEL && msg.payload) bus.emit(msg.payload);
		});
		c.on('error', (err) => {
			log('warn', 'poke relay lost its connection', { err: err.message });
			client = null;
			setTimeout(() => void connect().catch(() => {}), 1000);
		});
		await c.connect();
		await c.query(`listen ${POKE_CHANNEL}`);
		// Stopped while connecting: nobody will end this connection later.
		if (stopped) {
			await c.end().catch(() => {});
			return;
		}
		client = c;
	};
	void connect().catch((err: Error) => {
		log('warn', 'poke relay could not connect', { err: err.message });
		setTimeout(() => void connect().catch(() => {}), 1000);
	});
	return async () => {
		stopped = true;
		if (shared === database) shared = null;
		await client?.end().catch(() => {});
	};
}
