import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import Dexie from 'dexie';
import { parseRfc4180 } from '../../../../tests/unit/support/rfc4180';
import { RosterDB, type RosterChunk } from '../db';
import { allLicenses } from '../roster';
import {
	activityReportCsv,
	REPORT_FILTERS,
	UTF8_BOM,
	type ReportOptions
} from '../../domain/activity-report';
import { DAY_MS } from '../../domain/seats';
import { generateActivityReport } from './activity-report-generator';

const NOW = Date.UTC(2025, 8, 1, 10, 30);
const opened: Dexie[] = [];
afterEach(async () => {
	for (const db of opened.splice(0)) {
		db.close();
		await Dexie.delete(db.name);
	}
});

/** The report as the file holds it, BOM included (Blob.text() would drop it). */
async function text(blob: Blob): Promise<string> {
	return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await blob.arrayBuffer());
}

const NAMES = [
	'Ada',
	'Lovelace, Ada',
	'Lovelace; Ada',
	'Say "hi"',
	'Multi\nline',
	'👩‍💻 Zoë',
	'مريم',
	'=1+1',
	'-x',
	'@y',
	'\tz',
	'\rw',
	''
];

/** A roster of `n` users in chunks of `size` under `gen`, seq with gaps as the sync writes them. */
function chunksOf(gen: number, n: number, size: number): RosterChunk[] {
	const out: RosterChunk[] = [];
	for (let start = 0, k = 0; start < n; start += size, k++) {
		const ids: string[] = [];
		const emails: string[] = [];
		const names: string[] = [];
		const lastActive = new Float64Array(Math.min(size, n - start));
		for (let i = start; i < start + lastActive.length; i++) {
			ids.push(`u${String(i).padStart(6, '0')}`);
			emails.push(i % 17 === 0 ? `=cmd${i}@acme.test` : `user${i}@acme.test`);
			names.push(`${NAMES[i % NAMES.length]} ${i}`);
			// Every day from today back to 130 days, some at the end of a day, and never.
			lastActive[i - start] =
				i % 11 === 0 ? Number.NaN : NOW - (i % 131) * DAY_MS + (i % 3) * 3_600_000;
		}
		// Seq of the second range starts far off (the sync loads ranges in parallel).
		out.push({ gen, seq: k < 2 ? k : 1_000_000 + k, ids, emails, names, lastActive });
	}
	return out;
}

async function mirror(n: number, size = 1000): Promise<RosterDB> {
	const db = new RosterDB(`report-${randomUUID()}`);
	opened.push(db);
	// A stale generation left over, which the report must not read.
	await db.rosterChunks.bulkPut([...chunksOf(1, 50, 25), ...chunksOf(2, n, size)]);
	await db.meta.bulkPut([
		{ key: 'rosterGen', value: 2 },
		{ key: 'rosterCount', value: n }
	]);
	return db;
}

async function expectSameAsReference(db: RosterDB, options: ReportOptions) {
	const progress: [number, number][] = [];
	const report = await generateActivityReport(db, options, (done, total) => {
		progress.push([done, total]);
	});
	const csv = await text(report.blob);
	const users = await allLicenses(db);
	// The streaming writer writes byte for byte what the reference (shared toCsv writer) writes.
	expect(csv).toBe(activityReportCsv(users, options));
	const rows = parseRfc4180(csv.slice(UTF8_BOM.length));
	const papa = Papa.parse<string[]>(csv, { newline: '\r\n', skipEmptyLines: true }).data;
	expect(papa).toEqual(rows);
	expect(rows[0]).toEqual(['email', 'name', 'last_active', 'status']);
	expect(report.rows).toBe(rows.length - 1);
	expect(report.blob.type).toBe('text/csv;charset=utf-8');
	const last = progress.at(-1)!;
	expect(last).toEqual([users.length, users.length]);
	return { rows, progress };
}

describe('generateActivityReport (R20, R21): the worker reads the mirror and writes the CSV', () => {
	it('lists every licensed user of the chunks, in order, as the rules say, for every filter', async () => {
		const db = await mirror(5_000);
		for (const { value } of REPORT_FILTERS) {
			const { rows } = await expectSameAsReference(db, { now: NOW, filter: value });
			if (value === 'all') expect(rows).toHaveLength(5_001);
		}
		// Thresholds are settings.
		await expectSameAsReference(db, {
			now: NOW,
			filter: 'inactive',
			activeDays: 30,
			naAfterDays: 45
		});
	});

	it('joins the changes on top: edited and added users in, removed users out', async () => {
		const db = await mirror(3_000);
		await db.licenses.bulkPut([
			{
				id: 'u000005',
				email: 'renamed@acme.test',
				name: 'Renamed, Now',
				lastActiveAt: NOW,
				inBase: true
			},
			{
				id: 'u000006',
				email: 'user6@acme.test',
				name: 'x',
				lastActiveAt: null,
				removed: true,
				inBase: true
			},
			{ id: 'new-1', email: 'new@acme.test', name: '+New "user"', lastActiveAt: null },
			{ id: 'new-2', email: 'gone@acme.test', name: 'gone', lastActiveAt: null, removed: true }
		]);
		const { rows } = await expectSameAsReference(db, { now: NOW, filter: 'all' });
		expect(rows).toHaveLength(1 + 3_000);
		expect(rows[1 + 5]).toEqual(['renamed@acme.test', 'Renamed, Now', '2025-09-01', 'active']);
		expect(rows.some((r) => r[0] === 'user6@acme.test')).toBe(false);
		expect(rows.at(-1)).toEqual(['new@acme.test', `'+New "user"`, 'N/A', 'inactive']);
	});

	it('reads a mirror from before the chunks (every user in licenses)', async () => {
		const db = new RosterDB(`report-${randomUUID()}`);
		opened.push(db);
		await db.licenses.bulkPut(
			Array.from({ length: 25_000 }, (_, i) => ({
				id: `p${i}`,
				email: `p${i}@acme.test`,
				name: NAMES[i % NAMES.length]!,
				lastActiveAt: i % 4 === 0 ? null : NOW - (i % 120) * DAY_MS
			}))
		);
		const { progress } = await expectSameAsReference(db, { now: NOW, filter: 'all' });
		expect(progress.length).toBeGreaterThan(2);
	});

	it('quotes a name holding ";", so Excel with a ";" separator keeps it in one cell', async () => {
		const db = await mirror(40);
		const csv = await text((await generateActivityReport(db, { now: NOW, filter: 'all' })).blob);
		expect(csv).toContain(',"Lovelace; Ada 2",');
		// Outside quotes no ";" is left for a spreadsheet (Excel in much of Europe) to split on.
		expect(csv.replace(/"(?:[^"]|"")*"/g, '')).not.toContain(';');
	});

	it('writes just the header for an empty mirror', async () => {
		const db = new RosterDB(`report-${randomUUID()}`);
		opened.push(db);
		const report = await generateActivityReport(db, { now: NOW, filter: 'all' });
		expect(await text(report.blob)).toBe(`${UTF8_BOM}email,name,last_active,status\r\n`);
	});

	it('reports progress chunk by chunk and stops between chunks when cancelled', async () => {
		const db = await mirror(10_000);
		const cancel = new AbortController();
		const seen: number[] = [];
		const run = generateActivityReport(
			db,
			{ now: NOW, filter: 'all' },
			(done) => {
				seen.push(done);
				if (done >= 3_000) cancel.abort();
			},
			cancel.signal
		);
		await expect(run).rejects.toMatchObject({ name: 'AbortError' });
		expect(seen).toEqual([0, 1_000, 2_000, 3_000]);
	});
});
