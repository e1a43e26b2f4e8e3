import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { runMutation } from '../../../src/lib/domain/mutations';
import type { AccountRole } from '../../../src/lib/domain/roles';
import type { PullResponse, PushBody } from '../../../src/lib/domain/sync/protocol';
import { RosterDB, type OutboxRow } from '../../../src/lib/client/db';
import type { SyncRun, SyncState } from '../../../src/lib/client/sync/context';
import type { SyncTransport, TransportResponse } from '../../../src/lib/client/sync/transport';

/** What a test answers a request with, and what it saw. */
export interface ScriptedServer {
	push?(body: PushBody): TransportResponse | Promise<TransportResponse>;
	pull?(
		query: Parameters<SyncTransport['pull']>[0]
	): TransportResponse | Promise<TransportResponse>;
	roster?: SyncTransport['roster'];
}

/**
 * A sync run over a fresh mirror, as the engine gives one to its push and pull steps, against a
 * server the test scripts; `states` keeps every state patch the steps set.
 */
export function syncRun(server: ScriptedServer, role: AccountRole = 'owner') {
	const states: Partial<SyncState>[] = [];
	const pushed: PushBody[] = [];
	const pulled: Parameters<SyncTransport['pull']>[0][] = [];
	const transport: SyncTransport = {
		async push(body) {
			pushed.push(body);
			if (!server.push) throw new Error('this test expects no push');
			return server.push(body);
		},
		async pull(query) {
			pulled.push(query);
			if (!server.pull) throw new Error('this test expects no pull');
			return server.pull(query);
		},
		...(server.roster ? { roster: server.roster } : {})
	};
	let clock = 1_000;
	const run: SyncRun & { states: typeof states; pushed: typeof pushed; pulled: typeof pulled } = {
		db: new RosterDB(`run-${randomUUID()}`),
		enterpriseID: 'ent-1',
		userID: 'owner-1',
		role,
		transport,
		now: () => clock++,
		set: (patch) => states.push(patch),
		mutations: async () => runMutation,
		needsFull: false,
		serverBehind: false,
		states,
		pushed,
		pulled
	};
	return run;
}

/** Queued changes as the outbox holds them, numbered from `first`. */
export async function queue(db: RosterDB, first: number, names: string[]): Promise<void> {
	const rows: OutboxRow[] = names.map((name, i) => ({
		mutationID: first + i,
		name,
		args: { teamID: randomUUID(), name: `Team ${first + i}` },
		createdAt: 500
	}));
	await db.outbox.bulkAdd(rows);
	await db.meta.put({ key: 'nextMutationID', value: first + names.length });
}

/** A pull answer: the given changes on top of nothing else. */
export function patch(p: Partial<PullResponse> & { cookie: number }): TransportResponse {
	return {
		status: 200,
		body: { lastMutationID: 0, reset: false, changes: [], rejections: [], ...p }
	};
}

/** The ids each push sent, one list per request. */
export function pushedIDs(run: { pushed: PushBody[] }): number[][] {
	return run.pushed.map((b) => b.mutations.map((m) => m.id));
}
