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

	test('R4/R20: the grid lists every licensed user with Name, Email and Last Active (YYYY-MM-DD or N/A)', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		const headers = licenses.table.getByRole('columnheader');
		// The owner also gets the Actions column (Remove license).
		await expect(headers).toHaveCount(4);
		await expect(headers.nth(0)).toHaveText('Name');
		await expect(headers.nth(1)).toContainText('Email');
		await expect(headers.nth(2)).toContainText('Last Active');
		await expect(licenses.rows.first()).toBeVisible();

		const emails = await licenses.emails();
		for (const email of emails) expect(email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
		expect(new Set(emails).size).toBe(emails.length);
		for (const name of await licenses.column(0)) expect(name.length).toBeGreaterThan(0);
		const lastActive = await licenses.column(2);
		for (const value of lastActive) expect(value).toMatch(DATE_OR_NA);
		// Newest first by default.
		const dates = lastActive.filter((d) => d !== 'N/A');
		expect([...dates].sort().reverse()).toEqual(dates);

		// Every licensed user of the server is in the mirror's list.
		await expect(async () => {
			const api = await licensesOf(page.request, id, { limit: 1 });
			await expect(licenses.count).toHaveText(
				`${fmt(api.total)} of ${fmt(api.total)} licensed users`,
				{ timeout: 1000 }
			);
		}).toPass({ timeout: 15_000 });
		// Sorted by email, the first rows are the server's first rows.
		await licenses.emailSort.click();
		await expect(licenses.table.getByRole('columnheader', { name: /Email/ })).toHaveAttribute(
			'aria-sort',
			'ascending'
		);
		const api = await licensesOf(page.request, id, { sort: 'email', limit: 5 });
		expect((await licenses.emails()).slice(0, 5)).toEqual(api.users.map((u) => u.email));
	});

	test('R4: search as you type filters the list, and a nonsense query shows the empty state', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.rows.first()).toBeVisible();
		const total = (await licenses.count.innerText()).replace(/^[\d,]+ of /, '');
		// A generated user (not the owner): type the part before the @.
		const email = (await licenses.emails()).find((e) => !e.startsWith('owner@')) ?? '';
		const part = email.split('@')[0] ?? '';
		expect(part.length).toBeGreaterThan(3);

		await licenses.search.click();
		await licenses.search.pressSequentially(part, { delay: 30 });
		await expect(page).toHaveURL(
			new RegExp(`[?&]q=${encodeURIComponent(part).replace(/\./g, '\\.')}`)
		);
		await expect(licenses.row(email)).toHaveCount(1);
		await expect(licenses.count).not.toHaveText(
			`${total.replace(' licensed users', '')} of ${total}`
		);
		for (const e of await licenses.emails()) expect(e.toLowerCase()).toContain(part.toLowerCase());
		// The admin keeps typing without the field losing focus.
		await expect(licenses.search).toBeFocused();

		await licenses.search.fill('zzqx-nobody-here');
		await expect(
			licenses.users.getByText('No licensed user matches “zzqx-nobody-here”.')
		).toBeVisible();
		await expect(licenses.rows).toHaveCount(0);
		// Of however many hold a license now (another test may remove one meanwhile).
		await expect(licenses.count).toHaveText(/^0 of [\d,]+ licensed users$/);

		// Clearing the search brings the full list back.
		await licenses.search.fill('');
		await expect(licenses.rows.first()).toBeVisible();
		await expect(page).not.toHaveURL(/[?&]q=/);
	});

	test('R4: the list is virtualized and scrolls through every licensed user', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.rows.first()).toHaveAttribute('aria-rowindex', '2');
		const rowcount = Number(await licenses.table.getAttribute('aria-rowcount'));
		expect(rowcount).toBeGreaterThan(4000);
		expect(await licenses.rows.count()).toBeLessThan(60);
		const top = await licenses.emails();

		await licenses.table.focus();
		await page.keyboard.press('PageDown');
		await expect(licenses.rows.first()).not.toHaveAttribute('aria-rowindex', '2');
		// The last row is the last one the grid announces (the count may move if another test
		// removes a license meanwhile; the list follows the mirror live).
		await expect(async () => {
			await licenses.table.focus();
			await page.keyboard.press('End');
			const last = await licenses.rows.last().getAttribute('aria-rowindex');
			expect(last).toBe(await licenses.table.getAttribute('aria-rowcount'));
		}).toPass({ timeout: 10_000 });
		const bottom = await licenses.emails();
		expect(bottom.filter((e) => top.includes(e))).toEqual([]);
		for (const box of await Promise.all(
			(await licenses.rows.all()).slice(0, 3).map((r) => r.boundingBox())
		))
			expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
	});

	test('R20: the Last Active header flips the sort order and aria-sort follows', async ({
		ownerPage: page
	}) => {
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'descending');
		await expect(licenses.rows.first()).toBeVisible();
		const newest = await licenses.column(2);
		const dates = newest.filter((d) => d !== 'N/A');
		expect(dates.length).toBeGreaterThan(1);
		expect([...dates].sort().reverse()).toEqual(dates);

		await licenses.lastActiveSort.click();
		await expect(page).toHaveURL(/[?&]sort=last-active-asc/);
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'ascending');
		// Oldest first: the never-active users (N/A) come before anyone with a date.
		const oldest = await licenses.column(2);
		const firstDate = oldest.findIndex((d) => d !== 'N/A');
		if (firstDate >= 0)
			expect([...oldest.slice(firstDate)].sort()).toEqual(oldest.slice(firstDate));
		expect(oldest[0]).toBe('N/A');
		// A reload keeps the order.
		await page.reload();
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'ascending');

		await licenses.lastActiveSort.click();
		await expect(licenses.lastActiveHeader).toHaveAttribute('aria-sort', 'descending');
		await expect(page).not.toHaveURL(/[?&]sort=/);
	});
});
