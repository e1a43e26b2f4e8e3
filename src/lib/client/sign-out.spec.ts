import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RosterDB, mirrorName } from './db';
import { pendingSignOut, queuedChangesOf, recordSignOut, settleSignOut } from './sign-out';

/** A fetch that answers the sign-out request like the server, counting the sessions it ended. */
function server(answer: 'ok' | 'offline' | 'error') {
	const calls: unknown[] = [];
	const fetcher = (async (_url: string, init?: RequestInit) => {
		calls.push(JSON.parse(String(init?.body)));
		if (answer === 'offline') throw new TypeError('Failed to fetch');
		return new Response('{}', { status: answer === 'ok' ? 200 : 503 });
	}) as typeof fetch;
	return { fetcher, calls };
}

async function mirrorWithQueue(userID: string, queued: number): Promise<string> {
	const name = mirrorName(userID, randomUUID());
	const db = new RosterDB(name);
	for (let i = 1; i <= queued; i++) {
		await db.outbox.add({ mutationID: i, name: 'createTeam', args: {}, createdAt: 0 });
	}
	db.close();
	return name;
}

async function names(): Promise<string[]> {
	return (await indexedDB.databases()).map((d) => d.name ?? '');
}

describe('a sign-out recorded on the device', () => {
	it('stays pending while the server cannot be reached, and ends once it answers', async () => {
		const userID = randomUUID();
		await recordSignOut({ userID, at: 1, removeData: false });

		const offline = server('offline');
		expect(await settleSignOut(offline.fetcher)).toBe(false);
		expect(await pendingSignOut()).toMatchObject({ userID });
		const failing = server('error');
		expect(await settleSignOut(failing.fetcher)).toBe(false);
		expect(await pendingSignOut()).toMatchObject({ userID });

		const online = server('ok');
		expect(await settleSignOut(online.fetcher)).toBe(true);
		// The server is told whose session to end, so someone who signed in since stays signed in.
		expect(online.calls).toEqual([{ userID }]);
		expect(await pendingSignOut()).toBeNull();
		// Nothing pending: nothing is sent.
		const later = server('ok');
		expect(await settleSignOut(later.fetcher)).toBe(true);
		expect(later.calls).toEqual([]);
	});

	it("removes the admin's mirrors at once, offline too, and leaves other admins' mirrors", async () => {
		const userID = randomUUID();
		const other = randomUUID();
		const mine = [await mirrorWithQueue(userID, 2), await mirrorWithQueue(userID, 1)];
		const theirs = await mirrorWithQueue(other, 1);
		expect(await queuedChangesOf(userID)).toBe(3);

		await recordSignOut({ userID, at: 1, removeData: true });
		expect(await settleSignOut(server('offline').fetcher)).toBe(false);
		const left = await names();
		for (const name of mine) expect(left).not.toContain(name);
		expect(left).toContain(theirs);
		expect(await queuedChangesOf(userID)).toBe(0);
		expect(await queuedChangesOf(other)).toBe(1);
		// Still signing out: the session ends once the server answers.
		expect(await pendingSignOut()).toMatchObject({ userID, removeData: false });
		expect(await settleSignOut(server('ok').fetcher)).toBe(true);
		expect(await pendingSignOut()).toBeNull();
	});
});
