import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { pushAll } from './push';
import { pushedIDs, queue, syncRun } from '../../../../tests/sync/support/sync-run';
import { TransientError } from './transport';

const applied = (body: { mutations: { id: number }[] }) => ({
	status: 200,
	body: { results: body.mutations.map((m) => ({ id: m.id, status: 'applied' })) }
});

describe('push: the outbox reaches the server in order', () => {
	it('renumbers the queue from what a restored server expects, and asks for a full rebuild', async () => {
		let expected = 3;
		const run = syncRun({
			push(body) {
				if (body.mutations[0]!.id !== expected)
					return { status: 409, body: { error: 'outOfOrder', expected } };
				expected += body.mutations.length;
				return applied(body);
			}
		});
		await queue(run.db, 7, ['createTeam', 'createTeam', 'createTeam']);
		await run.db.meta.put({ key: 'cookie', value: 40 });
		await pushAll(run, async () => {
			throw new Error('a server behind this device is not pulled from');
		});
		expect(pushedIDs(run)).toEqual([
			[7, 8, 9],
			[3, 4, 5]
		]);
		expect((await run.db.outbox.toArray()).map((r) => r.mutationID)).toEqual([3, 4, 5]);
		expect((await run.db.meta.get('nextMutationID'))?.value).toBe(6);
		// With no cookie, even a reload pulls everything again.
		expect(await run.db.meta.get('cookie')).toBeUndefined();
		expect(run.needsFull && run.serverBehind).toBe(true);
	});

	it('pulls what a server ahead of the queue settled, then pushes from its next id', async () => {
		const run = syncRun({
			push(body) {
				if (body.mutations[0]!.id < 3)
					return { status: 409, body: { error: 'outOfOrder', expected: 3 } };
				return applied(body);
			}
		});
		await queue(run.db, 1, ['createTeam', 'createTeam', 'createTeam']);
		let pulls = 0;
		await pushAll(run, async () => {
			pulls++;
			// The pull confirms 1 and 2.
			await run.db.outbox.bulkDelete([1, 2]);
		});
		expect(pulls).toBe(1);
		expect(pushedIDs(run)).toEqual([[1, 2, 3], [3]]);
		expect(run.serverBehind).toBe(false);
	});

	it('moves a rejected change to the sync issues and rebuilds the mirror without it', async () => {
		const run = syncRun({
			push: (body) => ({
				status: 200,
				body: {
					results: body.mutations.map((m) =>
						m.id === 2
							? { id: 2, status: 'rejected', code: 'NOT_PERMITTED', message: 'not yours' }
							: { id: m.id, status: 'applied' }
					)
				}
			})
		});
		await queue(run.db, 1, ['createTeam', 'renameTeam', 'createTeam']);
		await pushAll(run, async () => {});
		expect((await run.db.outbox.toArray()).map((r) => r.mutationID)).toEqual([1, 3]);
		expect(await run.db.rejections.toArray()).toMatchObject([
			{ mutationID: 2, name: 'renameTeam', code: 'NOT_PERMITTED', message: 'not yours' }
		]);
		expect(run.needsFull).toBe(true);
	});

	it('sends fewer changes at a time when a request is refused as too large', async () => {
		const run = syncRun({
			push: (body) => (body.mutations.length > 1 ? { status: 413, body: null } : applied(body))
		});
		await queue(run.db, 1, ['createTeam', 'createTeam', 'createTeam']);
		await pushAll(run, async () => {});
		expect(pushedIDs(run).filter((ids) => ids.length === 1)).toEqual([[1], [2], [3]]);
	});

	it('keeps every change and says the queue is blocked when the server refuses it as malformed', async () => {
		const run = syncRun({
			push: () => ({ status: 400, body: { message: 'mutation id starts at 1' } })
		});
		await queue(run.db, 1, ['createTeam']);
		await expect(pushAll(run, async () => {})).rejects.toBeInstanceOf(TransientError);
		expect(run.states).toContainEqual({
			blocked: true,
			lastError: 'The server refuses the queued changes: mutation id starts at 1'
		});
		expect(await run.db.outbox.count()).toBe(1);
	});
});
