import { expect, test } from '@playwright/test';
import { ACME_EMAIL, ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

test.describe('Enterprise switcher (R1)', () => {
	test.beforeEach(async ({ page }) => {
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	});

	test('R1: an admin of two enterprises gets a "Switch enterprise" select listing both', async ({
		page
	}) => {
		await page.goto('/e/acme/licenses');
		const switcher = page.getByRole('combobox', { name: 'Switch enterprise' });
		await expect(switcher).toBeVisible();
		await expect(switcher).toHaveValue('acme');
		const options = switcher.getByRole('option');
		await expect(options).toHaveText(['Acme', 'Globex']);
		// Initech is someone else's enterprise: not offered.
		await expect(switcher.getByRole('option', { name: 'Initech' })).toHaveCount(0);
	});

	test('R1: choosing Globex shows Globex’s own seats and users, and none of Acme’s', async ({
		page
	}) => {
		const acmeID = await enterpriseID(page.request, 'acme');
		const globexID = await enterpriseID(page.request, 'globex');
		const acme = await licensesOf(page.request, acmeID, { limit: 1 });
		const globex = await licensesOf(page.request, globexID, { limit: 1000 });
		expect(globex.seats.purchased).not.toBe(acme.seats.purchased);
		expect(globex.seats.used).not.toBe(acme.seats.used);

		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.seatFigure).toHaveText(
			`${fmt(acme.seats.used)} of ${fmt(acme.seats.purchased)} seats used`
		);

		await page.getByRole('combobox', { name: 'Switch enterprise' }).selectOption({ label: 'Globex' });
		await expect(page).toHaveURL(/\/e\/globex\/licenses$/);
		await expect(page).toHaveTitle('Licenses · Globex · Roster');
		await expect(page.getByRole('combobox', { name: 'Switch enterprise' })).toHaveValue('globex');
		await expect(licenses.seatFigure).toHaveText(
			`${fmt(globex.seats.used)} of ${fmt(globex.seats.purchased)} seats used`
		);
		await expect(licenses.figure('Licensed users')).toHaveText(fmt(globex.seats.licensed));
		await expect(licenses.figure('Free seats')).toHaveText(fmt(globex.seats.free));
		await expect(licenses.rows).toHaveCount(50);

		// No Acme user on the Globex page; the only @acme.test address is the owner, who holds a
		// Globex seat as its owner.
		const emails = await licenses.emails();
		const foreign = emails.filter((e) => ACME_EMAIL.test(e) && e !== ADMINS.owner.email);
		expect(foreign).toEqual([]);
		for (const e of emails.filter((x) => x !== ADMINS.owner.email)) expect(e).toMatch(/@globex\.test$/);

		// The server agrees for the whole Globex roster, not just the first page.
		expect(globex.users.filter((u) => ACME_EMAIL.test(u.email)).map((u) => u.email)).toEqual([
			ADMINS.owner.email
		]);

		// Searching Globex for an Acme user finds nothing.
		await licenses.search.fill('acme-corp');
		await expect(licenses.users.getByText('No licensed user matches “acme-corp”.')).toBeVisible();
	});

	test('R1: switching keeps the admin on the same console area', async ({ page }) => {
		await page.goto('/e/acme/teams');
		await page.getByRole('combobox', { name: 'Switch enterprise' }).selectOption('globex');
		await expect(page).toHaveURL(/\/e\/globex\/teams$/);
		await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
		await expect(
			page.getByRole('navigation', { name: 'Enterprise controls' }).getByRole('link', { name: 'Teams' })
		).toHaveAttribute('aria-current', 'page');
	});
});
