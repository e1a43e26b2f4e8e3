import { expect, test } from './support/fixtures';
import { seriousViolations } from './support/axe';
import { fmt } from './support/auth';
import { VIEWPORTS } from './support/viewports';

// Every list of members is searched and paged with its counts, and each member links to their
// page: an organization of Acme has over a thousand members, past what one page shows.

for (const [label, options] of VIEWPORTS) {
	test.describe(label, () => {
		test.use({ ownerContextOptions: options });

		test(`An organization's members page through with counts, search by name or email, and link to each person (${label})`, async ({
			ownerPage: page
		}) => {
			await page.goto('/e/acme/organizations');
			await expect(
				page
					.getByRole('status')
					.filter({ hasText: /All changes synced/ })
					.first()
			).toBeAttached({ timeout: 60_000 });
			const row = page.getByRole('row', { name: /^Engineering/ });
			const total = Number((await row.getByRole('cell').nth(1).innerText()).replace(/,/g, ''));
			expect(total).toBeGreaterThan(100);

			const opener = row.getByRole('button', { name: 'Members of Engineering' });
			await (options.hasTouch ? opener.tap() : opener.click());
			const sheet = page.getByRole('dialog', { name: 'Engineering' });
			await expect(sheet).toBeInViewport();
			const table = sheet.getByRole('table', { name: 'Members of Engineering' });
			await expect(sheet).toContainText(`Showing 1–50 of ${fmt(total)}`);
			await expect(table.getByRole('row')).toHaveCount(51);
			expect(await seriousViolations(page)).toEqual([]);

			await sheet.getByRole('button', { name: 'Next page of members of Engineering' }).click();
			await expect(sheet).toContainText(`Showing 51–100 of ${fmt(total)}`);
			const link = table.getByRole('link').first();
			const email = await link.innerText();
			await expect(link).toHaveAttribute('href', /^\/e\/acme\/people\/[0-9a-f-]{36}$/);

			// Search finds a member on any page, by part of their email.
			await sheet.getByRole('searchbox', { name: 'Search members of Engineering' }).fill(email);
			await expect(sheet).toContainText(
				`Showing 1–1 of 1 matching “${email}” (${fmt(total)} in all)`
			);
			await expect(table.getByRole('link', { name: email })).toBeVisible();
			await sheet
				.getByRole('searchbox', { name: 'Search members of Engineering' })
				.fill('zz-nobody');
			await expect(sheet).toContainText('No member matches “zz-nobody”.');

			// In the search field, Escape first empties it (as search fields do), then closes the sheet.
			await page.keyboard.press('Escape');
			await expect(sheet).toContainText(`Showing 1–50 of ${fmt(total)}`);
			await page.keyboard.press('Escape');
			await expect(sheet).toHaveCount(0);
			await expect(opener).toBeFocused();
		});
	});
}
