import { expect, test, type Locator } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { seriousViolations } from './support/axe';
import { LicensesPage } from './support/licenses-page';
import { VIEWPORTS } from './support/viewports';

// The Licenses page in tabs (People, Invites, Usage) under the seat meter: the licensed users
// start on the first screen, the tabs follow the ARIA tabs pattern (arrow keys, Home, End), and
// the tab is in the address, so a reload and Back keep it. Axe on every tab.

for (const [label, options] of VIEWPORTS) {
	test(`the licensed users start on the first screen; tabs by keyboard and touch, kept by reload and Back; axe clean on each tab (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		const licenses = new LicensesPage(page);
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());
		const settled = async () => {
			await expect(
				page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
			).toBeAttached({ timeout: 30_000 });
			await expect(page.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 30_000 });
		};

		// People is the default tab, and its list is in view without scrolling.
		await licenses.goto('acme');
		await expect(licenses.tab('People')).toHaveAttribute('aria-selected', 'true');
		await expect(licenses.rows.first()).toBeVisible({ timeout: 30_000 });
		const grid = await licenses.table.boundingBox();
		expect(grid!.y).toBeLessThan(options.viewport!.height);
		await settled();
		if (process.env.SCREENSHOTS === '1' && !options.hasTouch) {
			await page.screenshot({ path: 'static/screenshots/licenses-tabs.png' });
		}
		expect(await seriousViolations(page), 'People tab').toEqual([]);

		// Keyboard: the arrows move and select; only the selected tab is in the tab order.
		await licenses.tab('People').focus();
		await page.keyboard.press('ArrowRight');
		await expect(licenses.tab('Invites')).toBeFocused();
		await expect(licenses.tab('Invites')).toHaveAttribute('aria-selected', 'true');
		await expect(licenses.tab('People')).toHaveAttribute('tabindex', '-1');
		await expect(page).toHaveURL(/[?&]tab=invites(&|$)/);
		await expect(page.getByRole('form', { name: 'Invite someone' })).toBeVisible();
		await expect(page.getByRole('region', { name: 'Pending invites' })).toBeVisible();
		await settled();
		expect(await seriousViolations(page), 'Invites tab').toEqual([]);
		await page.keyboard.press('End');
		await expect(licenses.tab('Usage')).toBeFocused();
		await page.keyboard.press('ArrowRight');
		await expect(licenses.tab('People')).toHaveAttribute('aria-selected', 'true');
		await page.keyboard.press('ArrowLeft');
		await expect(licenses.tab('Usage')).toHaveAttribute('aria-selected', 'true');

		// Usage: one line under the seat chart, the estimate's details behind a disclosure.
		await expect(page).toHaveURL(/[?&]tab=usage(&|$)/);
		const how = page.getByText('How this is estimated');
		await expect(how).toBeVisible({ timeout: 30_000 });
		const details = page.getByText(/Past days are an estimate the server rebuilds/);
		await expect(details).toBeHidden();
		await press(how);
		await expect(details).toBeVisible();
		await settled();
		expect(await seriousViolations(page), 'Usage tab').toEqual([]);

		// A reload keeps the tab.
		await page.reload();
		await expect(licenses.tab('Usage')).toHaveAttribute('aria-selected', 'true');
		// The console is interactive once its mirror has answered (a tap before is not seen).
		await settled();
		await expect(
			page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
		).toBeAttached({ timeout: 30_000 });

		// Back from a person's page returns to the tab the admin left.
		await press(licenses.tab('Invites'));
		await expect(page).toHaveURL(/[?&]tab=invites(&|$)/);
		const invite = page.getByRole('region', { name: 'Pending invites' }).getByRole('link').first();
		await press(invite);
		await expect(page).toHaveURL(/\/e\/acme\/people\//);
		await page.goBack();
		await expect(licenses.tab('Invites')).toHaveAttribute('aria-selected', 'true');
		await context.close();
	});
}
