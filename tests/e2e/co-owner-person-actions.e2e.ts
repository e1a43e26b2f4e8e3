import { expect, test, type Locator, type Page } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { seriousViolations } from './support/axe';
import { LicensesPage } from './support/licenses-page';
import { VIEWPORTS } from './support/viewports';

// R2, R8: a list of people offers only what the viewer's role may do to each person: a co-owner is
// never offered removing the owner's license (nor their own), and only the owner changes admins.
// The action that is offered is not clipped by the grid, on a laptop and on a touch tablet.

/** Whether `inner` lies within `outer` and within the window, to the pixel. */
async function expectInside(page: Page, inner: Locator, outer: Locator) {
	const a = (await inner.boundingBox())!;
	const b = (await outer.boundingBox())!;
	const width = page.viewportSize()!.width;
	expect(a.x, 'left edge inside').toBeGreaterThanOrEqual(b.x);
	expect(a.x + a.width, 'right edge inside the grid').toBeLessThanOrEqual(b.x + b.width);
	expect(a.x + a.width, 'right edge inside the window').toBeLessThanOrEqual(width);
	// Not cut by its cell either: the whole button is painted.
	const clipped = await inner.evaluate((el) => {
		const box = el.getBoundingClientRect();
		const cell = el.parentElement!.getBoundingClientRect();
		return box.right > cell.right + 0.5 || box.left < cell.left - 0.5;
	});
	expect(clipped, 'the button fits its cell').toBe(false);
}

for (const [label, options] of VIEWPORTS) {
	test(`R2, R8: a co-owner is offered no removal of the owner's license; the offered one fits the grid (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.coOwner.email, ADMINS.coOwner.password);
		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await expect(licenses.count).toBeVisible({ timeout: 60_000 });

		await licenses.search.fill(ADMINS.owner.email);
		const owner = licenses.row(ADMINS.owner.email);
		await expect(owner).toContainText('Owner');
		await expect(owner.getByRole('button', { name: /Remove license/ })).toHaveCount(0);

		// Anyone else: offered, and the whole button is inside the grid and the window.
		await licenses.search.fill('');
		const someone = licenses.rows
			.filter({ has: page.getByRole('button', { name: /^Remove license of / }) })
			.first();
		const remove = someone.getByRole('button', { name: /^Remove license of / });
		await expect(remove).toBeVisible();
		await expectInside(page, remove, licenses.table);
		expect(await seriousViolations(page)).toEqual([]);

		// Only the owner changes admins: the co-owner is offered nothing on the owner's row or others.
		await page.goto('/e/acme/co-owners');
		const table = page.getByRole('table');
		await expect(table.getByRole('cell', { name: ADMINS.owner.email, exact: true })).toBeVisible({
			timeout: 30_000
		});
		await expect(table.getByRole('button')).toHaveCount(0);
		await context.close();
	});
}

test('R8: the owner is offered ending sessions and removing other admins, never on their own row', async ({
	page
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/co-owners');
	const table = page.getByRole('table');
	const own = table
		.getByRole('row')
		.filter({ has: page.getByRole('cell', { name: ADMINS.owner.email, exact: true }) });
	await expect(own).toContainText('Keeps every right', { timeout: 30_000 });
	await expect(own.getByRole('button')).toHaveCount(0);
	const coOwner = table
		.getByRole('row')
		.filter({ has: page.getByRole('cell', { name: ADMINS.coOwner.email, exact: true }) });
	await expect(
		coOwner.getByRole('button', { name: `Remove ${ADMINS.coOwner.email}` })
	).toBeVisible();
	await expect(
		coOwner.getByRole('button', { name: `End all sessions of ${ADMINS.coOwner.email}` })
	).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
});
