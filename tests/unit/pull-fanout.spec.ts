import { randomUUID } from 'node:crypto';
import type { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEnterprise } from '../../src/lib/server/seed';
import { push } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { createTestDb, dialects, type TestDb } from './support/databases';

// Every console pulls after each change (the server pokes them all). The unclaimed count of a
// domain reads every user on it, so the consoles pulling the same version must share one count,
// and a count must still follow every change (R15).

/** Whether a statement counts a domain's unclaimed users. */
const countsUnclaimed = (q: CompiledQuery) =>
	/count\(\*\)/i.test(q.sql) && /reverse\(lower\(users\.email\)\)/i.test(q.sql);

describe.each(dialects)('consoles pulling after one change (%s)', (dialect) => {
	let t: TestDb;
	let recording: CompiledQuery[] | null = null;
	let enterpriseID = '';
	let ownerID = '';
	let next = 1;
	const pusher = `fanout-pusher-${randomUUID()}`;

	beforeAll(async () => {
		t = await createTestDb(dialect, { onQuery: (q) => recording?.push(q) });
		({ enterpriseID } = await seedEnterprise(t.database, {
			name: 'Fanout Co',
			users: 60,
			unmanaged: 7,
			invites: 0,
			domains: ['fanout.test']
		}));
		ownerID = (
			await t.database.db
				.selectFrom('users')
				.select('id')
				.where('email', '=', 'owner@fanout.test')
				.executeTakeFirstOrThrow()
		).id;
	}, 60_000);
	afterAll(async () => {
		await t?.drop();
	});

	const pullFrom = (clientID: string, cookie: number) =>
		pull(t.database, {
			enterpriseID,
			clientID,
			userID: ownerID,
			cookie,
			licensesChunked: true,
			activity: 'delta'
		});

	/** Removes one licensed user's license through the sync API, as another console would. */
	async function removeALicense(): Promise<void> {
		const someone = await t.database.db
			.selectFrom('licenses')
			.innerJoin('users', 'users.id', 'licenses.user_id')
			.select('licenses.user_id')
			.where('licenses.enterprise_id', '=', enterpriseID)
			.where('users.email', 'like', '%@fanout.test')
			.where('licenses.user_id', '!=', ownerID)
			.orderBy('licenses.user_id')
			.executeTakeFirstOrThrow();
		const outcome = await push(
			t.database,
			{
				enterpriseID,
				clientGroupID: pusher,
				clientID: pusher,
				mutations: [
					{ id: next++, name: 'removeLicense', args: { userID: someone.user_id }, createdAt: 1 }
				]
			},
			{ userID: ownerID, role: 'owner' }
		);
		expect(outcome).toMatchObject({ ok: true, results: [{ status: 'applied' }] });
	}

	/** The unclaimed count of fanout.test in a pull's changes. */
	function unclaimed(changes: { table: string; value?: unknown }[]): number | undefined {
		const row = changes.find(
			(c) => c.table === 'domains' && (c.value as { domain: string }).domain === 'fanout.test'
		);
		return (
			(row?.value as { unclaimedCount: number | null } | undefined)?.unclaimedCount ?? undefined
		);
	}

	it('R15: five consoles at one cookie count the unclaimed users once between them, and each change moves the count', async () => {
		const consoles = await Promise.all(
			Array.from({ length: 5 }, async (_, i) => {
				const clientID = `fanout-${i}-${randomUUID()}`;
				return { clientID, cookie: (await pullFrom(clientID, 0)).cookie };
			})
		);
		const before = unclaimed((await pullFrom(`fresh-${randomUUID()}`, 0)).changes);
		expect(before).toBe(7);

		for (const expected of [8, 9]) {
			await removeALicense();
			recording = [];
			const answers = [];
			for (const c of consoles) {
				const answer = await pullFrom(c.clientID, c.cookie);
				c.cookie = answer.cookie;
				answers.push(answer);
			}
			const counts = recording.filter(countsUnclaimed).length;
			recording = null;
			// Every console is told the new count; the users were counted once for all of them.
			expect(answers.map((a) => unclaimed(a.changes))).toEqual([
				expected,
				expected,
				expected,
				expected,
				expected
			]);
			expect(counts).toBe(1);
			// A console that syncs afresh counts for itself, and agrees.
			expect(unclaimed((await pullFrom(`fresh-${randomUUID()}`, 0)).changes)).toBe(expected);
		}
	});
});
