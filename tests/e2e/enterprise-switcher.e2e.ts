import { ACME_EMAIL, ADMINS, enterpriseID, licensesOf, seatTexts } from './support/auth';
import { expect, test } from './support/fixtures';
import { LicensesPage } from './support/licenses-page';

test.describe('Enterprise switcher (R1)', () => {
	test('R1: an admin of two enterprises gets a "Switch enterprise" select listing both', async ({
		ownerPage: page
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
		ownerPage: page
	}) => {
		const acmeID = await enterpriseID(page.request, 'acme');
		const globexID = await enterpriseID(page.request, 'globex');
		const acme = await licensesOf(page.request, acmeID, { limit: 1 });
		const globex = await licensesOf(page.request, globexID, { limit: 1000 });
		expect(globex.seats.purchased).not.toBe(acme.seats.purchased);
		expect(globex.seats.used).not.toBe(acme.seats.used);

		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.seatFigure).toHaveText(seatTexts(acme.seats).figure);
		// Watch the seat meter through the switch: Globex's URL must never show Acme's seats (R1),
		// not even for a frame while the other enterprise's mirror opens.
		await page.evaluate(() => {
			const seen: { path: string; text: string }[] = [];
			(window as unknown as { seatTexts: typeof seen }).seatTexts = seen;
			const record = () => {
				const meter = document.querySelector('[role="meter"][aria-label="Seats used"]');
				const text = meter?.getAttribute('aria-valuetext') ?? '';
				if (seen.at(-1)?.text !== text || seen.at(-1)?.path !== location.pathname)
					seen.push({ path: location.pathname, text });
			};
			new MutationObserver(record).observe(document.body, {
				subtree: true,
				childList: true,
				characterData: true,
				attributes: true
			});
		});

		await page
			.getByRole('combobox', { name: 'Switch enterprise' })
			.selectOption({ label: 'Globex' });
		await expect(page).toHaveURL(/\/e\/globex\/licenses$/);
		await expect(page).toHaveTitle('Licenses · Globex · Roster');
		await expect(page.getByRole('combobox', { name: 'Switch enterprise' })).toHaveValue('globex');
		await expect(async () => {
			const { seats } = await licensesOf(page.request, globexID, { limit: 1 });
			expect(await licenses.shownSeats()).toEqual(seatTexts(seats));
		}).toPass({ timeout: 15_000 });
		// Let the Globex mirror finish opening, then look at everything the meter showed.
		await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
		const shown = await page.evaluate(
			() => (window as unknown as { seatTexts: { path: string; text: string }[] }).seatTexts
		);
		const acmeOnGlobex = shown.filter(
			(s) => s.path.startsWith('/e/globex/') && s.text === seatTexts(acme.seats).figure
		);
		expect(acmeOnGlobex, JSON.stringify(shown)).toEqual([]);
		// licenses-people-filter.e2e.ts may claim a Globex user meanwhile: the server's count of now.
		await expect(async () => {
			const { total } = await licensesOf(page.request, globexID, { limit: 1 });
			await expect(licenses.count).toHaveText(`${total} of ${total} licensed users`, {
				timeout: 1_000
			});
		}).toPass({ timeout: 15_000 });

		// No Acme user on the Globex page; the only @acme.test address is the owner, who holds a
		// Globex seat as its owner.
		const emails = await licenses.emails();
		const foreign = emails.filter((e) => ACME_EMAIL.test(e) && e !== ADMINS.owner.email);
		expect(foreign).toEqual([]);
		for (const e of emails.filter((x) => x !== ADMINS.owner.email))
			expect(e).toMatch(/@globex\.test$/);

		// The server agrees for the whole Globex roster, not just the first page.
		expect(globex.users.filter((u) => ACME_EMAIL.test(u.email)).map((u) => u.email)).toEqual([
			ADMINS.owner.email
		]);

		// Searching Globex for an Acme user finds nothing.
		await licenses.search.fill('acme-corp');
		await expect(licenses.users.getByText('No licensed user matches “acme-corp”.')).toBeVisible();
	});

	test('R1: switching keeps the admin on the same console area', async ({ ownerPage: page }) => {
		await page.goto('/e/acme/teams');
		await page.getByRole('combobox', { name: 'Switch enterprise' }).selectOption('globex');
		await expect(page).toHaveURL(/\/e\/globex\/teams$/);
		await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
		await expect(
			page
				.getByRole('navigation', { name: 'Enterprise controls' })
				.getByRole('link', { name: 'Teams' })
		).toHaveAttribute('aria-current', 'page');
	});
});
