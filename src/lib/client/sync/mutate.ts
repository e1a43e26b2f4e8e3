import Dexie from 'dexie';
import type { MutationResult } from '../../domain/mutations';
import { DexieMutationStore } from '../dexie-store';
import { readMeta, type SyncRun } from './context';

// Keeps any one change well under the server's request size limit (adapter-node: 512 KB).
const MAX_ARGS_CHARS = 64_000;

/**
 * Applies a named mutation to the mirror and queues it in the outbox, in one transaction. A change
 * the mirror already shows to be impossible (no free seat, say) is refused at once and not queued;
 * so is one too large to send, or one the device has no room to store.
 */
export async function queueMutation(
	run: Pick<SyncRun, 'db' | 'userID' | 'role' | 'mutations'> & { online(): boolean },
	name: string,
	args: unknown,
	now: number
): Promise<MutationResult> {
	const { db } = run;
	if (JSON.stringify(args ?? null).length > MAX_ARGS_CHARS) {
		return {
			ok: false,
			code: 'INVALID_ARGS',
			message: 'this change is too large to send; split it up'
		};
	}
	const runMutation = await run.mutations();
	try {
		return await db.transaction('rw', db.mutationTables, async () => {
			const outcome = await runMutation(new DexieMutationStore(db), name, args, {
				userID: run.userID,
				role: run.role,
				now
			});
			// Undo whatever the mutator wrote before it refused.
			if (!outcome.ok) throw new LocalRejection(outcome);
			const mutationID = (await readMeta<number>(db, 'nextMutationID')) ?? 1;
			await db.meta.put({ key: 'nextMutationID', value: mutationID + 1 });
			// R24: the audit log marks changes made while offline.
			const offline =
				!run.online() || (typeof navigator !== 'undefined' && navigator.onLine === false);
			await db.outbox.add({
				mutationID,
				name,
				args,
				createdAt: now,
				...(offline ? { offline: true } : {})
			});
			return outcome;
		});
	} catch (err) {
		if (err instanceof LocalRejection) return err.result;
		if (isQuotaError(err)) {
			return {
				ok: false,
				code: 'INVALID_ARGS',
				message:
					'This device is out of storage space, so the change was not saved. Free some space; queued changes are kept.'
			};
		}
		throw err;
	}
}

class LocalRejection extends Error {
	constructor(readonly result: MutationResult) {
		super('rejected locally');
	}
}

function isQuotaError(err: unknown): boolean {
	const name = (err as { name?: string; inner?: { name?: string } } | null)?.name;
	const inner = (err as { inner?: { name?: string } } | null)?.inner?.name;
	return (
		name === Dexie.errnames.QuotaExceeded ||
		inner === 'QuotaExceededError' ||
		name === 'QuotaExceededError'
	);
}
