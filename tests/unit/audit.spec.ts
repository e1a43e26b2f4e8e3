import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDb } from '../../src/lib/server/db';
import { GET } from '../../src/routes/api/enterprises/[enterpriseID]/audit/+server';
import type { AccountRole } from '../../src/lib/domain/roles';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { NOW, grantRole, makeEmptyEnterprise, makeUser } from './support/factories';

describe.each(dialects)('the audit log API on %s (R24)', (dialect) => {
	let t: TestDb;
	let ent: { id: string; slug: string };
	const people: Partial<Record<AccountRole, App.Locals>> = {};
	let ownerEmail = '';

	async function get(query: string, who: AccountRole = 'owner') {
		const url = new URL(`http://localhost/api/enterprises/${ent.id}/audit?${query}`);
		const res = await GET({
			url,
			params: { enterpriseID: ent.id },
			locals: people[who]!
		} as never);
		return res;
	}

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database);
		for (const who of ['owner', 'billing'] as const) {
			const user = await makeUser(t.database);
			await grantRole(t.database, ent.id, user.id, who);
			people[who] = {
				user: { id: user.id, email: user.email, name: user.name },
				sessionSecret: null,
				requestID: 'test'
			};
			if (who === 'owner') ownerEmail = user.email;
		}
		const rows = [
			{ kind: 'console', queued: 0, action: 'createTeam', target: 'Platform', actor: true },
			{ kind: 'console', queued: 1, action: 'inviteUser', target: 'bob@acme.test', actor: true },
			{ kind: 'scim', queued: 0, action: 'scimCreateUser', target: 'ann@acme.test', actor: false },
			{
				kind: 'capture',
				queued: 0,
				action: 'captureSignUp',
				target: 'cat@acme.test',
				actor: false
			},
			{ kind: 'console', queued: 0, action: 'renameTeam', target: '=HYPERLINK("x")', actor: true }
		] as const;
		for (const [i, r] of rows.entries()) {
			await t.database.db
				.insertInto('audit_log')
				.values({
					enterprise_id: ent.id,
					at: NOW + i,
					actor_user_id: r.actor ? people.owner!.user!.id : null,
					actor_kind: r.kind,
					action: r.action,
					target: r.target,
					before: null,
					after: JSON.stringify({ i }),
					queued: r.queued
				})
				.execute();
		}
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	const actions = async (query: string) =>
		((await (await get(query)).json()) as { entries: { action: string }[] }).entries.map(
			(e) => e.action
		);

	it('R24: newest first, each entry marked with where it came from', async () => {
		const body = (await (await get('')).json()) as { entries: { kind: string }[] };
		expect(body.entries.map((e) => e.kind)).toEqual([
			'console',
			'capture',
			'scim',
			'queued',
			'console'
		]);
	});

	it('filters by actor, target, action and source', async () => {
		expect(await actions(`actor=${encodeURIComponent(ownerEmail.toUpperCase())}`)).toEqual([
			'renameTeam',
			'inviteUser',
			'createTeam'
		]);
		expect(await actions('target=ACME.test')).toEqual([
			'captureSignUp',
			'scimCreateUser',
			'inviteUser'
		]);
		expect(await actions('action=team')).toEqual(['renameTeam', 'createTeam']);
		expect(await actions('kind=queued')).toEqual(['inviteUser']);
		expect(await actions('kind=scim')).toEqual(['scimCreateUser']);
		expect(await actions('kind=console')).toEqual(['renameTeam', 'createTeam']);
		// LIKE wildcards in a filter are literal.
		expect(await actions('target=%25')).toEqual([]);
	});

	it('pages with before=, newest first', async () => {
		const first = (await (await get('limit=2')).json()) as {
			entries: { action: string }[];
			next: number;
		};
		expect(first.entries.map((e) => e.action)).toEqual(['renameTeam', 'captureSignUp']);
		expect(await actions(`limit=2&before=${first.next}`)).toEqual(['scimCreateUser', 'inviteUser']);
	});

	it('R21: exports every matching entry as CSV with formulas neutralised', async () => {
		const res = await get('format=csv&action=team');
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toMatch(
			new RegExp(`filename="audit-log-${ent.slug}-\\d{4}-\\d{2}-\\d{2}\\.csv"`)
		);
		const lines = (await res.text()).split('\r\n');
		expect(lines[0]).toBe('at,actor,source,action,target,before,after,description');
		expect(lines[1]).toContain(`,${ownerEmail},console,renameTeam,"'=HYPERLINK(""x"")",`);
		expect(lines).toHaveLength(4); // header, two rows, final empty line
	});

	it('R2/R24: billing may not read it; bad filters are named', async () => {
		expect((await get('', 'billing')).status).toBe(403);
		const bad = await get('kind=everything');
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as { message: string }).message).toContain('kind is one of');
	});
});
