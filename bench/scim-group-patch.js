#!/usr/bin/env node
// SCIM group membership PATCH on a 10,000-member group (target: ≤ 1 s for 500 members added or
// removed): the server's PATCH handler (token check, row inserts/deletes with tombstones, version
// bump, request log) against a naive baseline that loads the whole group and rewrites all of its
// membership rows, measured in the same process on the same SQLite database.
//
//   node bench/scim-group-patch.js        BENCH_MEMBERS=10000 BENCH_CHANGE=500 BENCH_ROUNDS=5
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const here = import.meta.url;
const { openDb, migrate } = await tsImport('../src/lib/server/db/index.ts', here);
const { seedEnterprise } = await tsImport('../src/lib/server/seed.ts', here);
const { scimEndpoint } = await tsImport('../src/lib/server/scim/endpoint.ts', here);
const { createGroup, patchGroup } = await tsImport(
	'../src/lib/server/scim/groups.service.ts',
	here
);

const TARGET_MS = 1000;
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10_000);
const CHANGE = Number(process.env.BENCH_CHANGE ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TOKEN = `bench-${randomUUID()}`;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const dir = mkdtempSync(join(tmpdir(), 'roster-bench-scim-'));
const database = openDb({ file: join(dir, 'roster.db') });
await migrate(database);
// The handlers open the process database from the environment (each tsImport is its own module
// graph): point it at the same SQLite file.
process.env.DATA_DIR = dir;
delete process.env.DATABASE_URL;
const seeded = await seedEnterprise(database, {
	name: 'SCIM Bench',
	users: MEMBERS + CHANGE,
	seats: MEMBERS + CHANGE + 100,
	invites: 0,
	domains: ['scim-bench.test'],
	scimToken: TOKEN
});
const enterpriseID = seeded.enterpriseID;
const users = (
	await database.db
		.selectFrom('licenses')
		.select('user_id')
		.where('enterprise_id', '=', enterpriseID)
		.orderBy('user_id')
		.execute()
).map((r) => r.user_id);
const members = users.slice(0, MEMBERS);
const extra = users.slice(MEMBERS, MEMBERS + CHANGE);

/** Calls a SCIM handler as its route does: a real Request through the auth/log wrapper. */
async function call(handler, method, id, body) {
	const url = new URL(`http://localhost/scim/v2/Groups${id ? `/${id}` : ''}`);
	const request = new Request(url, {
		method,
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
		body: JSON.stringify(body)
	});
	const res = await scimEndpoint(handler)({ request, url, params: { id } });
	if (res.status >= 300) throw new Error(`${method} answered ${res.status}: ${await res.text()}`);
	return res;
}

const created = await call(
	async (ctx) => createGroup(ctx, await ctx.request.json()),
	'POST',
	undefined,
	{ displayName: 'Everyone', members: members.map((value) => ({ value })) }
);
const groupID = (await created.json()).id;
const patch = (ops) =>
	call(async (ctx) => patchGroup(ctx, groupID, await ctx.request.json()), 'PATCH', groupID, {
		schemas: [PATCH_OP],
		Operations: ops
	});
const addOps = [{ op: 'add', path: 'members', value: extra.map((value) => ({ value })) }];
const removeOps = [{ op: 'remove', path: 'members', value: extra.map((value) => ({ value })) }];

/** The naive way: load the whole group, compute the new list, delete and re-insert every row. */
async function naive(change) {
	await database.db.transaction().execute(async (trx) => {
		const e = await trx
			.selectFrom('enterprises')
			.select('version')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow();
		const version = Number(e.version) + 1;
		const current = (
			await trx
				.selectFrom('team_members')
				.select('user_id')
				.where('team_id', '=', groupID)
				.execute()
		).map((r) => r.user_id);
		const next =
			change === 'add'
				? [...new Set([...current, ...extra])]
				: current.filter((id) => !extra.includes(id));
		for (const id of current) {
			await trx
				.insertInto('tombstones')
				.values({
					enterprise_id: enterpriseID,
					table_name: 'teamMembers',
					row_key: `${groupID}:${id}`,
					version
				})
				.execute();
		}
		await trx.deleteFrom('team_members').where('team_id', '=', groupID).execute();
		for (let i = 0; i < next.length; i += 500) {
			await trx
				.insertInto('team_members')
				.values(
					next.slice(i, i + 500).map((user_id) => ({
						team_id: groupID,
						user_id,
						enterprise_id: enterpriseID,
						version
					}))
				)
				.execute();
		}
		await trx.updateTable('enterprises').set({ version }).where('id', '=', enterpriseID).execute();
	});
}

async function time(fn) {
	const started = performance.now();
	await fn();
	return performance.now() - started;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = { add: [], remove: [] };
const base = { add: [], remove: [] };
for (let round = 0; round < ROUNDS; round++) {
	ours.add.push(await time(() => patch(addOps)));
	ours.remove.push(await time(() => patch(removeOps)));
	base.add.push(await time(() => naive('add')));
	base.remove.push(await time(() => naive('remove')));
}
const count = await database.db
	.selectFrom('team_members')
	.select((eb) => eb.fn.countAll().as('n'))
	.where('team_id', '=', groupID)
	.executeTakeFirstOrThrow();
if (Number(count.n) !== MEMBERS)
	throw new Error(`group ended with ${count.n} members, not ${MEMBERS}`);

const fmt = (ms) => `${ms.toFixed(1)} ms`;
for (const kind of ['add', 'remove']) {
	const o = median(ours[kind]);
	const b = median(base[kind]);
	console.log(
		`PATCH ${kind} ${CHANGE} members, group of ${MEMBERS.toLocaleString('en-US')}: ${fmt(o)} (median of ${ROUNDS}); ` +
			`naive load-and-rewrite ${fmt(b)}; ${(b / o).toFixed(1)}× faster; target ≤ ${TARGET_MS} ms ${o <= TARGET_MS ? 'met' : 'MISSED'}`
	);
}
await database.close();
rmSync(dir, { recursive: true, force: true });
const worst = Math.max(median(ours.add), median(ours.remove));
process.exit(worst <= TARGET_MS ? 0 : 1);
