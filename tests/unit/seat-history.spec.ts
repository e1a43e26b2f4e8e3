import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seatHistory } from '../../src/lib/server/seat-history.service';
import { DAY_MS } from '../../src/lib/domain/seats';
import { GET } from '../../src/routes/api/enterprises/[enterpriseID]/seat-history/+server';
import { setDb, type Db } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, invite, makeEmptyEnterprise, makeUser, tag } from './support/factories';

/** Noon UTC, so "end of day" points fall clearly before or after each event. */
const NOW = Date.UTC(2026, 5, 30, 12);
const dayOf = (offset: number) => new Date(NOW + offset * DAY_MS).toISOString().slice(0, 10);

async function licensedAt(database: Db, enterpriseID: string, at: number): Promise<string> {
	const user = await makeUser(database, { email: `seat.${tag()}@corp.test` });
	await database.db
		.insertInto('licenses')
		.values({ enterprise_id: enterpriseID, user_id: user.id, source: 'console', created_at: at })
		.execute();
	return user.id;
}

async function audit(
	database: Db,
	enterpriseID: string,
	action: string,
	at: number,
	before: unknown
) {
	await database.db
		.insertInto('audit_log')
		.values({
			enterprise_id: enterpriseID,
			at,
			actor_user_id: null,
			actor_kind: 'console',
			action,
			target: 'x',
			before: JSON.stringify(before),
			after: null,
			queued: 0
		})
		.execute();
}

describe.each(dialects)('seat usage over time (R4, R5, R7), on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string };

	beforeAll(async () => {
		t = await createTestDb(dialect);
		ent = await makeEmptyEnterprise(t.database, { seats: 20 });
		// Two licenses from long ago, one created 2 days ago, one today.
		await licensedAt(t.database, ent.id, NOW - 200 * DAY_MS);
		await licensedAt(t.database, ent.id, NOW - 100 * DAY_MS);
		await licensedAt(t.database, ent.id, NOW - 2 * DAY_MS);
		await licensedAt(t.database, ent.id, NOW - 1000);
		// R7: a license removed 3 days ago still counted before that.
		await audit(t.database, ent.id, 'removeLicense', NOW - 3 * DAY_MS, { licensed: true });
		// And one SCIM deprovisioned yesterday.
		await audit(t.database, ent.id, 'deprovisionLicense', NOW - DAY_MS, { licensed: true });
		// R5: an invite sent 4 days ago is pending from then on; one from 40 days ago expired 10 days ago.
		await invite(t.database, ent.id, { sentAt: NOW - 4 * DAY_MS });
		await invite(t.database, ent.id, { sentAt: NOW - 40 * DAY_MS });
		// The seat count was 12 until 5 days ago, then 20.
		await audit(t.database, ent.id, 'setSeatCount', NOW - 5 * DAY_MS, { seats: 12 });
		// Another enterprise's rows never count.
		const other = await makeEmptyEnterprise(t.database);
		await licensedAt(t.database, other.id, NOW - 2 * DAY_MS);
	});
	afterAll(() => t?.drop());

	it('one point per UTC day, oldest first, the last one being today', async () => {
		const points = await seatHistory(t.database, ent.id, 90, NOW);
		expect(points).toHaveLength(90);
		expect(points[0]!.date).toBe(dayOf(-89));
		expect(points.at(-1)!.date).toBe(dayOf(0));
	});

	it('R4: used = licensed + pending invites, rebuilt from licenses, removals, invites and seat changes', async () => {
		const points = await seatHistory(t.database, ent.id, 45, NOW);
		const at = (offset: number) => points.find((p) => p.date === dayOf(offset));
		// 45 days ago: 2 old licenses + the 2 removed since; the 40-day invite is not sent yet.
		expect(at(-44)).toEqual({
			date: dayOf(-44),
			licensed: 4,
			pendingInvites: 0,
			used: 4,
			purchased: 12
		});
		// 20 days ago: the 40-day-old invite is pending (it expires after 30 days).
		expect(at(-20)).toMatchObject({ licensed: 4, pendingInvites: 1, used: 5, purchased: 12 });
		// The seat count went from 12 to 20 on day -5 (noon), so its end already reads 20.
		expect(at(-6)).toMatchObject({ purchased: 12 });
		expect(at(-5)).toMatchObject({ purchased: 20 });
		// Day -4 ends before the removal of day -3; the invite sent that day is pending.
		expect(at(-4)).toMatchObject({ licensed: 4, pendingInvites: 1, used: 5 });
		// R7: from the removal on, that license no longer counts.
		expect(at(-3)).toMatchObject({ licensed: 3, pendingInvites: 1, used: 4, purchased: 20 });
		// 2 days ago: a new license.
		expect(at(-2)).toMatchObject({ licensed: 4, pendingInvites: 1, purchased: 20 });
		// Today: the SCIM removal happened, another license was created.
		expect(at(0)).toMatchObject({ licensed: 4, pendingInvites: 1, used: 5, purchased: 20 });
	});

	it('R2: GET /seat-history answers admins with the licenses area and refuses strangers', async () => {
		setDb(t.database);
		const owner = await makeUser(t.database, { email: `owner.${tag()}@corp.test` });
		await grantRole(t.database, ent.id, owner.id, 'billing');
		const stranger = await makeUser(t.database, { email: `stranger.${tag()}@corp.test` });
		const call = async (userID: string, query: string) => {
			const url = new URL(`http://localhost/api/enterprises/${ent.id}/seat-history${query}`);
			const res = await GET({
				url,
				params: { enterpriseID: ent.id },
				locals: { user: { id: userID } }
			} as never);
			return {
				status: res.status,
				body: (await res.json()) as { points?: unknown[]; days?: number }
			};
		};
		const ok = await call(owner.id, '?days=30');
		expect(ok.status).toBe(200);
		expect(ok.body.days).toBe(30);
		expect(ok.body.points).toHaveLength(30);
		expect((await call(owner.id, '?days=0')).status).toBe(400);
		expect((await call(stranger.id, '')).status).toBe(403);
	});
});
