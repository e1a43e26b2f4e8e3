import {
	sql,
	type Insertable,
	type KyselyPlugin,
	type PluginTransformQueryArgs,
	type PluginTransformResultArgs,
	type QueryResult,
	type RootOperationNode,
	type UnknownRow
} from 'kysely';
import type { Db } from '../db';
import type { SyncResultTable } from '../db/schema';
import { runMutation, type MutationResult } from '../../domain/mutations';
import type { AccountRole } from '../../domain/roles';
import type { PushBody, PushResult } from '../../domain/sync/protocol';
import { enterpriseWrite } from './enterprise-write';
import { preWork } from './pre-work';
import { isConstraintError, isTransientDbError } from './db-errors';
import { log } from '../log';
import { withoutControlCharacters } from '../../domain/text';
import { mailEnabled } from '../mail/config';
import { kickMail } from '../mail/queue';
import { queueSentInviteMail } from '../invites/invite-mail';
import { PhaseClock, type OnPhase } from './phases';
import { writeAudit, type AuditRow } from './sql-store';
import { ReadAhead } from './read-ahead';

// A mutation the client made offline, or created this long before it reached the server, counts as
// a queued offline change (R24).
const QUEUED_AFTER_MS = 10_000;

/** Who is pushing. */
export interface Pusher {
	userID: string;
	role: AccountRole;
	/** Where links in the emails this push queues point (invites): ORIGIN only; no email without it. */
	linkOrigin?: string;
}

/** What a push came to: results, or a refusal of the whole batch. */
export type PushOutcome =
	| { ok: true; results: PushResult[] }
	| { ok: false; status: 409; body: { error: 'outOfOrder'; expected: number } }
	| { ok: false; status: 403; body: { error: 'forbidden'; message: string } };

type Rejection = Extract<MutationResult, { ok: false }>;

/**
 * Notes whether a mutation sent anything but a SELECT (raw SQL counts as a write): a rejection after
 * a write must be undone, a rejection before any write leaves nothing to undo. Notes too whether a
 * statement ran while deferred writes waited (it may have read around them).
 */
class WriteWatch implements KyselyPlugin {
	wrote = false;
	aheadOfDeferred = false;
	constructor(private readonly readAhead: ReadAhead | undefined) {}
	transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
		if (node.kind !== 'SelectQueryNode') this.wrote = true;
		if (this.readAhead?.pending) this.aheadOfDeferred = true;
		return node;
	}
	async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
		return result;
	}
}

/** Thrown out of an unguarded attempt that must be undone: the batch runs again, guarded. */
const GUARD = Symbol('run the batch again with a savepoint per mutation');

/**
 * Applies a batch of mutations from one client (ARCHITECTURE.md, sync). Ids at or below
 * lastMutationID are replays (answered as before); a gap refuses the batch before anything changes.
 * A business rejection leaves nothing of its mutation behind and is recorded with the client's
 * lastMutationID, so the client never wedges; so does a database error that would fail the same way
 * on every retry (a value the database refuses, a constraint). The batch commits once; a transient
 * failure (connection, serialization, disk full) rolls all of it back (nothing advanced) and throws.
 * `onPhase`, when given, is told how long each phase took (bench/push.js).
 *
 * The batch first runs without savepoints: the teams and organizations it names are read ahead in
 * one statement per table and their names written in one (ReadAhead), its audit and rejection rows
 * written once at the end; a rejection that wrote nothing has nothing to undo. Only when a mutation
 * is rejected after a write, or fails in the database (which, on PostgreSQL, spoils the
 * transaction), or a deferred write is refused, is that attempt rolled back whole and the batch run
 * again with a savepoint around each mutation, which undoes exactly the failed one.
 */
