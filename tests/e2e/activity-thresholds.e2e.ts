import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';

test('R20: the owner sets the report thresholds in Settings; the chart and the report use them; billing cannot', async ({
	page,
	browser
}) => {
	test.setTimeout(90_000);
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/settings');
	const form = page.getByRole('form', { name: 'Activity report' });
	const active = form.getByRole('spinbutton', { name: 'Active within (days)' });
	const na = form.getByRole('spinbutton', { name: 'Show N/A after (days)' });
	await expect(active).toHaveValue('90');
	await expect(na).toHaveValue('100');

	await active.fill('30');
	await na.fill('20');
	await form.getByRole('button', { name: 'Save thresholds' }).click();
	await expect(form.getByRole('alert')).toHaveText(
		'The N/A period must be at least as long as the active period.'
	);

	await na.fill('45');
	await form.getByRole('button', { name: 'Save thresholds' }).click();
	await expect(form.getByRole('status')).toContainText('Saved');
	await expect(
		page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
	).toBeAttached({ timeout: 30_000 });

	try {
		await page.goto('/e/acme/licenses?tab=usage');
		await expect(page.getByRole('img', { name: /active in the last 30 days/ })).toBeVisible({
			timeout: 30_000
		});
		await page.getByRole('tab', { name: 'People' }).click();
		await page.getByRole('button', { name: 'Download activity report' }).click();
		const dialog = page.getByRole('dialog', { name: 'Activity report' });
		await expect(dialog).toContainText('Active means active in the last 30 days');
		await expect(dialog).toContainText('dates older than 45 days show as N/A');
		await dialog.getByRole('button', { name: 'Close' }).click();

		// Billing reads reports but does not set their thresholds (R2).
		const billing = await browser.newPage();
		await signIn(billing, ADMINS.billing.email, ADMINS.billing.password);
		await billing.goto('/e/acme/settings');
		await expect(billing.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
		await expect(billing.getByRole('form', { name: 'Activity report' })).toHaveCount(0);
		await billing.close();
	} finally {
		// Back to the defaults, for the other journeys on this server.
		await page.goto('/e/acme/settings');
		await active.fill('90');
		await na.fill('100');
		await form.getByRole('button', { name: 'Save thresholds' }).click();
		await expect(form.getByRole('status')).toContainText('Saved');
		await expect(
			page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
		).toBeAttached({ timeout: 30_000 });
	}
});
