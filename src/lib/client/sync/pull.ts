import type { Change, PullResponse } from '../../domain/sync/protocol';
import { MIRROR, MIRROR_TABLES, type MirrorTable } from '../../domain/sync/tables';
import type { MirrorLicense, RosterDB } from '../db';
import { DexieMutationStore } from '../dexie-store';
import {
	adoptRoster,
	applyLastActive,
	clearRoster,
	putLicenses,
	removeLicenses,
	rosterCookie
} from '../roster';
import { clientIDs, readMeta, type SyncRun } from './context';
import { loadRoster } from './roster-loader';
import { expectOK, TransientError } from './transport';

/**
 * Pulls the patch since the mirror's cookie and applies it in one transaction: the server's rows,
 * the rejections it recorded, confirmed changes dropped from the outbox and the still pending ones
 * re-applied on top (rebase). A full pull rebuilds the mirror, its licensed users paged from the
 * roster into chunks first.
 */
export async function pull(run: SyncRun): Promise<void> {
	const { db } = run;
	const { clientID } = await clientIDs(db);
	// What the server sends depends on the role (R2): a mirror built for another role starts over.
	const builtFor = await readMeta<string>(db, 'role');
	const roleChanged = builtFor !== undefined && builtFor !== run.role;
	const cookie = run.needsFull || roleChanged ? 0 : ((await readMeta<number>(db, 'cookie')) ?? 0);
	// Rejections matter from the oldest change still queued here on.
	const oldest = (await db.outbox.orderBy('mutationID').first())?.mutationID;
	const after =
		oldest !== undefined ? oldest - 1 : ((await readMeta<number>(db, 'lastMutationID')) ?? 0);
	const chunked = run.transport.roster !== undefined;
	// Rebuilding after a rejection keeps the roster chunks (a million users need not come again):
	// their optimistic changes live only in `licenses`, which the rebuild clears.
	const keptAt =
		chunked && cookie === 0 && run.needsFull && !roleChanged && !run.serverBehind
			? await rosterCookie(db)
			: undefined;
	const base = { enterpriseID: run.enterpriseID, clientID, after, activity: 'delta' as const };
	let res = await run.transport.pull({
		...base,
		cookie,
		...(chunked && cookie === 0
			? keptAt !== undefined
				? { licensesSince: keptAt }
				: { licenses: 'chunked' as const }
			: {})
	});
	expectOK(run.set, res, 'pull');
	let patch = res.body as PullResponse;
	if (patch.reset && cookie !== 0 && chunked) {
		// A cookie from the future: start over from a full pull, with the roster in chunks.
		res = await run.transport.pull({ ...base, cookie: 0, licenses: 'chunked' });
		expectOK(run.set, res, 'pull');
		patch = res.body as PullResponse;
	}
	const full = cookie === 0 || patch.reset;
	// The licensed users of a full pull arrive in columnar pages, staged under a new generation
	// of chunks before the one transaction that swaps the mirror.
	const roster = patch.rosterChunked
		? await loadRoster(run, patch.rosterTotal ?? 0, patch.cookie)
		: null;
	// A roster load resumed from an earlier attempt holds pages as of that attempt's pull: the
	// mirror's cookie goes back to it, so the next pull brings every change since (puts and
	// deletions are idempotent) and corrects the pages stored before.
	const cookieAfter = roster ? Math.min(roster.cookie, patch.cookie) : patch.cookie;
	// Changes the server has not confirmed are re-applied on top: that needs the mutators, loaded
	// only when there are any (the service worker's push, which has none, confirms all it sent).
	const unconfirmed = await db.outbox.where('mutationID').above(patch.lastMutationID).count();
	const runMutation = unconfirmed > 0 ? await run.mutations() : null;
	let learned = 0;
	await db.transaction('rw', [...db.mutationTables, db.rejections], async () => {
		if (full) {
			await Promise.all(MIRROR_TABLES.map((t) => db.table(t).clear()));
			if (roster) await adoptRoster(db, roster.gen, roster.count, cookieAfter);
			else if (!patch.rosterKept) await clearRoster(db);
		}
		await applyChanges(db, patch.changes);
		// Last Active dates that moved, named by license number (R19, R20).
		if (patch.activity) await applyLastActive(db, patch.activity);
		// Rejections recorded by the server for changes still queued here (say, pushed by a tab
		// that closed before it read the answer).
		for (const r of patch.rejections) {
			const row = await db.outbox.get(r.id);
			if (!row) continue;
			await db.rejections.put({
				mutationID: r.id,
				name: row.name,
				args: row.args,
				code: r.code,
				message: r.message,
				details: r.details,
				at: run.now()
			});
			learned++;
		}
		await db.outbox.where('mutationID').belowOrEqual(patch.lastMutationID).delete();
		// Rebase: what is still queued goes back on top of the server's state.
		const store = new DexieMutationStore(db);
		const pending = await db.outbox.orderBy('mutationID').toArray();
		// Another tab queued a change since the count: abort (nothing applied) and sync again.
		if (pending.length > 0 && !runMutation)
			throw new TransientError('changes were queued meanwhile; syncing again');
		for (const row of pending) {
			await runMutation!(store, row.name, row.args, {
				userID: run.userID,
				role: run.role,
				now: row.createdAt
			});
		}
		const next = (await readMeta<number>(db, 'nextMutationID')) ?? 1;
		if (next <= patch.lastMutationID)
			await db.meta.put({ key: 'nextMutationID', value: patch.lastMutationID + 1 });
		await db.meta.put({ key: 'cookie', value: cookieAfter });
		// What reports say they are based on: the copy as the server had it at this moment.
		await db.meta.put({ key: 'syncedAt', value: run.now() });
		await db.meta.put({ key: 'role', value: run.role });
		await db.meta.put({ key: 'lastMutationID', value: patch.lastMutationID });
	});
	if (full) {
		run.needsFull = false;
		run.serverBehind = false;
	}
	if (roster) run.set({ loading: null });
	// Pages resumed from an earlier attempt: bring the changes made since at once.
	if (cookieAfter < patch.cookie) {
		await pull(run);
		return;
	}
	if (learned > 0 && !full) {
		// A rejection learned here still has its optimistic effect in the mirror: rebuild it.
		run.needsFull = true;
		await pull(run);
	}
}

