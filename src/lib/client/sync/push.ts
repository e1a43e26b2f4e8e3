import type { PushResult } from '../../domain/sync/protocol';
import type { OutboxRow } from '../db';
import { clientIDs, type SyncRun } from './context';
import { TransientError, throwIfRefused } from './transport';

const PUSH_BATCH = 100;

/**
 * Pushes the outbox in order, in batches. Rejected changes move to `rejections` (and the next pull
 * rebuilds the mirror without their optimistic effect); an out-of-order answer realigns the queue
 * with the server (`pull` settles what the server holds); a batch too large is halved.
 */
export async function pushAll(run: SyncRun, pull: () => Promise<void>): Promise<void> {
	const { db } = run;
	const { clientID, clientGroupID } = await clientIDs(db);
	// Applied rows stay queued until a pull confirms them, so read on past what was pushed.
	let after = 0;
	let batch = PUSH_BATCH;
	for (;;) {
		const rows = await db.outbox.where('mutationID').above(after).limit(batch).toArray();
		if (rows.length === 0) return;
		const res = await run.transport.push({
			enterpriseID: run.enterpriseID,
			clientGroupID,
			clientID,
			// The mirror's admin: the server refuses the queue when the session is someone else's.
			userID: run.userID,
			mutations: rows.map((r) => ({
				id: r.mutationID,
				name: r.name,
				args: r.args,
				createdAt: r.createdAt,
				...(r.offline ? { offline: true } : {})
			}))
		});
		if (res.status === 200) {
			const results = (res.body as { results: PushResult[] }).results;
			await recordResults(run, rows, results);
			after = rows[rows.length - 1]?.mutationID ?? after;
			batch = PUSH_BATCH;
			continue;
		}
		if (res.status === 409) {
			const expected = (res.body as { expected?: number } | null)?.expected;
			if (typeof expected !== 'number') throw new TransientError('push refused as out of order');
			after = await realign(run, expected, pull);
			continue;
		}
		if (res.status === 413) {
			// Too large in one request: send fewer at a time. One change alone is capped far below
			// the server's limit (MAX_ARGS_CHARS), so a 413 for it comes from a proxy: retry later.
			if (batch === 1) throw new TransientError('the request was refused as too large');
			batch = Math.ceil(batch / 2);
			continue;
		}
		throwIfRefused(run.set, res.status);
		if (res.status === 400) {
			// Retrying cannot help; keep every change and say so until the admin acts.
			const message =
				(res.body as { message?: string } | null)?.message ??
				`the server refused the changes (${res.status})`;
			run.set({ blocked: true, lastError: `The server refuses the queued changes: ${message}` });
			throw new TransientError(message);
		}
		throw new TransientError(`push failed with ${res.status}`);
	}
}

/**
 * After `outOfOrder`: the server's next expected id. Ids below it are settled there (a pull
 * confirms them); if the server is behind this device (restored from a backup), the queue is
 * renumbered from `expected`, since the server has no record of those ids. Returns where to
 * continue pushing from.
 */
export async function realign(
	run: SyncRun,
	expected: number,
	pull: () => Promise<void>
): Promise<number> {
	const { db } = run;
	const first = (await db.outbox.orderBy('mutationID').first())?.mutationID;
	if (first === undefined || first >= expected) {
		if (first !== undefined && first > expected) {
			await db.transaction('rw', [db.outbox, db.meta], async () => {
				const rows = await db.outbox.orderBy('mutationID').toArray();
				await db.outbox.clear();
				let id = expected;
				for (const row of rows) await db.outbox.add({ ...row, mutationID: id++ });
				await db.meta.put({ key: 'nextMutationID', value: id });
				// Kept through a reload too: with no cookie the next pull (this session's or the
				// next's) is a full one.
				await db.meta.delete('cookie');
			});
			// The mirror holds what the server lost, and once the queue lands the server's version
			// may equal this device's cookie again, so the cookie cannot reveal the restore: rebuild
			// from scratch, roster chunks included.
			run.needsFull = true;
			run.serverBehind = true;
		}
		return expected - 1;
	}
	await pull();
	return expected - 1;
}

/** Moves the changes the server rejected from the outbox to `rejections`. */
async function recordResults(run: SyncRun, rows: OutboxRow[], results: PushResult[]) {
	const { db } = run;
	const byID = new Map(rows.map((r) => [r.mutationID, r]));
	const rejected = results.filter((r) => r.status === 'rejected');
	if (rejected.length === 0) return;
	await db.transaction('rw', [db.rejections, db.outbox], async () => {
		for (const r of rejected) {
			const row = byID.get(r.id);
			if (!row) continue;
			await db.rejections.put({
				mutationID: r.id,
				name: row.name,
				args: row.args,
				code: r.code ?? 'REJECTED',
				message: r.message ?? 'rejected',
				details: r.details,
				at: run.now()
			});
			await db.outbox.delete(r.id);
		}
	});
	// The optimistic effect of a rejected change must go: rebuild the mirror from the server.
	run.needsFull = true;
}
