import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

test('R20: the report offers a sync first when this device’s copy is more than a few minutes old', async ({
	page
}) => {
	test.setTimeout(90_000);
	// The page's clock is the test's to move; it runs normally until told otherwise.
	await page.clock.install();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(page.getByRole('status').filter({ hasText: 'All changes synced' })).toBeVisible({
		timeout: 60_000
	});
	const open = () =>
		licenses.lastActiveHeader.getByRole('button', { name: 'Download activity report' }).click();
	const dialog = page.getByRole('dialog', { name: 'Activity report' });
	const syncFirst = dialog.getByRole('button', { name: 'Sync first' });

	await open();
	await expect(dialog.getByTestId('report-based-on')).toHaveText(
		/^Based on this device's copy, synced at \d{1,2}:\d{2}/
	);
	await expect(syncFirst).toHaveCount(0);
	await dialog.getByRole('button', { name: 'Close' }).click();

	// Ten minutes later on the device's clock, with no sync since.
	await page.clock.setSystemTime(Date.now() + 10 * 60_000);
	await open();
	await expect(dialog).toContainText('This copy is more than a few minutes old');
	await syncFirst.click();
	await expect(syncFirst).toHaveCount(0);
	await expect(dialog.getByTestId('report-based-on')).toHaveText(
		/^Based on this device's copy, synced at \d{1,2}:\d{2}/
	);
});
