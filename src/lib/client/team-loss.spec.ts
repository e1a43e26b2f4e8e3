import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RosterDB } from './db';
import { mirrorSeatUsage, putLicenses } from './roster';
import { describeLoss, teamDeletionLoss, teamUnlinkLoss } from './team-loss';
import { DAY_MS } from '../domain/seats';

/** A mirror with two organizations; Platform and Data share Ann, Bo is only in Platform, Cy is direct. */
async function mirror() {
	const db = new RosterDB(`loss-${randomUUID()}`);
	await putLicenses(db, [
		{ id: 'ann', email: 'ann@acme.test', name: 'Ann', lastActiveAt: null },
		{ id: 'bo', email: 'bo@acme.test', name: 'Bo', lastActiveAt: null },
		{ id: 'cy', email: 'cy@acme.test', name: 'Cy', lastActiveAt: null }
	]);
	await db.organizations.bulkPut([
		{ id: 'eng', name: 'Engineering' },
		{ id: 'ops', name: 'Operations' }
	]);
	await db.teamMembers.bulkPut(
		[
			['platform', 'ann'],
			['platform', 'bo'],
			['platform', 'cy'],
			['data', 'ann']
		].map(([teamID, userID]) => ({ key: `${teamID}:${userID}`, teamID: teamID!, userID: userID! }))
	);
	await db.teamOrgLinks.bulkPut([
		{ key: 'platform:eng', teamID: 'platform', orgID: 'eng', role: 'admin' },
		{ key: 'data:eng', teamID: 'data', orgID: 'eng', role: 'member' },
		{ key: 'platform:ops', teamID: 'platform', orgID: 'ops', role: 'member' }
	]);
	await db.orgMembers.put({ key: 'eng:cy', orgID: 'eng', userID: 'cy', role: 'member' });
	return db;
}

describe('who loses access when a team goes or is unlinked (R12)', () => {
	it('unlinking keeps members with another path: a direct membership or another linked team', async () => {
		const db = await mirror();
		const loss = await teamUnlinkLoss(db, 'platform', 'eng');
		expect(loss).toEqual({ org: 'Engineering', count: 1, emails: ['bo@acme.test'] });
		expect(describeLoss(loss)).toBe('Engineering: 1 person loses access (bo@acme.test).');
		expect(describeLoss(await teamUnlinkLoss(db, 'data', 'eng'))).toBe(
			'Engineering: nobody loses access (every member has another path).'
		);
	});

	it('deleting the team is the unlink from every organization it is linked to', async () => {
		const db = await mirror();
		expect(await teamDeletionLoss(db, 'platform')).toEqual([
			await teamUnlinkLoss(db, 'platform', 'eng'),
			await teamUnlinkLoss(db, 'platform', 'ops')
		]);
		const ops = await teamUnlinkLoss(db, 'platform', 'ops', 2);
		expect(describeLoss(ops)).toBe(
			'Operations: 3 people lose access (ann@acme.test, bo@acme.test and 1 more).'
		);
	});
});

describe('the mirror’s seats (R4), as the seat chart’s today shows them', () => {
	it('counts licensed users and unexpired invites against the seat count', async () => {
		const db = await mirror();
		expect(await mirrorSeatUsage(db)).toBeNull();
		await db.enterprise.put({ id: 'e', name: 'Acme', slug: 'acme', seats: 10 });
		const now = Date.now();
		await db.invites.bulkPut([
			{
				id: 'i1',
				email: 'x@acme.test',
				role: 'member',
				teamIDs: [],
				sentAt: now,
				expiresAt: now + DAY_MS
			},
			{
				id: 'i2',
				email: 'y@acme.test',
				role: 'member',
				teamIDs: [],
				sentAt: now - 40 * DAY_MS,
				expiresAt: now - DAY_MS
			}
		]);
		expect(await mirrorSeatUsage(db)).toEqual({
			purchased: 10,
			licensed: 3,
			pendingInvites: 1,
			used: 4,
			free: 6
		});
	});
});
