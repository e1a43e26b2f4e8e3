import { expect, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import type { Change, PullResponse, PushResult } from '../../../src/lib/domain/sync/protocol';
import type { Server } from './server';

/** A mutation as a test pushes it: its name and args (ids and timestamps are filled in). */
export interface TestMutation {
	name: string;
	args: unknown;
}

/** The id of the enterprise with this slug among the signed-in admin's (`GET /api/me`). */
export async function enterpriseID(api: APIRequestContext, slug: string): Promise<string> {
	const res = await api.get('/api/me');
	expect(res.status()).toBe(200);
	const me = (await res.json()) as { enterprises: { id: string; slug: string }[] };
	const found = me.enterprises.find((e) => e.slug === slug);
	if (!found) throw new Error(`no enterprise ${slug} for this admin`);
	return found.id;
}

/**
 * Pushes mutations as a new sync client of the signed-in admin (ids 1, 2, …) and answers the raw
 * response, so a test can check its status as well as its results.
 */
export async function pushRaw(
	api: APIRequestContext,
	body: {
		enterpriseID: string;
		clientID?: string;
		clientGroupID?: string;
		mutations: TestMutation[];
		firstID?: number;
	}
) {
	const start = body.firstID ?? 1;
	return api.post('/api/sync/push', {
		data: {
			enterpriseID: body.enterpriseID,
			clientGroupID: body.clientGroupID ?? `g-${randomUUID()}`,
			clientID: body.clientID ?? `c-${randomUUID()}`,
			mutations: body.mutations.map((m, i) => ({
				id: start + i,
				name: m.name,
				args: m.args,
				createdAt: Date.now()
			}))
		}
	});
}

/** Pushes mutations as a new sync client and answers the per-mutation results (fails on non-200). */
export async function push(
	api: APIRequestContext,
	enterpriseID: string,
	mutations: TestMutation[]
): Promise<PushResult[]> {
	const res = await pushRaw(api, { enterpriseID, mutations });
	expect(res.status(), await res.text()).toBe(200);
	return ((await res.json()) as { results: PushResult[] }).results;
}

/** A full pull of an enterprise as the signed-in admin. */
export async function fullPull(
	api: APIRequestContext,
	enterpriseID: string
): Promise<PullResponse> {
	const res = await api.get(
		`/api/sync/pull?enterpriseID=${enterpriseID}&clientID=c-${randomUUID()}&cookie=0`
	);
	expect(res.status()).toBe(200);
	return (await res.json()) as PullResponse;
}

/** The rows of one mirrored table in a pull. */
export function rows<T>(pull: PullResponse, table: Change['table']): T[] {
	return pull.changes.filter((c) => c.table === table && c.op === 'put').map((c) => c.value as T);
}

/**
 * Seeds a small enterprise on a server of the test's own, signs its owner in and answers the owner's
 * API context with the enterprise's id.
 */
export async function seedTenant(
	server: Server,
	tenant: { name: string; users: number; domains: string; owner: string; password: string }
): Promise<{ owner: APIRequestContext; id: string }> {
	server.seed([
		'--enterprise',
		tenant.name,
		'--users',
		String(tenant.users),
		'--domains',
		tenant.domains,
		'--owner',
		tenant.owner,
		'--password',
		tenant.password
	]);
	const owner = await server.signIn(tenant.owner, tenant.password);
	return { owner, id: await enterpriseID(owner, tenant.name.toLowerCase()) };
}
