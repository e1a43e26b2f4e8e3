import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';

// R17, usable offline: the global rule and per-organization overrides are sync
// mutations; API clients read the effective policy from the server.
test('R17: offline, block cloud sync globally and override one organization; online, API clients get the effective policy', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/storage');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });

	await context.setOffline(true);
	const global = page.getByRole('form', { name: 'Global storage rule' });
	await global.getByLabel('Cloud sync').uncheck();
	await global.getByRole('button', { name: 'Save' }).click();
	await expect(page.getByRole('region', { name: /Global rule/ })).toContainText('Pending sync');

	const product = page.getByRole('row').filter({ hasText: /^Product/ });
	await expect(product).toContainText('Global rule');
	await expect(product.getByRole('cell').nth(2)).toHaveText('Blocked'); // cloud, from the global rule
	await product.getByRole('button', { name: 'Override the policy of Product' }).click();
	const override = page.getByRole('form', { name: 'Override for Product' });
	await override.getByLabel('Local vault').uncheck();
	await override.getByLabel('Cloud sync').check();
	await override.getByLabel('Git sync').uncheck();
	await override.getByRole('button', { name: 'Save' }).click();
	await expect(product).toContainText('Override');
	await expect(product).toContainText('Pending sync');

	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });

	// What an API client is told, for a managed user (R17), through the server.
	const orgID = await page.evaluate(async () => {
		const name = (await indexedDB.databases()).find((d) => d.name?.startsWith('roster:'))!.name!;
		return new Promise<string>((resolve, reject) => {
			const open = indexedDB.open(name);
			open.onsuccess = () => {
				const all = open.result.transaction('organizations').objectStore('organizations').getAll();
				all.onsuccess = () =>
					resolve(
						(all.result as { id: string; name: string }[]).find((o) => o.name === 'Product')!.id
					);
				all.onerror = () => reject(all.error);
			};
		});
	});
	const ask = async (org: string) =>
		(
			await page.request.get(
				`/api/client/storage-policy?email=${encodeURIComponent(ADMINS.owner.email)}&orgID=${org}`,
				{ headers: { authorization: 'Bearer roster-dev-ingest-key' } }
			)
		).json();
	await expect
		.poll(() => ask(orgID), { timeout: 20_000 })
		.toMatchObject({
			managed: true,
			source: 'override',
			policy: { local: false, cloud: true, git: false }
		});

	// Back to the global rule for Product; the global rule itself goes back to allowing all.
	await product.getByRole('button', { name: 'Use the global rule for Product' }).click();
	await expect(product).toContainText('Global rule');
	await global.getByLabel('Cloud sync').check();
	await global.getByRole('button', { name: 'Save' }).click();
	// The status may still read "synced" from before the click: wait for the server's answer.
	await expect
		.poll(() => ask(orgID), { timeout: 20_000 })
		.toMatchObject({
			source: 'global',
			policy: { local: true, cloud: true, git: true }
		});
	await context.close();
});
