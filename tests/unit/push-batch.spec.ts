import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../src/lib/server/db';
import { seedEnterprise } from '../../src/lib/server/seed';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { PUSH_PHASES, type PushPhase } from '../../src/lib/server/sync/phases';
import { onPoke, startPokeRelay } from '../../src/lib/server/sync/poke';
import type { PushBody } from '../../src/lib/domain/sync/protocol';

// A pushed batch runs in one transaction: its mutations without savepoints while nothing needs
// undoing, its audit and rejection rows written once, the teams and organizations it names read
// ahead. These specs pin what ARCHITECTURE.md's per-mutation semantics promise through all that.

interface Harness {
	name: 'sqlite' | 'postgres';
	/** Opens the harness's database (again: another app instance on the same database). */
	open(): Db;
	create(): Promise<void>;
	drop(): Promise<void>;
}

function sqlite(): Harness {
	const file = join(mkdtempSync(join(tmpdir(), 'roster-push-batch-')), 'roster.db');
	return {
		name: 'sqlite',
		open: () => openDb({ file }),
		create: async () => {},
		drop: async () => {}
	};
}

function postgres(url: string): Harness {
	const name = `roster_push_batch_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
	const admin = async (statement: string) => {
		const c = new pg.Client({ connectionString: url });
		await c.connect();
		try {
			await c.query(statement);
		} finally {
			await c.end();
		}
	};
	const u = new URL(url);
	u.pathname = `/${name}`;
	return {
		name: 'postgres',
		open: () => openDb({ url: u.toString() }),
		create: () => admin(`create database ${name}`),
		drop: () => admin(`drop database if exists ${name} with (force)`)
	};
}

const harnesses = [
	sqlite(),
	...(process.env.TEST_DATABASE_URL ? [postgres(process.env.TEST_DATABASE_URL)] : [])
];

describe.each(harnesses)('a pushed batch on $name', (h) => {
	let database: Db;
	let enterpriseID: string;
	let owner: Pusher;

	beforeAll(async () => {
		await h.create();
		database = h.open();
		await migrate(database);
		const seeded = await seedEnterprise(database, {
			name: 'Batch Co',
			users: 20,
			seats: 25,
			invites: 0,
			domains: ['batch.test']
		});
		enterpriseID = seeded.enterpriseID;
		const row = await database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', seeded.owner)
			.executeTakeFirstOrThrow();
		owner = { userID: row.id, role: 'owner' };
	});

	afterAll(async () => {
		await database?.close();
		await h.drop();
	});

	type Step = { name: string; args: Record<string, unknown> };
	const body = (clientID: string, steps: Step[], from = 1): PushBody => ({
		enterpriseID,
		clientGroupID: 'g',
		clientID,
		mutations: steps.map((s, i) => ({ id: from + i, ...s, createdAt: Date.now() }))
	});

	async function state(clientID: string) {
		const [client, version, audits, rejections] = await Promise.all([
			database.db
				.selectFrom('sync_clients')
				.select('last_mutation_id')
				.where('client_id', '=', clientID)
				.executeTakeFirst(),
			database.db
				.selectFrom('enterprises')
				.select('version')
				.where('id', '=', enterpriseID)
				.executeTakeFirstOrThrow(),
			database.db
				.selectFrom('audit_log')
				.select(['action', 'target'])
				.where('enterprise_id', '=', enterpriseID)
				.orderBy('id')
				.execute(),
			database.db
				.selectFrom('sync_results')
				.select(['mutation_id', 'code'])
				.where('client_id', '=', clientID)
				.orderBy('mutation_id')
				.execute()
		]);
		return {
			lastMutationID: Number(client?.last_mutation_id ?? 0),
			version: Number(version.version),
			audits,
			rejections: rejections.map((r) => ({ id: Number(r.mutation_id), code: r.code }))
		};
	}

	async function teamNames(ids: string[]) {
		const rows = await database.db
			.selectFrom('teams')
			.select(['id', 'name'])
			.where('id', 'in', ids)
			.execute();
		return ids.map((id) => rows.find((r) => r.id === id)?.name ?? null);
	}

	it('a rejection in the middle of a batch: the others apply, it is recorded, only what applied is audited', async () => {
		const clientID = `middle-${randomUUID()}`;
		const before = await state(clientID);
		const [a, b, c, d, e] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
		const out = await push(
			database,
			body(clientID, [
				{ name: 'createTeam', args: { teamID: a, name: 'Alpha' } },
				// R26: names are unique in the enterprise, whatever their case.
				{ name: 'createTeam', args: { teamID: b, name: 'ALPHA' } },
				{ name: 'renameTeam', args: { teamID: a, name: 'Alpha Two' } },
				// The rename freed the name within the same batch; the new one is now taken.
				{ name: 'createTeam', args: { teamID: c, name: 'alpha' } },
				{ name: 'createTeam', args: { teamID: d, name: 'Alpha two' } },
				{ name: 'deleteTeam', args: { teamID: c } },
				{ name: 'createTeam', args: { teamID: e, name: 'Alpha' } }
			]),
			owner
		);
		expect(out.ok && out.results.map((r) => r.code ?? r.status)).toEqual([
			'applied',
			'ALREADY_EXISTS',
			'applied',
			'applied',
			'ALREADY_EXISTS',
			'applied',
			'applied'
		]);
		expect(await teamNames([a, b, c, d, e])).toEqual(['Alpha Two', null, null, null, 'Alpha']);
		const after = await state(clientID);
		expect(after.lastMutationID).toBe(7);
		// Each applied mutation carries a version of its own.
		expect(after.version).toBe(before.version + 5);
		expect(after.rejections).toEqual([
			{ id: 2, code: 'ALREADY_EXISTS' },
			{ id: 5, code: 'ALREADY_EXISTS' }
		]);
		expect(after.audits.slice(before.audits.length)).toEqual([
			{ action: 'createTeam', target: 'Alpha' },
			{ action: 'renameTeam', target: 'Alpha' },
			{ action: 'createTeam', target: 'alpha' },
			{ action: 'deleteTeam', target: 'alpha' },
			{ action: 'createTeam', target: 'Alpha' }
		]);
	});

	it('a change carrying a key its mutation does not have, holding 40,000 ids, applies as before instead of failing the batch on every retry', async () => {
		const clientID = `extra-${randomUUID()}`;
		const team = randomUUID();
		const out = await push(
			database,
			body(clientID, [
				{
					name: 'createTeam',
					args: {
						teamID: team,
						name: `Extra ${team.slice(0, 6)}`,
						teamIDs: Array.from({ length: 40_000 }, () => randomUUID())
					}
				},
				{ name: 'renameTeam', args: { teamID: team, name: `Extra ${team.slice(0, 6)} B` } }
			]),
			owner
		);
		expect(out.ok && out.results.map((r) => r.status)).toEqual(['applied', 'applied']);
		expect(await teamNames([team])).toEqual([`Extra ${team.slice(0, 6)} B`]);
		expect((await state(clientID)).lastMutationID).toBe(2);
	});

	it('R26: two teams swap names in one batch: each rename applies in order, as if pushed one by one', async () => {
		const clientID = `swap-${randomUUID()}`;
		const [a, b] = [randomUUID(), randomUUID()];
		const created = await push(
			database,
			body(clientID, [
				{ name: 'createTeam', args: { teamID: a, name: 'Pears' } },
				{ name: 'createTeam', args: { teamID: b, name: 'Quinces' } }
			]),
			owner
		);
		expect(created.ok && created.results.map((r) => r.status)).toEqual(['applied', 'applied']);
		const before = await state(clientID);
		const phases = new Set<PushPhase>();
		const out = await push(
			database,
			body(
				clientID,
				[
					{ name: 'renameTeam', args: { teamID: a, name: 'Spare' } },
					{ name: 'renameTeam', args: { teamID: b, name: 'Pears' } },
					{ name: 'renameTeam', args: { teamID: a, name: 'Quinces' } }
				],
				3
			),
			owner,
			undefined,
			(phase) => phases.add(phase)
		);
		expect(out.ok && out.results.map((r) => r.status)).toEqual(Array(3).fill('applied'));
		expect(await teamNames([a, b])).toEqual(['Quinces', 'Pears']);
		// Written together, the final names collide with the names still stored: the batch ran again
		// with a savepoint per mutation.
		expect(phases.has('savepoint')).toBe(true);
		const after = await state(clientID);
		expect(after.lastMutationID).toBe(5);
		expect(after.version).toBe(before.version + 3);
		expect(after.audits.slice(before.audits.length)).toEqual([
			{ action: 'renameTeam', target: 'Pears' },
			{ action: 'renameTeam', target: 'Quinces' },
			{ action: 'renameTeam', target: 'Spare' }
		]);
	});

	it('a mutation that fails after it wrote is undone alone; the batch around it applies', async () => {
		const clientID = `undone-${randomUUID()}`;
		const doomed = randomUUID();
		const created = await push(
			database,
			body(clientID, [{ name: 'createTeam', args: { teamID: doomed, name: 'Undeletable' } }]),
			owner
		);
		expect(created.ok && created.results[0]?.status).toBe('applied');
		// Deleting the team writes (the team row goes), then its tombstone is refused.
		if (h.name === 'postgres') {
			await sql`create function refuse_team_tombstones() returns trigger language plpgsql as $$
				begin
					if new.table_name = 'teams' and new.row_key = ${sql.lit(doomed)} then
						raise exception 'refused by the test' using errcode = '22021';
					end if;
					return new;
				end $$`.execute(database.db);
			await sql`create trigger refuse_team_tombstones before insert on tombstones for each row execute function refuse_team_tombstones()`.execute(
				database.db
			);
		} else {
			await sql`create trigger refuse_team_tombstones before insert on tombstones
				when new.table_name = 'teams' and new.row_key = ${sql.lit(doomed)}
				begin select raise(abort, 'refused by the test'); end`.execute(database.db);
		}
		try {
			const before = await state(clientID);
			const [x, y] = [randomUUID(), randomUUID()];
			const out = await push(
				database,
				body(
					clientID,
					[
						{ name: 'createTeam', args: { teamID: x, name: 'Before the failure' } },
						{ name: 'deleteTeam', args: { teamID: doomed } },
						{ name: 'createTeam', args: { teamID: y, name: 'After the failure' } }
					],
					2
				),
				owner
			);
			expect(out.ok && out.results.map((r) => r.code ?? r.status)).toEqual([
				'applied',
				'INVALID_ARGS',
				'applied'
			]);
			expect(await teamNames([x, doomed, y])).toEqual([
				'Before the failure',
				'Undeletable',
				'After the failure'
			]);
			const after = await state(clientID);
			expect(after.lastMutationID).toBe(4);
			expect(after.version).toBe(before.version + 2);
			expect(after.rejections).toEqual([{ id: 3, code: 'INVALID_ARGS' }]);
			expect(after.audits.slice(before.audits.length)).toEqual([
				{ action: 'createTeam', target: 'Before the failure' },
				{ action: 'createTeam', target: 'After the failure' }
			]);
		} finally {
			await sql`drop trigger refuse_team_tombstones ${sql.raw(h.name === 'postgres' ? 'on tombstones' : '')}`.execute(
				database.db
			);
		}
	});

	it.runIf(h.name === 'postgres')(
		'a transient failure in the middle of a batch advances nothing: no row, audit, version or lastMutationID',
		async () => {
			const clientID = `transient-${randomUUID()}`;
			const first = await push(
				database,
				body(clientID, [{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Kept' } }]),
				owner
			);
			expect(first.ok && first.results[0]?.status).toBe('applied');
			await sql`create function fail_transiently() returns trigger language plpgsql as $$
				begin
					if new.name = 'Transient' then
						raise exception 'could not serialize access' using errcode = '40001';
					end if;
					return new;
				end $$`.execute(database.db);
			await sql`create trigger fail_transiently before insert on teams for each row execute function fail_transiently()`.execute(
				database.db
			);
			try {
				const before = await state(clientID);
				const [x, y] = [randomUUID(), randomUUID()];
				await expect(
					push(
						database,
						body(
							clientID,
							[
								{ name: 'createTeam', args: { teamID: x, name: 'Applied first' } },
								{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Transient' } },
								{ name: 'createTeam', args: { teamID: y, name: 'Never reached' } }
							],
							2
						),
						owner
					)
				).rejects.toThrow(/serialize/);
				expect(await teamNames([x, y])).toEqual([null, null]);
				expect(await state(clientID)).toEqual(before);
			} finally {
				await sql`drop trigger fail_transiently on teams`.execute(database.db);
			}
		}
	);

	it.runIf(h.name === 'postgres')(
		'R6: two app instances pushing invites at once never hand out more seats than were bought',
		async () => {
			const seats = await database.db
				.selectFrom('enterprises')
				.select('seats')
				.where('id', '=', enterpriseID)
				.executeTakeFirstOrThrow();
			const used = async () => {
				const [licensed, invited] = await Promise.all([
					database.db
						.selectFrom('licenses')
						.select((eb) => eb.fn.countAll<number>().as('n'))
						.where('enterprise_id', '=', enterpriseID)
						.executeTakeFirstOrThrow(),
					database.db
						.selectFrom('invites')
						.select((eb) => eb.fn.countAll<number>().as('n'))
						.where('enterprise_id', '=', enterpriseID)
						.where('expires_at', '>', Date.now())
						.executeTakeFirstOrThrow()
				]);
				return Number(licensed.n) + Number(invited.n);
			};
			const free = seats.seats - (await used());
			expect(free).toBeGreaterThan(2);
			const other = h.open();
			try {
				const invites = (instance: number) =>
					Array.from({ length: free }, (_, i) => ({
						name: 'inviteUser',
						args: {
							inviteID: randomUUID(),
							email: `seat-race-${instance}-${i}@batch.test`,
							teamIDs: [],
							role: 'member'
						}
					}));
				// Each instance pushes as many invites as there are free seats, in batches of 3.
				const pushAll = async (db: Db, instance: number) => {
					const clientID = `seat-race-${instance}-${randomUUID()}`;
					const steps = invites(instance);
					const results = [];
					for (let i = 0; i < steps.length; i += 3) {
						const out = await push(db, body(clientID, steps.slice(i, i + 3), i + 1), owner);
						if (!out.ok) throw new Error(`push refused: ${JSON.stringify(out)}`);
						results.push(...out.results);
					}
					return results;
				};
				const [one, two] = await Promise.all([pushAll(database, 1), pushAll(other, 2)]);
				const all = [...one, ...two];
				expect(all.filter((r) => r.status === 'applied')).toHaveLength(free);
				expect(all.filter((r) => r.status === 'rejected').map((r) => r.code)).toEqual(
					Array(free).fill('NEEDS_TO_INCREASE_SEATS')
				);
				expect(await used()).toBe(seats.seats);
			} finally {
				await other.close();
			}
		}
	);

	it.runIf(h.name === 'postgres')(
		'with the poke relay listening, a pushed batch pokes its consoles through its own commit',
		async () => {
			const stop = startPokeRelay(database);
			const clientID = `poked-${randomUUID()}`;
			try {
				let heard = 0;
				const off = onPoke(enterpriseID, () => heard++);
				// The relay connects in the background: push until it hears one.
				let id = 1;
				for (; heard === 0 && id <= 50; id++) {
					const phases = new Set<PushPhase>();
					const out = await push(
						database,
						body(
							clientID,
							[{ name: 'createTeam', args: { teamID: randomUUID(), name: `Poked ${id}` } }],
							id
						),
						owner,
						undefined,
						(phase) => phases.add(phase)
					);
					expect(out.ok && out.results[0]?.status).toBe('applied');
					// No statement of its own after the commit: the version bump carried the NOTIFY.
					expect(phases.has('poke')).toBe(false);
					await new Promise((resolve) => setTimeout(resolve, 100));
				}
				off();
				expect(heard).toBeGreaterThan(0);
			} finally {
				await stop();
			}
		}
	);

	it('tells an onPhase hook each phase of a batch, in order', async () => {
		const seen: PushPhase[] = [];
		const out = await push(
			database,
			body(`phases-${randomUUID()}`, [
				{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Timed' } },
				{ name: 'createTeam', args: { teamID: randomUUID(), name: 'Timed' } }
			]),
			owner,
			undefined,
			(phase, ms) => {
				expect(ms).toBeGreaterThanOrEqual(0);
				if (seen.at(-1) !== phase) seen.push(phase);
			}
		);
		expect(out.ok && out.results.map((r) => r.status)).toEqual(['applied', 'rejected']);
		expect(seen).toEqual([
			'begin',
			'lock',
			'client',
			'readAhead',
			'apply',
			'flush',
			'rejection',
			'audit',
			'lastMutationID',
			'version',
			'commit',
			'poke'
		]);
		expect(seen.every((p) => PUSH_PHASES.includes(p))).toBe(true);
	});
});