export async function push(
	database: Db,
	body: PushBody,
	pusher: Pusher,
	now = () => Date.now(),
	onPhase?: OnPhase
): Promise<PushOutcome> {
	// Slow work the mutations declare (DNS lookups, R13) is done before the write lock is taken.
	const ready = await preWork(database, body.enterpriseID, body.mutations);
	const clock = new PhaseClock(onPhase);
	const attempt = (guarded: boolean) =>
		pushBatch(database, body, pusher, { now, ready, clock, guarded });
	let done;
	try {
		done = await attempt(false);
	} catch (err) {
		if (err !== GUARD) throw err;
		done = await attempt(true);
	}
	if (done.mailQueued) kickMail();
	return done.outcome;
}

interface BatchOptions {
	now: () => number;
	ready: Awaited<ReturnType<typeof preWork>>;
	clock: PhaseClock;
	/** With a savepoint around each mutation (else a mutation that must be undone throws GUARD). */
	guarded: boolean;
}

/** One attempt at a batch, in one enterprise write (one transaction). */
async function pushBatch(
	database: Db,
	body: PushBody,
	pusher: Pusher,
	{ now, ready, clock, guarded }: BatchOptions
): Promise<{ outcome: PushOutcome; mailQueued: boolean }> {
	const mailOrigin = pusher.linkOrigin && mailEnabled() ? pusher.linkOrigin : null;
	let mailQueued = false;
	// The whole batch is one enterprise write: each applied mutation carries the next version.
	const outcome = await enterpriseWrite(
		database,
		body.enterpriseID,
		{ userID: pusher.userID, kind: 'console', queued: false },
		async (w): Promise<PushOutcome> => {
			const { trx } = w;
			const client = await trx
				.selectFrom('sync_clients')
				.selectAll()
				.where('client_id', '=', body.clientID)
				.executeTakeFirst();
			if (
				client &&
				(client.enterprise_id !== body.enterpriseID || client.user_id !== pusher.userID)
			) {
				clock.lap('client');
				const message = 'this client belongs to another admin or enterprise';
				return { ok: false, status: 403, body: { error: 'forbidden', message } };
			}
			const last = Number(client?.last_mutation_id ?? 0);
			// Ids must continue from lastMutationID without holes; replays of older ids may come first.
			let next = last + 1;
			for (const m of body.mutations) {
				if (m.id === next) next++;
				else if (m.id > last) {
					clock.lap('client');
					const body = { error: 'outOfOrder' as const, expected: last + 1 };
					return { ok: false, status: 409, body };
				}
			}
			if (!client) {
				await trx
					.insertInto('sync_clients')
					.values({
						client_id: body.clientID,
						client_group_id: body.clientGroupID,
						enterprise_id: body.enterpriseID,
						user_id: pusher.userID,
						last_mutation_id: 0,
						updated_at: now()
					})
					.execute();
			}
			clock.lap('client');

			// Unguarded, nothing the batch writes is rolled back alone: what it looks up by id or name is
			// read ahead in one statement per table (a guarded attempt reads as it goes).
			const readAhead = guarded
				? undefined
				: await ReadAhead.of(
						trx,
						body.enterpriseID,
						body.mutations.filter((m) => m.id > last)
					);
			clock.lap('readAhead');
			const watch = new WriteWatch(readAhead);
			// Deferred writes are stored before a mutation that reads or writes around them, and at the
			// end; the database refusing them sends the batch round again, guarded.
			const flush = async () => {
				if (!readAhead?.pending) return;
				try {
					await readAhead.flush(trx);
				} catch (err) {
					if (isTransientDbError(err)) throw err;
					throw GUARD;
				}
				clock.lap('flush');
			};
			const watched = trx.withPlugin(watch);
			const auditRows: AuditRow[] = [];
			const rejections: Insertable<SyncResultTable>[] = [];
			const results: PushResult[] = [];
			let lastID = last;
			for (const m of body.mutations) {
				if (m.id <= last) {
					// A replay: settled before (a rejection reaches the client through pull).
					results.push({ id: m.id, status: 'alreadyApplied' });
					continue;
				}
				const at = now();
				const actor = {
					userID: pusher.userID,
					kind: 'console' as const,
					queued: m.offline === true || at - m.createdAt > QUEUED_AFTER_MS
				};
				const store = w.storeAs(actor, at, { trx: watched, auditRows, readAhead });
				ready(store);
				const audited = auditRows.length;
				if (!ReadAhead.defers(m.name)) await flush();
				const deferred = readAhead?.deferred;
				if (guarded) {
					await sql`savepoint mutation`.execute(trx);
					clock.lap('savepoint');
				}
				watch.wrote = false;
				let result: MutationResult;
				try {
					result = await runMutation(store, m.name, m.args, {
						userID: pusher.userID,
						role: pusher.role,
						now: at
					});
				} catch (err) {
					// A transient failure (connection, serialization, disk full) is the batch's: 503, nothing
					// advanced, the device retries. Anything else fails the same way on every retry (a value
					// the database refuses, a constraint the mutator did not foresee, a race with SCIM): it
					// is this mutation's rejection, so the device's queue moves on; it is undone through a
					// savepoint, so an unguarded attempt starts again guarded.
					if (isTransientDbError(err)) throw err;
					if (!guarded) throw GUARD;
					log('warn', 'a pushed mutation failed in the database', {
						enterpriseID: body.enterpriseID,
						mutation: m.name,
						err: err instanceof Error ? err.message : String(err)
					});
					result = isConstraintError(err)
						? {
								ok: false,
								code: 'INVALID_ARGS',
								message: 'the change conflicts with the current data'
							}
						: {
								ok: false,
								code: 'INVALID_ARGS',
								message: 'the server could not store this change; edit it or discard it'
							};
				}
				clock.lap('apply');
				if (watch.aheadOfDeferred) throw GUARD;
				if (result.ok) {
					if (guarded) {
						await sql`release savepoint mutation`.execute(trx);
						clock.lap('savepoint');
					}
					w.changed();
					w.next();
					results.push({ id: m.id, status: 'applied' });
					// An invite sent (even one queued offline) is emailed after the commit, never within it.
					if (mailOrigin && (await queueSentInviteMail(trx, body.enterpriseID, m, at, mailOrigin)))
						mailQueued = true;
					clock.lap('apply');
				} else {
					if (guarded) {
						await sql`rollback to savepoint mutation`.execute(trx);
						await sql`release savepoint mutation`.execute(trx);
						clock.lap('savepoint');
					} else if (watch.wrote || readAhead?.deferred !== deferred) throw GUARD;
					auditRows.length = audited;
					rejections.push(rejectionRow(body.clientID, m.id, result, at));
					results.push(rejectionResult(m.id, result));
				}
				lastID = m.id;
			}
			await flush();
			if (rejections.length > 0) {
				// Keeps why each mutation was refused, so replays and pulls can say so.
				await trx
					.insertInto('sync_results')
					.values(rejections)
					.onConflict((oc) => oc.columns(['client_id', 'mutation_id']).doNothing())
					.execute();
				clock.lap('rejection');
			}
			if (auditRows.length > 0) {
				await writeAudit(trx, auditRows);
				clock.lap('audit');
			}
			if (lastID > last) {
				await trx
					.updateTable('sync_clients')
					.set({ last_mutation_id: lastID, updated_at: now() })
					.where('client_id', '=', body.clientID)
					.execute();
			}
			clock.lap('lastMutationID');
			return { ok: true, results };
		},
		undefined,
		clock
	);
	return { outcome, mailQueued };
}

/** The stored form of a rejection (sync_results), for replays and pulls. */
function rejectionRow(
	clientID: string,
	id: number,
	rejection: Rejection,
	at: number
): Insertable<SyncResultTable> {
	return {
		client_id: clientID,
		mutation_id: id,
		status: 'rejected',
		code: rejection.code,
		// Messages may quote what the client sent; PostgreSQL cannot store a NUL (R26).
		message: withoutControlCharacters(rejection.message),
		details: rejection.details ? JSON.stringify(rejection.details) : null,
		at
	};
}

/** The answer to a rejected mutation. */
function rejectionResult(id: number, rejection: Rejection): PushResult {
	return {
		id,
		status: 'rejected',
		code: rejection.code,
		message: rejection.message,
		...(rejection.details ? { details: rejection.details } : {})
	};
}
