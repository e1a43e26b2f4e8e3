import { enterpriseID, fmt, licensesOf, seatTexts } from './support/auth';
import { expect, test } from './support/fixtures';
import { LicensesPage } from './support/licenses-page';

const DATE_OR_NA = /^(\d{4}-\d{2}-\d{2}|N\/A)$/;

test.describe('Licenses page (R4, R19, R20)', () => {
	let id: string;

	test.beforeEach(async ({ ownerPage }) => {
		id = await enterpriseID(ownerPage.request, 'acme');
	});

	test('R4: the seat meter shows the server’s seat usage: used of purchased, licensed, pending, free', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		// Retried as a whole: another test may invite someone to Acme meanwhile.
		await expect(async () => {
			const { seats } = await licensesOf(page.request, id, { limit: 1 });
			// R4 arithmetic on the server's own figures.
			expect(seats.used).toBe(seats.licensed + seats.pendingInvites);
			expect(seats.free).toBe(Math.max(0, seats.purchased - seats.used));
			expect(seats.licensed).toBeGreaterThan(4000);
			expect(await licenses.shownSeats()).toEqual(seatTexts(seats));
			const meter = licenses.seats.getByRole('meter', { name: 'Seats used' });
			expect(await meter.getAttribute('aria-valuenow')).toBe(String(seats.used));
			expect(await meter.getAttribute('aria-valuemax')).toBe(String(seats.purchased));
		}).toPass({ timeout: 15_000 });
	});

	test('R4/R20: the table lists 50 licensed users with Name, Email and Last Active (YYYY-MM-DD or N/A)', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		const headers = licenses.table.getByRole('columnheader');
		await expect(headers).toHaveCount(3);
		await expect(headers.nth(0)).toHaveText('Name');
		await expect(headers.nth(1)).toHaveText('Email');
		await expect(headers.nth(2)).toContainText('Last Active');
		await expect(licenses.rows).toHaveCount(50);

		const emails = await licenses.emails();
		for (const email of emails) expect(email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
		expect(new Set(emails).size).toBe(50);
		for (const name of await licenses.column(0)) expect(name.length).toBeGreaterThan(0);
		const lastActive = await licenses.column(2);
		for (const value of lastActive) expect(value).toMatch(DATE_OR_NA);

		// Same users, same order, as the API (the page is real server data, default newest first).
		const api = await licensesOf(page.request, id, { limit: 50 });
		expect(emails).toEqual(api.users.map((u) => u.email));
		await expect(licenses.pager).toContainText(`1–50 of ${fmt(api.total)}`);
	});

	test('R4: search as you type filters the list, and a nonsense query shows the empty state', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.rows).toHaveCount(50);
		// A generated user (the owner is row 1 after signing in): type the part before the @.
		const email = (await licenses.emails())[1] ?? '';
		const part = email.split('@')[0] ?? '';
		expect(part.length).toBeGreaterThan(3);

		await licenses.search.click();
		await licenses.search.pressSequentially(part, { delay: 30 });
		await expect(page).toHaveURL(
			new RegExp(`[?&]q=${encodeURIComponent(part).replace(/\./g, '\\.')}`)
		);
		await expect(licenses.rows.filter({ hasText: email })).toHaveCount(1);
		const shown = await licenses.rows.count();
		expect(shown).toBeGreaterThanOrEqual(1);
		expect(shown).toBeLessThan(50);
		for (const e of await licenses.emails()) expect(e.toLowerCase()).toContain(part.toLowerCase());
		// The admin keeps typing without the field losing focus.
		await expect(licenses.search).toBeFocused();

		await licenses.search.fill('zzqx-nobody-here');
		await expect(
			licenses.users.getByText('No licensed user matches “zzqx-nobody-here”.')
		).toBeVisible();
		await expect(licenses.rows).toHaveCount(0);
		await expect(licenses.pager).toHaveCount(0);

		// Clearing the search brings the full list back.
		await licenses.search.fill('');
		await expect(licenses.rows).toHaveCount(50);
		await expect(page).not.toHaveURL(/[?&]q=/);
	});

	test('R4: Next page and Previous page walk through the licensed users', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		const total = (await licensesOf(page.request, id, { limit: 1 })).total;
		await expect(licenses.pager).toContainText(`1–50 of ${fmt(total)}`);
		await expect(licenses.pager.getByRole('link', { name: 'Previous page' })).toHaveCount(0);
		const firstPage = await licenses.emails();

		await licenses.pager.getByRole('link', { name: 'Next page' }).click();
		await expect(page).toHaveURL(/[?&]page=2/);
		await expect(licenses.pager).toContainText(`51–100 of ${fmt(total)}`);
		await expect(licenses.rows).toHaveCount(50);
		const secondPage = await licenses.emails();
		expect(secondPage.filter((e) => firstPage.includes(e))).toEqual([]);
		const api = await licensesOf(page.request, id, { offset: 50, limit: 50 });
		expect(secondPage).toEqual(api.users.map((u) => u.email));

		await licenses.pager.getByRole('link', { name: 'Previous page' }).click();
		await expect(licenses.pager).toContainText(`1–50 of ${fmt(total)}`);
		expect(await licenses.emails()).toEqual(firstPage);
	});

	test('R20: the Last Active header link flips the sort order and aria-sort follows', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'descending');
		const newest = await licenses.column(2);
		const dates = newest.filter((d) => d !== 'N/A');
		expect(dates.length).toBeGreaterThan(1);
		expect([...dates].sort().reverse()).toEqual(dates);

		await licenses.lastActiveSort.click();
		await expect(page).toHaveURL(/[?&]sort=last-active-asc/);
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'ascending');
		await expect(licenses.rows).toHaveCount(50);
		const oldestEmails = await licenses.emails();
		const api = await licensesOf(page.request, id, { sort: 'last-active-asc', limit: 50 });
		expect(oldestEmails).toEqual(api.users.map((u) => u.email));
		// Oldest first: the never-active users (N/A) come before anyone with a date.
		const oldest = await licenses.column(2);
		const firstDate = oldest.findIndex((d) => d !== 'N/A');
		if (firstDate >= 0)
			expect([...oldest.slice(firstDate)].sort()).toEqual(oldest.slice(firstDate));
		expect(oldest[0]).toBe('N/A');

		await licenses.lastActiveSort.click();
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'descending');
		await expect(page).toHaveURL(/[?&]sort=last-active-desc/);
	});
});
