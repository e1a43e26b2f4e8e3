import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ActivityWriter } from '../../src/lib/server/activity.service';
import { allLicenses, licenseColumns } from '../../src/lib/client/roster';
import { generateActivityReport } from '../../src/lib/client/report/activity-report-generator';
import { utcDate } from '../../src/lib/domain/activity';
import { Device } from './support/devices';
import { FaultyNetwork } from './support/faulty-transport';
import { Prng } from './support/prng';
import { openServer, type TestServer } from './support/server';

let server: TestServer;
let net: FaultyNetwork;
const devices: Device[] = [];

async function device(name: string): Promise<Device> {
	const d = await Device.open({
		name,
		clientID: `${name}-${devices.length}`,
		enterpriseID: server.enterpriseID,
		userID: server.owner.userID,
		transport: net.transport(name)
	});
	devices.push(d);
	return d;
}

// The clock is set, at midday UTC, so "today" is the same day for the event, the mirror and the
// report whenever the suite runs (near midnight they could otherwise be two days). Only Date is
// faked; timers run for real.
const NOW = Date.UTC(2026, 2, 10, 12);

beforeEach(async () => {
	vi.useFakeTimers({ toFake: ['Date'] });
	vi.setSystemTime(NOW);
	// 30 users over several roster pages, so the change lands in one chunk among others.
	server = await openServer({ users: 30, seats: 40 });
	net = new FaultyNetwork({
		database: server.database,
		enterpriseID: server.enterpriseID,
		pusher: server.owner,
		rng: new Prng(3),
		pushFaults: { none: 1 },
		pullFaults: { none: 1 }
	});
});

afterEach(async () => {
	for (const d of devices.splice(0)) await d.close();
	await server.close();
	vi.useRealTimers();
});

async function emailOf(userID: string): Promise<string> {
	const row = await server.database.db
		.selectFrom('users')
		.select('email')
		.where('id', '=', userID)
		.executeTakeFirstOrThrow();
	return row.email;
}

describe('Last Active reaches a console that has synced already (R19, R20)', () => {
	it('the mirror, its columns and the report show the date of an event ingested after the sync', async () => {
		const a = await device('a');
		await a.sync();
		const userID = server.licensedUserIDs[7]!;
		const email = await emailOf(userID);
		const today = utcDate(NOW);

		await new ActivityWriter(server.database, { lingerMs: 1 }).submit([{ email, at: NOW }]);
		await a.sync();

		// It came as the compact delta (the engine asks for it): the roster chunk holding the user was
		// rewritten, and no whole license row was added on top of it.
		expect(await a.db.licenses.get(userID)).toBeUndefined();
		const mine = (await allLicenses(a.db)).find((l) => l.id === userID)!;
		expect(utcDate(mine.lastActiveAt!)).toBe(today);
		const columns = await licenseColumns(a.db);
		expect(utcDate(columns.lastActive[columns.ids.indexOf(userID)]!)).toBe(today);
		const report = await generateActivityReport(a.db, { now: NOW, filter: 'all' });
		const line = (await report.blob.text()).split('\r\n').find((l) => l.startsWith(email));
		expect(line).toMatch(new RegExp(`,${today},active$`));
		// Every other user is as the server has them: the mirror converges.
		const fresh = await device('fresh');
		await fresh.sync();
		const day = (t: number | null) => (t === null ? null : utcDate(t));
		const byID = (rows: { id: string; lastActiveAt: number | null }[]) =>
			Object.fromEntries(rows.map((r) => [r.id, day(r.lastActiveAt)]));
		expect(byID(await allLicenses(a.db))).toEqual(byID(await allLicenses(fresh.db)));
	});

	it('a pull that brings nothing new leaves the roster chunks alone', async () => {
		const a = await device('a');
		await a.sync();
		const before = await a.db.rosterChunks.toArray();
		await a.sync();
		expect(await a.db.rosterChunks.toArray()).toEqual(before);
	});
});
