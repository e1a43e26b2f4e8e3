import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Change } from '../../domain/sync/protocol';
import { applyChanges, pull } from './pull';
import { queueMutation } from './mutate';
import { patch, syncRun } from '../../../../tests/sync/support/sync-run';

const TEAM_A = '00000000-0000-4000-8000-00000000000a';
const TEAM_B = '00000000-0000-4000-8000-00000000000b';

describe('pull: the server state lands in the mirror, pending changes on top', () => {
	it('applies deletions before puts, with what a deleted team or organization takes along', async () => {
		const run = syncRun({});
		const { db } = run;
		await applyChanges(db, [
			{
				table: 'teams',
				op: 'put',
				key: 't1',
				value: { id: 't1', name: 'Platform', source: 'manual' }
			},
			{ table: 'organizations', op: 'put', key: 'o1', value: { id: 'o1', name: 'Eng' } },
			{ table: 'teamMembers', op: 'put', key: 't1:u1', value: { teamID: 't1', userID: 'u1' } },
			{
				table: 'teamOrgLinks',
				op: 'put',
				key: 't1:o1',
				value: { teamID: 't1', orgID: 'o1', role: 'member' }
			},
			{
				table: 'orgMembers',
				op: 'put',
				key: 'o1:u2',
				value: { orgID: 'o1', userID: 'u2', role: 'admin' }
			},
			{
				table: 'storagePolicies',
				op: 'put',
				key: 'o1',
				value: { key: 'o1', orgID: 'o1', local: true, cloud: false, git: false }
			}
		]);
		// A composite key travels only as the change's key: the mirror row carries it.
		expect(await db.teamMembers.get('t1:u1')).toEqual({ key: 't1:u1', teamID: 't1', userID: 'u1' });
		const changes: Change[] = [
			{ table: 'teams', op: 'del', key: 't1' },
			{ table: 'organizations', op: 'del', key: 'o1' },
			// Deleted and created again in the same patch: the put wins.
			{
				table: 'teams',
				op: 'put',
				key: 't1',
				value: { id: 't1', name: 'Platform 2', source: 'manual' }
			}
		];
		await applyChanges(db, changes);
		expect(await db.teams.toArray()).toEqual([{ id: 't1', name: 'Platform 2', source: 'manual' }]);
		expect(await db.teamMembers.count()).toBe(0);
		expect(await db.teamOrgLinks.count()).toBe(0);
		expect(await db.orgMembers.count()).toBe(0);
		expect(await db.storagePolicies.count()).toBe(0);
	});

	it('re-applies still pending changes on top of the server state and drops confirmed ones', async () => {
		const server = {
			lastMutationID: 0,
			teams: [{ id: TEAM_A, name: 'Server team', source: 'manual' }]
		};
		const run = syncRun({
			pull: (q) =>
				patch({
					cookie: 5,
					reset: q.cookie === 0,
					lastMutationID: server.lastMutationID,
					changes: server.teams.map((t) => ({ table: 'teams', op: 'put', key: t.id, value: t }))
				})
		});
		const { db } = run;
		const queued = await queueMutation(
			{ ...run, online: () => true },
			'createTeam',
			{ teamID: TEAM_B, name: 'Mine' },
			900
		);
		expect(queued).toEqual({ ok: true });
		await pull(run);
		// The full pull cleared the mirror; the queued team is back on top of the server's.
		expect((await db.teams.orderBy('name').toArray()).map((t) => t.name)).toEqual([
			'Mine',
			'Server team'
		]);
		expect(await db.outbox.count()).toBe(1);
		expect((await db.meta.get('cookie'))?.value).toBe(5);

		server.lastMutationID = 1;
		server.teams.push({ id: TEAM_B, name: 'Mine', source: 'manual' });
		await pull(run);
		expect(run.pulled.at(-1)).toMatchObject({ cookie: 5, after: 0 });
		expect(await db.outbox.count()).toBe(0);
		expect(await db.teams.count()).toBe(2);
	});

	it('records a rejection the server kept for a queued change and rebuilds the mirror without it', async () => {
		const run = syncRun({
			pull: (q) =>
				q.cookie === 0
					? patch({ cookie: 9, reset: true, lastMutationID: 1 })
					: patch({
							cookie: 9,
							lastMutationID: 1,
							rejections: [{ id: 1, code: 'NOT_PERMITTED', message: 'no longer allowed' }]
						})
		});
		const { db } = run;
		await db.meta.put({ key: 'cookie', value: 8 });
		await queueMutation(
			{ ...run, online: () => true },
			'createTeam',
			{ teamID: TEAM_A, name: 'Gone' },
			900
		);
		await pull(run);
		expect(await db.rejections.toArray()).toMatchObject([
			{ mutationID: 1, name: 'createTeam', code: 'NOT_PERMITTED' }
		]);
		// Its optimistic team went with the rebuild (a second, full pull).
		expect(run.pulled.map((q) => q.cookie)).toEqual([8, 0]);
		expect(await db.teams.count()).toBe(0);
		expect(run.needsFull).toBe(false);
	});
});
