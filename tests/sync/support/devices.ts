import { runMutation } from '../../../src/lib/domain/mutations';
import 'fake-indexeddb/auto';
import { RosterDB } from '../../../src/lib/client/db';
import { SyncEngine, type SyncTransport } from '../../../src/lib/client/sync/engine';
import type { MutationResult } from '../../../src/lib/domain/mutations';
import type { MutationArgs, MutationName } from '../../../src/lib/domain/mutations/types';
import { allLicenses } from '../../../src/lib/client/roster';
import { COMPARED_TABLES, type MirrorSnapshot } from './server';

let dbSeq = 0;

/** One admin device: its own IndexedDB mirror (fake-indexeddb) and SyncEngine, same owner. */
export class Device {
	readonly name: string;
	readonly clientID: string;
	readonly engine: SyncEngine;
	readonly db: RosterDB;

	private constructor(name: string, clientID: string, engine: SyncEngine) {
		this.name = name;
		this.clientID = clientID;
		this.engine = engine;
		this.db = engine.db;
	}

	/** A device with a fixed clientID (so a seed replays the same ids). */
	static async open(opts: {
		name: string;
		clientID: string;
		enterpriseID: string;
		userID: string;
		transport: SyncTransport;
	}): Promise<Device> {
		const db = new RosterDB(`proof-${opts.name}-${process.pid}-${++dbSeq}`);
		await db.open();
		await db.meta.bulkPut([
			{ key: 'clientID', value: opts.clientID },
			{ key: 'clientGroupID', value: `group-${opts.clientID}` }
		]);
		const engine = new SyncEngine({
			db,
			enterpriseID: opts.enterpriseID,
			userID: opts.userID,
			role: 'owner',
			transport: opts.transport,
			mutations: async () => ({ runMutation })
		});
		return new Device(opts.name, opts.clientID, engine);
	}

	/**
	 * Runs a mutation as the UI would; returns the result and, when it was queued, its mutationID.
	 * The engine's own follow-up timer is cancelled: the scenario decides when devices sync, so a
	 * seed replays the same interleaving.
	 */
	async mutate<N extends MutationName>(
		name: N,
		args: MutationArgs<N>
	): Promise<{ result: MutationResult; mutationID: number | null }> {
		const result = await this.engine.mutate(name, args);
		this.engine.stop();
		if (!result.ok) return { result, mutationID: null };
		const next = (await this.db.meta.get('nextMutationID'))?.value as number;
		return { result, mutationID: next - 1 };
	}

	/** One sync run (push everything, pull), with the backoff timer it may leave cancelled. */
	async sync(): Promise<void> {
		try {
			await this.engine.sync();
		} finally {
			this.engine.stop();
		}
	}

	async cookie(): Promise<number> {
		return ((await this.db.meta.get('cookie'))?.value as number | undefined) ?? 0;
	}

	/** The mirror's compared tables as plain data. */
	async snapshot(): Promise<MirrorSnapshot> {
		const out: MirrorSnapshot = {};
		for (const t of COMPARED_TABLES) {
			const table = this.db.table(t);
			// Licenses are chunks plus the changes on top: compare what the app reads.
			const rows = (
				t === 'licenses' ? await allLicenses(this.db) : await table.toArray()
			) as Record<string, unknown>[];
			const pk = table.schema.primKey.keyPath as string;
			out[t] = Object.fromEntries(rows.map((r) => [String(r[pk]), r]));
		}
		return out;
	}

	async close(): Promise<void> {
		this.engine.stop();
		this.db.close();
		await this.db.delete();
	}
}
