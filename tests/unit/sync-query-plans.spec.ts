import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEnterprise } from '../../src/lib/server/seed';
import { push } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { rosterPage, ROSTER_PAGE } from '../../src/lib/server/sync/roster';
import { createTestDb, dialects, type TestDb } from './support/databases';

// Tables that hold every enterprise's rows: a pull or a roster page that reads one of them must
// find its enterprise's rows through an index, never by reading the whole table. On a server with
// a million licensed users, one full scan per pull, times twenty consoles pulling after one change,
// is seconds of a blocked server.
const SHARED_TABLES = new Set([
	'licenses',
	'users',
	'activity_summary',
	'invites',
	'teams',
	'team_members',
	'organizations',
	'org_members',
	'team_org_links',
	'domains',
	'account_roles',
	'storage_policies',
	'tombstones',
	'sync_clients',
	'mutation_rejections',
	'enterprises'
]);

/** The full scans of shared tables in one statement's plan, as readable lines. */
async function fullScans(t: TestDb, query: CompiledQuery): Promise<string[]> {
	const { db } = t.database;
	if (t.dialect === 'sqlite') {
		const plan = await db.executeQuery<{ detail: string }>(
			CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters])
		);
		// "SCAN t" reads every row of t (with "USING INDEX", every entry of an index);
		// "SEARCH t USING INDEX …" reads only the matching ones.
		return plan.rows
			.map((r) => r.detail)
			.filter((d) => {
				const scanned = /^SCAN (\w+)/.exec(d)?.[1];
				return scanned !== undefined && SHARED_TABLES.has(scanned);
			});
	}
	return db.transaction().execute(async (trx) => {
		// Test tables are small, and PostgreSQL rightly reads a small table whole: take sequential
		// scans off the table, so the plan shows whether an index can find the enterprise's rows.
		// Joins by nested loop only, so the plan shows that each table is reached through an index.
		await sql`set local enable_seqscan = off`.execute(trx);
		await sql`set local enable_hashjoin = off`.execute(trx);
		await sql`set local enable_mergejoin = off`.execute(trx);
		const res = await trx.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
			CompiledQuery.raw(`explain (format json) ${query.sql}`, [...query.parameters])
		);
		const found: string[] = [];
		const walk = (node: PlanNode) => {
			const table = node['Relation Name'];
			if (table && SHARED_TABLES.has(table)) {
				const type = node['Node Type'];
				if (type === 'Seq Scan') found.push(`Seq Scan on ${table}`);
				// An index read from end to end, its condition only a filter, is a full scan too.
				if ((type === 'Index Scan' || type === 'Index Only Scan') && !node['Index Cond']) {
					found.push(`${type} on ${table} without an index condition`);
				}
			}
			for (const child of node.Plans ?? []) walk(child);
		};
		walk(res.rows[0]!['QUERY PLAN'][0].Plan);
		return found;
	});
}

interface PlanNode {
	'Node Type': string;
	'Relation Name'?: string;
	'Index Cond'?: string;
	Plans?: PlanNode[];
}

describe.each(dialects)('the queries of pulls and roster pages, on %s', (dialect) => {
	let t: TestDb;
	let recording: CompiledQuery[] | null = null;
	let enterpriseID: string;
	let ownerID: string;

	beforeAll(async () => {
		t = await createTestDb(dialect, { onQuery: (q) => recording?.push(q) });
		// Two enterprises of some size, so every shared table holds another enterprise's rows.
		for (const name of ['Plans Co', 'Other Co']) {
			const seeded = await seedEnterprise(t.database, {
				name,
				users: 400,
				seats: 500,
				invites: 5,
				domains: [`${name.split(' ')[0]!.toLowerCase()}.test`],
				orgs: ['Engineering', 'Sales'],
				teams: [
					{ name: 'Platform', links: [{ org: 0, role: 'admin' }] },
					{ name: 'Field', links: [{ org: 1, role: 'member' }] }
				]
			});
			enterpriseID ??= seeded.enterpriseID;
		}
		ownerID = (
			await t.database.db
				.selectFrom('users')
				.select('id')
				.where('email', '=', 'owner@plans.test')
				.executeTakeFirstOrThrow()
		).id;
		// No statistics: SQLite then plans as for tables of any size, not for these small ones.
		if (dialect === 'postgres') await sql`analyze`.execute(t.database.db);
	}, 60_000);
	afterAll(async () => {
		await t?.drop();
	});

	/** Every statement `work` runs against the database. */
	async function statementsOf(work: () => Promise<unknown>): Promise<CompiledQuery[]> {
		recording = [];
		try {
			await work();
			return recording;
		} finally {
			recording = null;
		}
	}

	async function expectNoFullScan(statements: CompiledQuery[]): Promise<void> {
		const reads = statements.filter((q) => /^\s*(select|with)\b/i.test(q.sql));
		expect(reads.length).toBeGreaterThan(0);
		const problems: string[] = [];
		for (const q of reads) {
			for (const scan of await fullScans(t, q)) problems.push(`${scan}\n    in: ${q.sql}`);
		}
		expect(problems).toEqual([]);
	}

	it('a full pull, the roster pages, and the pulls after one change find their rows through indexes', async () => {
		const clientID = `plans-${randomUUID()}`;
		let cookie = 0;
		const full = await statementsOf(async () => {
			({ cookie } = await pull(t.database, {
				enterpriseID,
				clientID,
				userID: ownerID,
				cookie: 0,
				licensesChunked: true,
				activity: 'delta'
			}));
		});
		const roster = await statementsOf(async () => {
			const first = await rosterPage(t.database, { enterpriseID, after: '', limit: 100 });
			await rosterPage(t.database, {
				enterpriseID,
				after: first.next!,
				through: 'b',
				limit: ROSTER_PAGE
			});
		});

		// One change: a license removed (a tombstone) and a team renamed.
		const team = await t.database.db
			.selectFrom('teams')
			.select('id')
			.where('enterprise_id', '=', enterpriseID)
			.executeTakeFirstOrThrow();
		const someone = await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', enterpriseID)
			.where('user_id', '!=', ownerID)
			.executeTakeFirstOrThrow();
		const pushed = await push(
			t.database,
			{
				enterpriseID,
				clientGroupID: clientID,
				clientID,
				mutations: [
					{ id: 1, name: 'removeLicense', args: { userID: someone.user_id }, createdAt: 0 },
					{
						id: 2,
						name: 'renameTeam',
						args: { teamID: team.id, name: 'Platform Core' },
						createdAt: 0
					}
				]
			},
			{ userID: ownerID, role: 'owner' }
		);
		expect(pushed).toMatchObject({
			ok: true,
			results: [{ status: 'applied' }, { status: 'applied' }]
		});
		const incremental = await statementsOf(async () => {
			// A console of this version (Last Active as a delta) and an older one (whole rows).
			const patch = await pull(t.database, {
				enterpriseID,
				clientID,
				userID: ownerID,
				cookie,
				activity: 'delta'
			});
			expect(patch.lastMutationID).toBe(2);
			await pull(t.database, { enterpriseID, clientID, userID: ownerID, cookie });
		});

		await expectNoFullScan(full);
		await expectNoFullScan(roster);
		await expectNoFullScan(incremental);
	});
});
