import { expect, test } from '@playwright/test';
import { ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('R4/R7/R20: the licensed users list reads the mirror, searches and sorts offline, and a license removed offline frees its seat once synced', async ({
	page,
	context
}) => {
	test.setTimeout(120_000);
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const id = await enterpriseID(page.request, 'acme');
	// Two generated users (not admins), picked from the server's list by email order.
	const sample = (await licensesOf(page.request, id, { sort: 'email', offset: 2000, limit: 200 }))
		.users;
	const admins = new Set<string>(Object.values(ADMINS).map((a) => a.email));
	const generated = sample.filter((u) => !admins.has(u.email));
	const sought = generated[0];
	const target = generated.at(-1);
	if (!sought || !target) throw new Error('the seed has no generated Acme users');

	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 60_000 });
	const before = await licensesOf(page.request, id, { limit: 1 });
	await expect(licenses.count).toHaveText(
		`${fmt(before.total)} of ${fmt(before.total)} licensed users`
	);
	// Virtualized: the grid announces every row but renders only those in view.
	await expect(licenses.table).toHaveAttribute('aria-rowcount', String(before.total + 1));
	const rendered = await licenses.rows.count();
	expect(rendered).toBeGreaterThan(5);
	expect(rendered).toBeLessThan(60);

	// Search as you type narrows the list; the query lands in the address.
	const part = sought.email.split('@')[0]!;
	await licenses.search.click();
	await licenses.search.pressSequentially(part, { delay: 20 });
	await expect(licenses.row(sought.email)).toHaveCount(1);
	await expect(licenses.count).not.toHaveText(`${fmt(before.total)} of ${fmt(before.total)}`);
	await expect(licenses.count).toHaveText(
		new RegExp(`^[\\d,]+ of ${escape(fmt(before.total))} licensed users$`)
	);
	for (const e of await licenses.emails()) expect(e.toLowerCase()).toContain(part.toLowerCase());
	await expect(page).toHaveURL(new RegExp(`[?&]q=${escape(encodeURIComponent(part))}`));
	await expect(licenses.search).toBeFocused();
	// A reload keeps the query.
	await page.reload();
	await expect(licenses.search).toHaveValue(part);
	await expect(licenses.row(sought.email)).toHaveCount(1);

	// Sort changes the first row: newest first has a date on top, oldest first a never-active user,
	// and by email the server's first address.
	await licenses.search.fill('');
	await expect(page).not.toHaveURL(/[?&]q=/);
	await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'descending');
	const newestFirst = (await licenses.column(2))[0];
	expect(newestFirst).toMatch(/^\d{4}-\d{2}-\d{2}$/);
	await licenses.lastActiveSort.click();
	await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'ascending');
	await expect(page).toHaveURL(/[?&]sort=last-active-asc/);
	await expect(licenses.rows.first().getByRole('gridcell').nth(2)).toHaveText('N/A');
	await licenses.emailSort.click();
	await expect(page).toHaveURL(/[?&]sort=email/);
	const firstByEmail = (await licensesOf(page.request, id, { sort: 'email', limit: 1 })).users[0]!;
	await expect(licenses.rows.first().getByRole('gridcell').nth(1)).toHaveText(firstByEmail.email);

	// The grid scrolls with the keyboard; the last user is rendered at the bottom.
	await licenses.table.focus();
	await page.keyboard.press('End');
	await expect(licenses.rows.last()).toHaveAttribute('aria-rowindex', String(before.total + 1));
	await page.keyboard.press('Home');
	await expect(licenses.rows.first()).toHaveAttribute('aria-rowindex', '2');

	// Offline, the list and the search still work from the mirror.
	await context.setOffline(true);
	await licenses.search.fill(target.email);
	await expect(licenses.row(target.email)).toHaveCount(1);
	await expect(licenses.count).toHaveText(`1 of ${fmt(before.total)} licensed users`);
	const used = before.seats.used;
	await expect(licenses.seatFigure).toHaveText(
		new RegExp(`^${escape(fmt(used))} of [\\d,]+ seats used$`)
	);

	// R7: removing the license is confirmed first, then queued.
	await licenses.row(target.email).getByRole('button', { name: 'Remove license' }).click();
	const dialog = page.getByRole('dialog', { name: `Remove the license of ${target.name}?` });
	await expect(dialog).toBeVisible();
	await expect(dialog).toContainText('keeps their account');
	await expect(dialog).toContainText('loses access to Acme’s data');
	await dialog.getByRole('button', { name: 'Remove license' }).click();
	await expect(dialog).toBeHidden();
	await expect(licenses.row(target.email)).toHaveCount(0);
	await expect(
		licenses.users.getByText(`No licensed user matches “${target.email}”.`)
	).toBeVisible();
	await expect(licenses.seatFigure).toHaveText(
		new RegExp(`^${escape(fmt(used - 1))} of [\\d,]+ seats used$`)
	);
	await expect(licenses.figure('Licensed users')).toHaveText(fmt(before.seats.licensed - 1));
	await expect(page.getByRole('status')).toHaveText(/1 change waiting \(offline\)/);
	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const after = await licensesOf(page.request, id, { q: target.email, limit: 10 });
	expect(after.users.map((u) => u.email)).not.toContain(target.email);
	expect(after.total).toBe(0);
	await expect(licenses.count).toHaveText(
		new RegExp(`^0 of ${escape(fmt(before.total - 1))} licensed users$`)
	);
});

test('R2: billing sees the licensed users but no "Remove license"', async ({ page }) => {
	test.setTimeout(90_000);
	await signIn(page, ADMINS.billing.email, ADMINS.billing.password);
	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(licenses.rows.first()).toBeVisible({ timeout: 60_000 });
	await expect(licenses.table.getByRole('columnheader')).toHaveCount(3);
	await expect(licenses.users.getByRole('button', { name: /Remove license/ })).toHaveCount(0);
});
