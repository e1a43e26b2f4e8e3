import { EventEmitter } from 'node:events';
import pg from 'pg';
import { sql } from 'kysely';
import type { Db } from '../db';
import { log } from '../log';

/** The PostgreSQL NOTIFY channel of pokes; the payload is an enterprise id. */
export const POKE_CHANNEL = 'roster_poke';
const bus = new EventEmitter();
bus.setMaxListeners(0);
let shared: Db | null = null;

/**
 * Tells every open console of an enterprise that something changed (after a commit). On
 * PostgreSQL the poke goes through NOTIFY, so consoles connected to other app instances hear it.
 */
export function poke(enterpriseID: string): void {
	if (shared?.dialect === 'postgres') {
		sql`select pg_notify(${POKE_CHANNEL}, ${enterpriseID})`
			.execute(shared.db)
			.catch((err: Error) => {
				log('warn', 'poke notify failed', { err: err.message });
				bus.emit(enterpriseID);
			});
		return;
	}
	bus.emit(enterpriseID);
}

/** Listens for pokes of one enterprise; returns the function that stops listening. */
export function onPoke(enterpriseID: string, listener: () => void): () => void {
	bus.on(enterpriseID, listener);
	return () => bus.off(enterpriseID, listener);
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
