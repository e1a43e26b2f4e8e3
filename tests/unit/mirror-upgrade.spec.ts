import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import Dexie from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { RosterDB } from '../../src/lib/client/db';

const opened: Dexie[] = [];
afterEach(async () => {
	for (const db of opened.splice(0)) {
		db.close();
		await Dexie.delete(db.name);
	}
});

/** The mirror's schema as released at Dexie version 6 (before license numbers). */
function mirrorAtVersion6(name: string): Dexie {
	const db = new Dexie(name);
	db.version(1).stores({
		enterprise: 'id',
		teams: 'id, name',
		teamMembers: 'key, teamID, userID',
		licenses: 'id, email, lastActiveAt',
		invites: 'id, email',
		outbox: 'mutationID',
		rejections: 'mutationID',
		meta: 'key',
		organizations: 'id, name',
		teamOrgLinks: 'key, teamID, orgID'
	});
	db.version(2).stores({ rosterChunks: '[gen+seq], gen' });
	db.version(3).stores({ orgMembers: 'key, orgID, userID' });
	db.version(4).stores({ domains: 'id, domain' });
	db.version(5).stores({ storagePolicies: 'key' });
	db.version(6).stores({ admins: 'email, userID' });
	return db;
}

describe('the mirror upgrade from Dexie version 6 to 7 (license numbers for Last Active sync)', () => {
	it('keeps every queued outbox change and rejection, and pages the roster again (cookie and chunk version dropped)', async () => {
		const name = `mirror-upgrade-${randomUUID()}`;
		const old = mirrorAtVersion6(name);
		const queued = [
			{ mutationID: 1, name: 'createTeam', args: { teamID: 't1', name: 'Ops' }, createdAt: 1 },
			{
				mutationID: 2,
				name: 'removeLicense',
				args: { userID: 'u2' },
				createdAt: 2,
				offline: true
			}
		];
		const rejected = {
			mutationID: 0,
			name: 'addLicense',
			args: { email: 'x@acme.test' },
			code: 'NO_SEATS',
			message: 'no seats left',
			at: 3
		};
		await old.table('outbox').bulkAdd(queued);
		await old.table('rejections').add(rejected);
		await old.table('licenses').add({
			id: 'u1',
			email: 'u1@acme.test',
			name: 'U One',
			lastActiveAt: null
		});
		await old.table('meta').bulkPut([
			{ key: 'cookie', value: 42 },
			{ key: 'rosterCookie', value: 40 },
			{ key: 'rosterGen', value: 3 }
		]);
		old.close();

		const db = new RosterDB(name);
		opened.push(db);
		await db.open();
		expect(db.verno).toBe(7);
		expect(await db.outbox.orderBy('mutationID').toArray()).toEqual(queued);
		expect(await db.rejections.toArray()).toEqual([rejected]);
		// The next pull is a full one and the roster is paged again, so the numbers arrive.
		expect(await db.meta.get('cookie')).toBeUndefined();
		expect(await db.meta.get('rosterCookie')).toBeUndefined();
		// Rows on top of the roster stay, and licenses are found by number from now on.
		expect(await db.licenses.get('u1')).toMatchObject({ email: 'u1@acme.test' });
		await db.licenses.put({
			id: 'u3',
			email: 'u3@acme.test',
			name: 'U3',
			lastActiveAt: null,
			seq: 9
		});
		expect((await db.licenses.where('seq').equals(9).first())?.id).toBe('u3');
	});
});
