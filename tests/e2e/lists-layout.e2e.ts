import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { seriousViolations } from './support/axe';
import { VIEWPORTS } from './support/viewports';

// The people lists as an admin reads them on a laptop and a touch tablet: the pending invites tab
// and its list count the same invites (R4, R5: expired ones are listed apart and hold no seat), a
// Revoke question keeps the columns' widths, and an unclaimed account's check box sits on its line.

const num = (text: string) => Number(text.replace(/\D/g, ''));

for (const [label, options] of VIEWPORTS) {
	test(`R4, R5: the Pending invites tab and its list give the same count; the Revoke question leaves the Expires column its width (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		await page.goto('/e/acme/licenses?show=invites');
		const tab = page.locator('fieldset label').filter({ hasText: 'Pending invites' });
		await expect(tab.locator('.count')).toHaveText(/^\d[\d,]*$/, { timeout: 60_000 });
		const listCount = page.getByText(/^\d[\d,]* of \d[\d,]* pending invites/);
		await expect(listCount).toBeVisible();
		const tabCount = num(await tab.locator('.count').innerText());
		const [shown, of] = (await listCount.innerText()).match(/\d[\d,]*/g)!.map(num);
		expect(shown).toBe(tabCount);
		expect(of).toBe(tabCount);
		// The rows agree too: every row not marked Expired is one the tab counts.
		const table = page.getByRole('region', { name: 'Pending invites' }).getByRole('table');
		const rows = table.getByRole('row').filter({ has: page.getByRole('cell') });
		const expired = rows.filter({ hasText: 'Expired' });
		expect((await rows.count()) - (await expired.count())).toBe(tabCount);

		// Revoke asks on a row of its own: the Expires column keeps its width.
		const expires = table.getByRole('columnheader', { name: 'Expires' });
		const before = (await expires.boundingBox())!.width;
		const first = rows.first();
		const email = (await first.getByRole('cell').first().innerText()).split('\n')[0]!.trim();
		await first.getByRole('button', { name: `Revoke the invite to ${email}` }).click();
		const question = page.getByText(`Revoke the invite to ${email}? Its seat is free at once.`);
		await expect(question).toBeVisible();
		const after = (await expires.boundingBox())!.width;
		expect(after).toBeGreaterThanOrEqual(before * 0.95);
		const keep = page.getByRole('button', { name: 'Keep' });
		await expect(keep).toBeFocused();
		const box = (await keep.boundingBox())!;
		expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
		expect(await seriousViolations(page)).toEqual([]);
		await keep.click();
		await expect(question).toHaveCount(0);
		await context.close();
	});

	test(`R15: each unclaimed account's check box is on the same line as its email (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		await page.goto('/e/acme/domains');
		await page
			.getByRole('button', { name: 'Unclaimed accounts on acme.test' })
			.click({ timeout: 60_000 });
		const section = page.getByRole('region', { name: 'Unclaimed accounts on acme.test' });
		const boxes = section.getByRole('checkbox');
		await expect(boxes.first()).toBeVisible({ timeout: 30_000 });
		for (const i of [0, 1]) {
			const line = await boxes.nth(i).evaluate((box) => {
				const label = box.closest('label')!;
				const range = document.createRange();
				range.selectNodeContents(label);
				// The first line of text after the box: the rectangles of the label's text, minus the box.
				const text = [...range.getClientRects()].find(
					(r) => r.left >= box.getBoundingClientRect().right - 0.5 && r.width > 0
				)!;
				const b = box.getBoundingClientRect();
				return { boxMiddle: b.top + b.height / 2, textTop: text.top, textBottom: text.bottom };
			});
			expect(line.boxMiddle, 'the box is level with its email').toBeGreaterThanOrEqual(
				line.textTop
			);
			expect(line.boxMiddle).toBeLessThanOrEqual(line.textBottom);
		}
		// A 44 px touch target: the whole line is the label.
		const height = (await section
			.locator('label:has(input[type="checkbox"])')
			.first()
			.boundingBox())!.height;
		expect(height).toBeGreaterThanOrEqual(44);
		expect(await seriousViolations(page)).toEqual([]);
		await context.close();
	});
}
