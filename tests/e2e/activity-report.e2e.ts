import { readFile } from 'node:fs/promises';
import { expect, test, type Download, type Page } from '@playwright/test';
import Papa from 'papaparse';
import { parseRfc4180 } from '../unit/support/rfc4180';
import { activityReportRow, UTF8_BOM } from '../../src/lib/domain/activity-report';
import { ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

const HEADER = ['email', 'name', 'last_active', 'status'];

/** Signs in as the Acme owner and opens Licenses once the mirror is synced; returns the count. */
async function openSyncedLicenses(page: Page): Promise<{ id: string; total: number }> {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const id = await enterpriseID(page.request, 'acme');
	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(page.getByRole('status').filter({ hasText: 'All changes synced' })).toBeVisible({
		timeout: 60_000
	});
	const text = await licenses.count.innerText();
	const total = Number(/of ([\d,]+) licensed users/.exec(text)![1]!.replaceAll(',', ''));
	return { id, total };
}

function reportDialog(page: Page) {
	return page.getByRole('dialog', { name: 'Activity report' });
}

/** Opens the report from the Last Active header, picks `filter`, and waits for the download. */
async function download(page: Page, filter = 'All licensed users'): Promise<Download> {
	const licenses = new LicensesPage(page);
	await licenses.lastActiveHeader.getByRole('button', { name: 'Download activity report' }).click();
	const dialog = reportDialog(page);
	await dialog.getByRole('radio', { name: filter }).check();
	const [file] = await Promise.all([
		page.waitForEvent('download', { timeout: 60_000 }),
		dialog.getByRole('button', { name: 'Download CSV' }).click()
	]);
	return file;
}

/** The downloaded CSV, read by both parsers (which must agree), header first. */
async function readReport(file: Download): Promise<string[][]> {
	const bytes = await readFile(await file.path());
	const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
	expect(text.startsWith(UTF8_BOM), 'UTF-8 with a byte order mark').toBe(true);
	const rows = parseRfc4180(text.slice(UTF8_BOM.length));
	const papa = Papa.parse<string[]>(text, { newline: '\r\n', skipEmptyLines: true });
	expect(papa.errors).toEqual([]);
	expect(papa.data).toEqual(rows);
	expect(rows[0]).toEqual(HEADER);
	return rows;
}

test('R20/R21: Download activity report lists every licensed user as the server knows them', async ({
	page
}) => {
	test.setTimeout(120_000);
	// The device's clock is set: the report's statuses, its file name and the expected rows below
	// are all computed for this one instant, whenever the test runs (near midnight the device's
	// "now" and the test's could otherwise be two days). Timers keep running.
	const now = Date.now();
	await page.clock.setFixedTime(now);
	const { id, total } = await openSyncedLicenses(page);
	const file = await download(page);
	const dialog = reportDialog(page);
	expect(file.suggestedFilename()).toBe(
		`activity-report-acme-all-${new Date(now).toISOString().slice(0, 10)}.csv`
	);
	await expect(dialog.getByRole('status')).toHaveText(
		`Downloaded the activity report: ${fmt(total)} users.`
	);

	const rows = await readReport(file);
	expect(rows.length - 1).toBe(total);
	const emails = rows.slice(1).map((r) => r[0]!);
	expect(new Set(emails).size).toBe(total);

	// A sample of rows against the server's data, by the same rules (R20) as of the device's now.
	const picks = [1, 2, Math.floor(total / 3), Math.floor(total / 2), total - 1, total].map(
		(i) => rows[i]!
	);
	for (const row of picks) {
		const email = row[0]!.replace(/^'(?=[=+\-@\t\r])/, '');
		const found = (await licensesOf(page.request, id, { q: email, limit: 50 })).users.find(
			(u) => u.email === email
		);
		expect(found, `the server knows ${email}`).toBeDefined();
		const expected = activityReportRow(found!, { now, filter: 'all' })!;
		expect(row).toEqual([
			expected.email.replace(/^(?=[=+\-@\t\r])/, "'"),
			expected.name.replace(/^(?=[=+\-@\t\r])/, "'"),
			expected.last_active,
			expected.status
		]);
	}

	// Filtered: active in the last 7 days only.
	await dialog.getByRole('button', { name: 'Close' }).click();
	const recent = await readReport(await download(page, 'Active in the last 7 days'));
	expect(recent.length - 1).toBeLessThan(total);
	const weekAgo = new Date(now - 7 * 86_400_000).toISOString().slice(0, 10);
	for (const row of recent.slice(1)) {
		expect(row[3]).toBe('active');
		expect(row[2]! >= weekAgo, `${row[2]} within 7 days`).toBe(true);
	}
});

test('R20: the activity report is generated offline, from the mirror alone', async ({
	page,
	context
}) => {
	test.setTimeout(120_000);
	const { total } = await openSyncedLicenses(page);
	// The report's code comes from the service worker's cache once it controls the page.
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
			timeout: 20_000
		})
		.toMatch(/\/service-worker\.js$/);
	await context.setOffline(true);
	await page.reload();
	await expect(new LicensesPage(page).count).toHaveText(
		`${fmt(total)} of ${fmt(total)} licensed users`
	);
	const rows = await readReport(await download(page));
	expect(rows.length - 1).toBe(total);
	await context.setOffline(false);
});

test.describe('cancelling', () => {
	// Without the service worker, the test can hold the worker's script back to cancel mid-way.
	test.use({ serviceWorkers: 'block' });

	test('Cancel stops the report: no download, and the next one still works', async ({ page }) => {
		test.setTimeout(120_000);
		const { total } = await openSyncedLicenses(page);
		let release: () => void = () => undefined;
		const held = new Promise<void>((resolve) => (release = resolve));
		await page.route('**/*report.worker*', async (route) => {
			await held;
			// The cancel terminated the worker, so its request may be gone by now.
			await route.continue().catch(() => undefined);
		});
		const downloads: Download[] = [];
		page.on('download', (d) => downloads.push(d));

		const licenses = new LicensesPage(page);
		const button = licenses.lastActiveHeader.getByRole('button', {
			name: 'Download activity report'
		});
		await button.focus();
		await page.keyboard.press('Enter');
		const dialog = reportDialog(page);
		await expect(dialog).toBeVisible();
		await dialog.getByRole('button', { name: 'Download CSV' }).click();
		await expect(
			dialog.getByRole('progressbar', { name: 'Activity report progress' })
		).toBeVisible();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await expect(dialog.getByRole('status')).toHaveText('Activity report cancelled.');
		await expect(dialog.getByRole('progressbar')).toHaveCount(0);
		release();
		await page.unroute('**/*report.worker*');
		// Nothing arrives after a cancel, even once the worker's script is let through.
		await page.waitForTimeout(1_000);
		expect(downloads).toHaveLength(0);

		const [file] = await Promise.all([
			page.waitForEvent('download', { timeout: 60_000 }),
			dialog.getByRole('button', { name: 'Download CSV' }).click()
		]);
		expect((await readReport(file)).length - 1).toBe(total);
		// Escape closes the dialog and returns focus to the button.
		await page.keyboard.press('Escape');
		await expect(dialog).toBeHidden();
		await expect(button).toBeFocused();
	});
});
