import { randomUUID } from 'node:crypto';
import { expect, type APIRequestContext } from '@playwright/test';

/**
 * Pushes changes as another device of the signed-in admin would (its own client group), and
 * asserts the server applied every one.
 */
export async function pushApplied(
	api: APIRequestContext,
	enterpriseID: string,
	mutations: [name: string, args: unknown][]
): Promise<void> {
	const clientID = randomUUID();
	const res = await api.post('/api/sync/push', {
		data: {
			enterpriseID,
			clientGroupID: clientID,
			clientID,
			mutations: mutations.map(([name, args], i) => ({
				id: i + 1,
				name,
				args,
				createdAt: Date.now()
			}))
		}
	});
	expect(res.status()).toBe(200);
	const { results } = (await res.json()) as { results: { status: string; message?: string }[] };
	for (const [i, r] of results.entries()) {
		expect(r.status, `${mutations[i]![0]}: ${r.message ?? ''}`).toBe('applied');
	}
}
