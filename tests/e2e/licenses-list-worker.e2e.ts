import { expect, test } from '@playwright/test';
import { ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('R4/R7: the licensed users list answers from its worker: search as you type, sort, the end of the list, offline, and a removal made on another device', async ({
	page,
	context,
	browser
}) => {
	test.setTimeout(120_000);
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const id = await enterpriseID(page.request, 'acme');
	// Users of their own: by email order, far from those the other journeys pick.
	const admins = new Set<string>(Object.values(ADMINS).map((a) => a.email));
	const sample = (
		await licensesOf(page.request, id, { sort: 'email', offset: 3400, limit: 100 })
	).users.filter((u) => !admins.has(u.email));
	const sought = sample[0]!;
	const removed = sample.at(-1)!;

	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 60_000 });
	// The list lives in a worker; the page renders only the rows in view.
	await expect.poll(() => page.workers().some((w) => w.url().includes('license-list'))).toBe(true);
	const { total } = await licensesOf(page.request, id, { limit: 1 });
	await expect(licenses.count).toHaveText(`${fmt(total)} of ${fmt(total)} licensed users`);
	await expect(licenses.table).toHaveAttribute('aria-rowcount', String(total + 1));

	// Search as you type, key by key: the list narrows to the sought user.
	await licenses.search.click();
	await licenses.search.pressSequentially(sought.email, { delay: 10 });
	await expect(licenses.row(sought.email)).toHaveCount(1);
	await expect(licenses.count).toHaveText(`1 of ${fmt(total)} licensed users`);
	await expect(page).toHaveURL(new RegExp(`[?&]q=${escape(encodeURIComponent(sought.email))}`));

	// By email, the first and, at the end of the list, the last address the server has.
	await licenses.search.fill('');
	await expect(licenses.count).toHaveText(`${fmt(total)} of ${fmt(total)} licensed users`);
	await licenses.emailSort.click();
	await expect(page).toHaveURL(/[?&]sort=email/);
	const byEmail = (offset: number) =>
		licensesOf(page.request, id, { sort: 'email', offset, limit: 1 }).then((p) => p.users[0]!);
	const firstEmail = (await byEmail(0)).email;
	await expect(licenses.rows.first().getByRole('gridcell').nth(1)).toHaveText(firstEmail);
	await licenses.table.focus();
	await page.keyboard.press('End');
	await expect(licenses.rows.last()).toHaveAttribute('aria-rowindex', String(total + 1));
	await expect(licenses.rows.last().getByRole('gridcell').nth(1)).toHaveText(
		(await byEmail(total - 1)).email
	);
	await page.keyboard.press('Home');
	await expect(licenses.rows.first()).toHaveAttribute('aria-rowindex', '2');

	// Another device removes a license: this console's list follows without a reload.
	const other = await browser.newContext();
	try {
		const page2 = await other.newPage();
		await signIn(page2, ADMINS.coOwner.email, ADMINS.coOwner.password);
		const licenses2 = new LicensesPage(page2);
		await licenses2.goto('acme', `?q=${encodeURIComponent(removed.email)}`);
		await licenses2.row(removed.email).getByRole('button', { name: 'Remove license' }).click();
		await page2
			.getByRole('dialog', { name: `Remove the license of ${removed.name}?` })
			.getByRole('button', { name: 'Remove license' })
			.click();
		await expect(page2.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	} finally {
		await other.close();
	}
	await expect(licenses.count).toHaveText(`${fmt(total - 1)} of ${fmt(total - 1)} licensed users`, {
		timeout: 30_000
	});
	await licenses.search.fill(removed.email);
	await expect(
		licenses.users.getByText(`No licensed user matches “${removed.email}”.`)
	).toBeVisible();

	// Offline, the worker still reads the mirror: search and sort go on working.
	await context.setOffline(true);
	await page.reload();
	await licenses.search.fill(sought.email.toUpperCase());
	await expect(licenses.row(sought.email)).toHaveCount(1);
	await expect(licenses.count).toHaveText(`1 of ${fmt(total - 1)} licensed users`);
	await licenses.search.fill('');
	await expect(licenses.rows.first().getByRole('gridcell').nth(1)).toHaveText(firstEmail);
	await context.setOffline(false);
});

test.describe('a list whose worker cannot start', () => {
	// Requests a service worker answers are not routed: the worker's script must come from the network.
	test.use({ serviceWorkers: 'block' });

	test('says plainly that the licensed users could not be loaded, and Retry loads them', async ({
		page
	}) => {
		test.setTimeout(120_000);
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		const id = await enterpriseID(page.request, 'acme');
		const { total } = await licensesOf(page.request, id, { limit: 1 });
		const worker = /license-list\.worker/;
		await page.route(worker, (route) => route.abort());

		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		const failed = licenses.users.getByRole('alert');
		await expect(failed).toContainText('The licensed users could not be loaded on this device.', {
			timeout: 60_000
		});
		await expect(licenses.users.getByText('Loading licensed users…')).toHaveCount(0);

		await page.unroute(worker);
		await failed.getByRole('button', { name: 'Retry' }).click();
		await expect(licenses.count).toHaveText(`${fmt(total)} of ${fmt(total)} licensed users`, {
			timeout: 60_000
		});
		await expect(failed).toHaveCount(0);
	});
});
