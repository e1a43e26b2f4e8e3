import { randomUUID } from 'node:crypto';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

/**
 * What the server holds of one table of an enterprise: the rows a brand-new console would be
 * given, read through a fresh full pull as the signed-in admin of `api`.
 */
export async function serverRows<Row = Record<string, string>>(
	api: APIRequestContext,
	enterpriseID: string,
	table: string
): Promise<Row[]> {
	const res = await api.get('/api/sync/pull', {
		params: { enterpriseID, clientID: `probe-${randomUUID()}`, cookie: 0 }
	});
	expect(res.status()).toBe(200);
	const body = (await res.json()) as { changes: { table: string; op: string; value?: Row }[] };
	return body.changes
		.filter((c) => c.table === table && c.op === 'put' && c.value !== undefined)
		.map((c) => c.value!);
}

/** A table's row whose accessible name starts with `name` (a team's or an organization's row). */
export function rowNamed(page: Page, name: string) {
	return page.getByRole('row', {
		name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
	});
}