/**
 * Writes a patch's changes into the mirror as the table registry (domain/sync/tables.ts) says:
 * every deletion (with the rows it takes along) before any put, each table in bulk (thousands of
 * rows on a first sync), licenses through the roster module on top of the chunks.
 */
export async function applyChanges(db: RosterDB, changes: Change[]): Promise<void> {
	// The server sends deletions first, then puts; grouping by table keeps that order.
	const dels = new Map<MirrorTable, string[]>();
	const puts = new Map<MirrorTable, unknown[]>();
	for (const c of changes) {
		if (c.op === 'del') add(dels, c.table, c.key);
		// A composite key travels as the change's key only (MirrorValue).
		else
			add(
				puts,
				c.table,
				MIRROR[c.table]?.key === 'key' ? { key: c.key, ...(c.value as object) } : c.value
			);
	}
	for (const [table, keys] of dels) {
		if (MIRROR[table]?.roster) {
			await removeLicenses(db, keys);
			continue;
		}
		await db.table(table).bulkDelete(keys);
		for (const { table: other, by } of MIRROR[table]?.cascade ?? []) {
			await db.table(other).where(by).anyOf(keys).delete();
		}
	}
	for (const [table, rows] of puts) {
		if (MIRROR[table]?.roster) await putLicenses(db, rows as MirrorLicense[]);
		else await db.table(table).bulkPut(rows);
	}
}

function add<V>(groups: Map<MirrorTable, V[]>, table: MirrorTable, value: V) {
	const list = groups.get(table);
	if (list) list.push(value);
	else groups.set(table, [value]);
}
