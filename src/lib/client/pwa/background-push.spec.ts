import { describe, expect, it } from 'vitest';
import { mirrorName } from '../db';
import { parseMirrorName } from './background-push';

describe('parseMirrorName', () => {
	it('reads back the admin and enterprise of a mirror database', () => {
		const userID = crypto.randomUUID();
		const enterpriseID = crypto.randomUUID();
		expect(parseMirrorName(mirrorName(userID, enterpriseID))).toEqual({ userID, enterpriseID });
	});

	it("ignores databases that are not Roster's mirrors", () => {
		for (const name of ['workbox-expiration', 'roster', 'roster:u', 'roster:u:e:x', 'other:u:e']) {
			expect(parseMirrorName(name), name).toBeNull();
		}
	});
});
