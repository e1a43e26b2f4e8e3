import { sql, type Transaction } from 'kysely';
import type { Db } from '../db';
import type { Database } from '../db/schema';
import { runMutation, type MutationResult } from '../../domain/mutations';
import type { AccountRole } from '../../domain/roles';
import type { PushBody, PushResult } from '../../domain/sync/protocol';
import { SqlMutationStore } from './sql-store';
import { poke } from './poke';

// A mutation created this long before it reached the server counts as a queued offline change (R24).
const QUEUED_AFTER_MS = 10_000;

/** Who is pushing. */
export interface Pusher {
	userID: string;
	role: AccountRole;
}

/** What a push came to: results, or a refusal of the whole batch. */
export type PushOutcome =
	| { ok: true; results: PushResult[] }
	| { ok: false; status: 409; body: { error: 'outOfOrder'; expected: number } }
	| { ok: false; status: 403; body: { error: 'forbidden'; message: string } };

class Rejected extends Error {
	constructor(readonly result: Extract<MutationResult, { ok: false }>) {
		super(result.message);
	}
}

async function lockEnterprise(
	trx: Transaction<Database>,
	dialect: Db['dialect'],
	enterpriseID: string
) {
	// PostgreSQL: one writer per enterprise at a time, so seat checks see every committed seat.
	// SQLite: the single connection already serialises transactions.
	const q = trx.selectFrom('enterprises').select('version').where('id', '=', enterpriseID);
	const row = await (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow();
	return Number(row.version);
}

async function clientRow(trx: Transaction<Database>, clientID: string) {
	return trx
		.selectFrom('sync_clients')
		.selectAll()
		.where('client_id', '=', clientID)
		.executeTakeFirst();
}

/**
 * Applies a batch of mutations from one client, each in its own transaction (ARCHITECTURE.md, sync):
 * ids at or below lastMutationID are skipped, a gap refuses the batch, a business rejection rolls
 * the mutation back and is recorded so the client moves on.
 */
export async function push(
	database: Db,
	body: PushBody,
	pusher: Pusher,
	now = () => Date.now()
): Promise<PushOutcome> {
	const { db, dialect } = database;
	const existing = await db
		.selectFrom('sync_clients')
		.selectAll()
		.where('client_id', '=', body.clientID)
		.executeTakeFirst();
	if (
		existing &&
		(existing.enterprise_id !== body.enterpriseID || existing.user_id !== pusher.userID)
	) {
		return {
			ok: false,
			status: 403,
			body: { error: 'forbidden', message: 'this client belongs to another admin or enterprise' }
		};
	}
	const last = Number(existing?.last_mutation_id ?? 0);
	// Refuse gaps before applying anything: ids must continue from lastMutationID without holes.
	let expected = last + 1;
	for (const m of body.mutations) {
		if (m.id > expected) return { ok: false, status: 409, body: { error: 'outOfOrder', expected } };
		if (m.id === expected) expected++;
		else if (m.id > last)
			return { ok: false, status: 409, body: { error: 'outOfOrder', expected } };
	}
	if (!existing) {
		await db
			.insertInto('sync_clients')
			.values({
				client_id: body.clientID,
				client_group_id: body.clientGroupID,
				enterprise_id: body.enterpriseID,
				user_id: pusher.userID,
				last_mutation_id: 0,
				updated_at: now()
			})
			.onConflict((oc) => oc.column('client_id').doNothing())
			.execute();
	}

	const results: PushResult[] = [];
	let changed = false;
	for (const m of body.mutations) {
		const at = now();
		const actor = {
			userID: pusher.userID,
			kind: 'console' as const,
			queued: at - m.createdAt > QUEUED_AFTER_MS
		};
		let result: PushResult;
		try {
			result = await db.transaction().execute(async (trx) => {
				const version = (await lockEnterprise(trx, dialect, body.enterpriseID)) + 1;
				const client = await clientRow(trx, body.clientID);
				if (!client || client.enterprise_id !== body.enterpriseID)
					throw new Error('sync client vanished');
				// Re-read inside the lock: a concurrent retry of the same batch may have applied it.
				if (m.id <= Number(client.last_mutation_id))
					return { id: m.id, status: 'alreadyApplied' as const };
				const store = new SqlMutationStore(trx, body.enterpriseID, version, actor, at);
				const outcome = await runMutation(store, m.name, m.args, {
					userID: pusher.userID,
					role: pusher.role,
					now: at
				});
				if (!outcome.ok) throw new Rejected(outcome);
				await trx
					.updateTable('enterprises')
					.set({ version })
					.where('id', '=', body.enterpriseID)
					.execute();
				await trx
					.updateTable('sync_clients')
					.set({ last_mutation_id: m.id, updated_at: at })
					.where('client_id', '=', body.clientID)
					.execute();
				return { id: m.id, status: 'applied' as const };
			});
		} catch (err) {
			if (!(err instanceof Rejected)) throw err;
			result = await recordRejection(database, body, m.id, err.result, at);
		}
		if (result.status === 'applied') changed = true;
		results.push(result);
	}
	if (changed) poke(body.enterpriseID);
	return { ok: true, results };
}

/** Rolls a rejected mutation forward past the client's lastMutationID, keeping why (so it never wedges). */
async function recordRejection(
	{ db }: Db,
	body: PushBody,
	id: number,
	rejection: Extract<MutationResult, { ok: false }>,
	at: number
): Promise<PushResult> {
	return db.transaction().execute(async (trx) => {
		const client = await clientRow(trx, body.clientID);
		if (client && id <= Number(client.last_mutation_id))
			return { id, status: 'alreadyApplied' as const };
		await trx
			.insertInto('sync_results')
			.values({
				client_id: body.clientID,
				mutation_id: id,
				status: 'rejected',
				code: rejection.code,
				message: rejection.message,
				details: rejection.details ? JSON.stringify(rejection.details) : null,
				at
			})
			.onConflict((oc) => oc.columns(['client_id', 'mutation_id']).doNothing())
			.execute();
		await trx
			.updateTable('sync_clients')
			.set({
				last_mutation_id: sql<number>`case when last_mutation_id < ${id} then ${id} else last_mutation_id end`,
				updated_at: at
			})
			.where('client_id', '=', body.clientID)
			.execute();
		return {
			id,
			status: 'rejected' as const,
			code: rejection.code,
			message: rejection.message,
			...(rejection.details ? { details: rejection.details } : {})
		};
	});
}
