import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, api, readJson, requireArea } from '../../src/lib/server/http';
import { setDb } from '../../src/lib/server/db';
import { loginSchema } from '../../src/lib/domain/auth';
import type { AccountRole } from '../../src/lib/domain/roles';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { grantRole, makeEmptyEnterprise, makeUser } from './support/factories';

const post = (body: string) => new Request('http://localhost/api/x', { method: 'POST', body });

/** The ApiError a promise rejects with. */
async function apiErrorOf(promise: Promise<unknown>): Promise<ApiError> {
	const err = await promise.then(
		() => null,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(ApiError);
	return err as ApiError;
}

describe('request bodies', () => {
	it('a body that is not JSON is a 400 saying so', async () => {
		const err = await apiErrorOf(readJson(post('{"email":'), loginSchema));
		expect([err.status, err.code, err.message]).toEqual([
			400,
			'badRequest',
			'request body must be valid JSON'
		]);
	});

	it('a bad field is a 400 that names the field', async () => {
		const err = await apiErrorOf(
			readJson(post(JSON.stringify({ email: 'nope', password: 'x' })), loginSchema)
		);
		expect(err.status).toBe(400);
		expect(err.message).toBe('email: email must be an email address');
		expect(err.details).toEqual({
			fields: [{ path: 'email', message: 'email must be an email address' }]
		});
	});

	it('a valid body is parsed by the schema', async () => {
		const body = await readJson(
			post(JSON.stringify({ email: ' owner@acme.test ', password: 'pw' })),
			loginSchema
		);
		expect(body).toEqual({ email: 'owner@acme.test', password: 'pw' });
	});

	it('a body that starts with a byte-order mark is parsed like one without', async () => {
		const body = await readJson(
			post('\uFEFF' + JSON.stringify({ email: 'owner@acme.test', password: 'pw' })),
			loginSchema
		);
		expect(body).toEqual({ email: 'owner@acme.test', password: 'pw' });
	});

	it('an oversized body is refused with 413 before parsing', async () => {
		const err = await apiErrorOf(readJson(post('"' + 'x'.repeat(5_000_001) + '"'), z.string()));
		expect(err.status).toBe(413);
	});

	it('api() turns an ApiError into a JSON response with its status', async () => {
		const handler = api(async () => {
			throw new ApiError(409, 'NEEDS_TO_INCREASE_SEATS', '1 seat needed, 0 free', {
				needed: 1,
				free: 0
			});
		});
		const res = await handler({ locals: {} as App.Locals });
		expect(res.status).toBe(409);
		expect(await res.json()).toEqual({
			error: 'NEEDS_TO_INCREASE_SEATS',
			message: '1 seat needed, 0 free',
			details: { needed: 1, free: 0 }
		});
	});
});

describe.each(dialects)('server-side role checks on %s', (dialect) => {
	let t: TestDb;
	let ent: { id: string; slug: string };
	const people: Partial<Record<AccountRole | 'stranger', App.Locals>> = {};
	const localsOf = (who: AccountRole | 'stranger') => people[who] as App.Locals;

	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
		ent = await makeEmptyEnterprise(t.database);
		for (const who of ['owner', 'co-owner', 'billing', 'member', 'stranger'] as const) {
			const user = await makeUser(t.database);
			if (who !== 'stranger') await grantRole(t.database, ent.id, user.id, who);
			people[who] = {
				user: { id: user.id, email: user.email, name: user.name },
				sessionSecret: null,
				requestID: 'test'
			};
		}
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	it('R2: without a session every area is a 401', async () => {
		const locals = { user: null, sessionSecret: null, requestID: 'test' } as App.Locals;
		const err = await apiErrorOf(requireArea(locals, { id: ent.id }, 'licenses'));
		expect(err.status).toBe(401);
	});

	it('R2: owner and co-owner pass every area, by id or slug', async () => {
		for (const who of ['owner', 'co-owner'] as const) {
			expect((await requireArea(localsOf(who), { id: ent.id }, 'co-owners')).role).toBe(who);
			expect((await requireArea(localsOf(who), { slug: ent.slug }, 'domains')).role).toBe(who);
		}
	});

	it('R2: billing passes licenses and seats, and gets a 403 on teams', async () => {
		expect((await requireArea(localsOf('billing'), { id: ent.id }, 'licenses')).role).toBe(
			'billing'
		);
		expect((await requireArea(localsOf('billing'), { id: ent.id }, 'seats')).role).toBe('billing');
		const err = await apiErrorOf(requireArea(localsOf('billing'), { id: ent.id }, 'teams'));
		expect([err.status, err.message]).toEqual([403, 'the billing role cannot use teams']);
	});

	it('R2: a member cannot use the console at all', async () => {
		const err = await apiErrorOf(requireArea(localsOf('member'), { id: ent.id }, 'licenses'));
		expect(err.status).toBe(403);
	});

	it("R1: another enterprise's data is a 403 that does not reveal whether it exists", async () => {
		const other = await makeEmptyEnterprise(t.database);
		const theirs = await apiErrorOf(requireArea(localsOf('owner'), { id: other.id }, 'licenses'));
		const missing = await apiErrorOf(
			requireArea(localsOf('owner'), { slug: 'no-such-enterprise' }, 'licenses')
		);
		const stranger = await apiErrorOf(
			requireArea(localsOf('stranger'), { id: ent.id }, 'licenses')
		);
		for (const err of [theirs, missing, stranger]) {
			expect([err.status, err.message]).toEqual([403, 'you do not have access to this enterprise']);
		}
	});

	it('R1: an enterprise key with bytes no id or slug has (NUL, quotes) is a 403, not a 500', async () => {
		for (const slug of ['acme\u0000', "acme' or '1'='1", '../acme', '']) {
			const err = await apiErrorOf(requireArea(localsOf('owner'), { slug }, 'licenses'));
			expect(err.status).toBe(403);
		}
	});
});
