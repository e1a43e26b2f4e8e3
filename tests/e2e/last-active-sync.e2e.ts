import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { ADMINS, enterpriseID, licensesOf, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

const DEV_INGEST_KEY = 'roster-dev-ingest-key';

test('R19/R20: a synced console shows a Last Active date ingested after its sync, in the grid and the report, without a reload', async ({
	page
}) => {
	test.setTimeout(120_000);
	// The device's clock is set to the instant the event reports, so the grid's date, the report's
	// file name and its 7-day filter all read the same UTC day whenever the test runs (near midnight
	// "now" at the check could otherwise be the next day). Timers keep running.
	const at = Date.now();
	const today = new Date(at).toISOString().slice(0, 10);
	await page.clock.setFixedTime(at);
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const id = await enterpriseID(page.request, 'acme');
	// Someone last active long ago (their date is not today's).
	const { users } = await licensesOf(page.request, id, { sort: 'email', limit: 200 });
	const user = users.find(
		(u) =>
			u.lastActiveAt !== null &&
			u.lastActiveAt < at - 10 * 86_400_000 &&
			/^[a-z0-9.]+@acme\.test$/.test(u.email)
	)!;
	expect(user, 'a licensed user active long ago').toBeDefined();

	const licenses = new LicensesPage(page);
	await licenses.goto('acme', `?q=${encodeURIComponent(user.email)}`);
	await expect(page.getByRole('status').filter({ hasText: 'All changes synced' })).toBeVisible({
		timeout: 60_000
	});
	await expect(licenses.rows).toHaveCount(1);
	const cell = licenses.rows.first().getByRole('gridcell').nth(2);
	await expect(cell).not.toContainText(today);
	// Marks this page load: a reload would lose it.
	await page.evaluate(() => ((window as unknown as { sameLoad: boolean }).sameLoad = true));

	// The API client reports the user opening the app now.
	const res = await page.request.post('/api/client/activity', {
		headers: { authorization: `Bearer ${DEV_INGEST_KEY}` },
		data: { events: [{ email: user.email, at }] }
	});
	expect(res.status()).toBe(200);
	expect(await res.json()).toMatchObject({ accepted: 1, ignored: 0 });

	// The poke brings it: well before the 30-second heartbeat would pull anyway.
	await expect(cell).toContainText(today, { timeout: 10_000 });
	expect(await page.evaluate(() => (window as unknown as { sameLoad?: boolean }).sameLoad)).toBe(
		true
	);

	// The report, from this device's copy, says what it is based on and has the new date.
	await licenses.lastActiveHeader.getByRole('button', { name: 'Download activity report' }).click();
	const dialog = page.getByRole('dialog', { name: 'Activity report' });
	await expect(dialog.getByTestId('report-based-on')).toHaveText(
		/^Based on this device's copy, synced at \d{1,2}:\d{2}/
	);
	await dialog.getByRole('radio', { name: 'Active in the last 7 days' }).check();
	const [file] = await Promise.all([
		page.waitForEvent('download', { timeout: 60_000 }),
		dialog.getByRole('button', { name: 'Download CSV' }).click()
	]);
	expect(file.suggestedFilename()).toBe(`activity-report-acme-active-7-days-${today}.csv`);
	const text = await readFile(await file.path(), 'utf8');
	const line = text.split('\r\n').find((l) => l.startsWith(user.email));
	expect(line).toMatch(new RegExp(`,${today},active$`));

	// Offline, the dialog says since when the copy could not be refreshed.
	await dialog.getByRole('button', { name: 'Close' }).click();
	await page.context().setOffline(true);
	await licenses.lastActiveHeader.getByRole('button', { name: 'Download activity report' }).click();
	await expect(dialog.getByTestId('report-based-on')).toHaveText(
		/^Based on this device's copy, synced at \d{1,2}:\d{2}.*; offline since \d{1,2}:\d{2}/
	);
	await page.context().setOffline(false);
});
