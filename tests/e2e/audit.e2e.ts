import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import Papa from 'papaparse';
import { ADMINS, signIn } from './support/auth';
import { seriousViolations } from './support/axe';

// R24: a change queued offline reaches the audit log marked as such; the log says each change
// in a sentence, filters by actor, target, action, source and dates, and exports as CSV (R21),
// where alone the stored action name shows.
test('R24: a team created offline shows in the audit log as a sentence, queued offline; filter by dates and export it', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await context.setOffline(true);
	const name = `=Audit ${randomUUID().slice(0, 6)}`;
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(name);
	await page.getByRole('button', { name: 'Create team' }).click();
	await expect(page.getByRole('status')).toHaveText(/1 change waiting/);
	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });

	await page.goto('/e/acme/audit');
	const filters = page.getByRole('form', { name: 'Filter the audit log' });
	await filters.getByLabel('Target').fill(name);
	await filters.getByLabel('Source').selectOption({ label: 'Queued offline' });
	await filters.getByRole('button', { name: 'Filter' }).click();
	const rows = page.getByRole('table').getByRole('row');
	await expect(rows).toHaveCount(2); // header + the one entry
	await expect(rows.nth(1)).toContainText(`created team ${name}`);
	await expect(rows.nth(1)).not.toContainText('createTeam');
	await expect(rows.nth(1)).toContainText('Queued offline');
	// No rule numbers or stored names anywhere on the page.
	await expect(page.locator('main')).not.toContainText(/\(R\d+\)|createTeam/);
	expect(await seriousViolations(page)).toEqual([]);

	// A date range: today finds it, a range that ended yesterday does not.
	const today = new Date().toISOString().slice(0, 10);
	const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
	await filters.getByLabel('From', { exact: true }).fill(today);
	await filters.getByLabel('To', { exact: true }).fill(today);
	await filters.getByRole('button', { name: 'Filter' }).click();
	await expect(rows).toHaveCount(2);
	await filters.getByLabel('From', { exact: true }).fill(yesterday);
	await filters.getByLabel('To', { exact: true }).fill(yesterday);
	await filters.getByRole('button', { name: 'Filter' }).click();
	await expect(page.getByText('No change matches these filters.')).toBeVisible();
	await filters.getByLabel('From', { exact: true }).fill(today);
	await filters.getByLabel('To', { exact: true }).fill(today);

	// Another source finds nothing for it.
	await filters.getByLabel('Source').selectOption({ label: 'SCIM' });
	await filters.getByRole('button', { name: 'Filter' }).click();
	await expect(page.getByText('No change matches these filters.')).toBeVisible();
	await filters.getByLabel('Source').selectOption({ label: 'Any' });
	await filters.getByRole('button', { name: 'Filter' }).click();

	const [download] = await Promise.all([
		page.waitForEvent('download'),
		filters.getByRole('link', { name: 'Export CSV' }).click()
	]);
	expect(download.suggestedFilename()).toMatch(/^audit-log-acme-\d{4}-\d{2}-\d{2}\.csv$/);
	const csv = readFileSync((await download.path())!, 'utf8');
	const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
	expect(parsed.errors).toEqual([]);
	expect(parsed.data).toEqual([
		expect.objectContaining({
			actor: ADMINS.owner.email,
			source: 'console (queued offline)',
			action: 'createTeam',
			// R21: a leading = is neutralised.
			target: `'${name}`
		})
	]);
	await context.close();
});
