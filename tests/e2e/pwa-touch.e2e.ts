import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures';

// On a touch screen every control is a finger-sized target (WCAG 2.5.5: 44×44 CSS px),
// and the console is usable from the keyboard with a focus indicator that can be seen.
const TABLET = {
	deviceScaleFactor: 2,
	isMobile: true,
	hasTouch: true,
	colorScheme: 'light'
} as const;
const SIZES = {
	'portrait 820×1180': { width: 820, height: 1180 },
	'landscape 1180×820': { width: 1180, height: 820 }
} as const;

// Each console page: its path, its heading, and whether it lists data in a table (waited for, so
// the rows' controls are measured too). The test checks this covers every link of the sidebar.
const CONSOLE_PAGES = [
	['licenses', 'Licenses', true],
	['teams', 'Teams', true],
	['organizations', 'Organizations', true],
	['domains', 'Domains', true],
	['storage', 'Storage policy', true],
	['co-owners', 'Co-owners and billing', true],
	['audit', 'Audit log', true],
	['scim', 'SCIM provisioning', false],
	['settings', 'Settings', false]
] as const;

const MIN_TARGET = 44;

/**
 * Every interactive element a finger could aim at that is smaller than 44×44 CSS px, one line
 * each (`button "Sign out" 80×36`). Links inside running text (`p a`) are exempt (WCAG 2.5.5);
 * elements that are not drawn (display none, visibility hidden, screen-reader-only 1px boxes, or
 * parked off the left edge like an unfocused skip link) are not targets. A checkbox or radio
 * button is also hit through its label (a tap on the label toggles it), so a label of 44×44 or
 * more makes it big enough.
 */
function smallTargets(page: Page): Promise<string[]> {
	return page.evaluate((min) => {
		const selector =
			'a[href], button, input:not([type="hidden"]), select, textarea, [role="button"], summary';
		const small: string[] = [];
		for (const el of document.querySelectorAll<HTMLElement>(selector)) {
			if (el.matches('p a')) continue;
			if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
			const box = el.getBoundingClientRect();
			if (box.width <= 1 && box.height <= 1) continue;
			if (box.right + window.scrollX <= 0) continue;
			const big = (b: DOMRect) => b.width >= min && b.height >= min;
			if (big(box)) continue;
			const labels = el instanceof HTMLInputElement ? [...(el.labels ?? [])] : [];
			if (
				el instanceof HTMLInputElement &&
				(el.type === 'checkbox' || el.type === 'radio') &&
				labels.some((label) => big(label.getBoundingClientRect()))
			) {
				continue;
			}
			const name = (
				el.getAttribute('aria-label') ||
				el.innerText ||
				labels[0]?.innerText ||
				(el as HTMLInputElement).value ||
				''
			)
				.trim()
				.replace(/\s+/g, ' ')
				.slice(0, 40);
			const kind = el instanceof HTMLInputElement ? `input[type=${el.type}]` : el.localName;
			small.push(`${kind} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`);
		}
		return small;
	}, MIN_TARGET);
}

/** How many elements `smallTargets` looked at and found big enough (so the check is not vacuous). */
function countTargets(page: Page): Promise<number> {
	return page
		.locator(
			'a[href], button, input:not([type="hidden"]), select, textarea, [role="button"], summary'
		)
		.filter({ visible: true })
		.count();
}

/** Whether the focused element draws a focus ring: an outline or a box shadow. */
function focusIndicator(page: Page): Promise<{ element: string; outline: string; shadow: string }> {
	return page.evaluate(() => {
		const el = document.activeElement as HTMLElement | null;
		if (!el || el === document.body) return { element: 'body', outline: 'none', shadow: 'none' };
		const style = getComputedStyle(el);
		const outline =
			style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0
				? 'none'
				: `${style.outlineWidth} ${style.outlineStyle}`;
		return {
			element: `${el.localName} "${(el.getAttribute('aria-label') ?? el.innerText).trim()}"`,
			outline,
			shadow: style.boxShadow
		};
	});
}

async function expectVisibleFocus(page: Page): Promise<void> {
	const ring = await focusIndicator(page);
	expect(
		ring.outline !== 'none' || ring.shadow !== 'none',
		`${ring.element} shows where the focus is (outline ${ring.outline}, box-shadow ${ring.shadow})`
	).toBe(true);
}

for (const [label, viewport] of Object.entries(SIZES)) {
	test.describe(`Tablet ${label}, touch`, () => {
		test.use({ viewport, ...TABLET, ownerContextOptions: { viewport, ...TABLET } });

		test(`every control on every console page is at least 44×44 px (${label})`, async ({
			ownerPage: page
		}) => {
			test.setTimeout(120_000);
			const offenders: string[] = [];
			await page.goto('/e/acme/licenses');
			// The whole mirror, so the pages below show their tables and row controls. (In portrait
			// the sync status sits in the top bar, the sidebar being a closed drawer.)
			await expect(page.getByRole('status').filter({ hasText: 'All changes synced' })).toBeVisible({
				timeout: 60_000
			});
			const linked = await page
				.getByRole('navigation', { name: 'Enterprise controls', includeHidden: true })
				.getByRole('link', { includeHidden: true })
				.evaluateAll((links) => links.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
			expect(linked.sort(), 'every page of the sidebar is checked').toEqual(
				CONSOLE_PAGES.map(([path]) => `/e/acme/${path}`).sort()
			);
			for (const [path, heading, hasTable] of CONSOLE_PAGES) {
				await page.goto(`/e/acme/${path}`);
				await expect(
					page.getByRole('heading', { level: 1, name: heading, exact: true })
				).toBeVisible({ timeout: 30_000 });
				if (hasTable) {
					const main = page.getByRole('main');
					await expect(main.getByRole('table').or(main.getByRole('grid')).first()).toBeVisible();
				}
				expect(await countTargets(page), `/e/acme/${path} has controls`).toBeGreaterThan(0);
				offenders.push(...(await smallTargets(page)).map((s) => `/e/acme/${path}: ${s}`));
				if (path === 'licenses') {
					// The invites behind their tab: each email links to the person's page.
					await page.getByRole('tab', { name: /Invites/ }).click();
					await expect(
						page.getByRole('main').getByRole('link', { name: /@/ }).first()
					).toBeVisible();
					offenders.push(
						...(await smallTargets(page)).map((s) => `/e/acme/licenses?tab=invites: ${s}`)
					);
				}
				if (path === 'teams') {
					// A seeded team's members, in their side sheet: each email links to the person's page.
					// (Other journeys add teams of their own, some without members, so it is named.)
					await page
						.getByRole('main')
						.getByRole('button', { name: 'Members of Analytics', exact: true })
						.click();
					const sheet = page.getByRole('dialog');
					await expect(sheet.getByRole('link', { name: /@/ }).first()).toBeVisible();
					offenders.push(...(await smallTargets(page)).map((s) => `/e/acme/teams, members: ${s}`));
					await page.keyboard.press('Escape');
					await expect(sheet).toBeHidden();
					// The controls that appear on demand: the new-team form, a rename editor and a delete
					// confirmation (nothing is submitted).
					const main = page.getByRole('main');
					await main.getByRole('button', { name: 'Create team' }).click();
					await expect(main.getByRole('form', { name: 'New team' })).toBeVisible();
					await main
						.getByRole('button', { name: /^Rename / })
						.first()
						.click();
					await expect(main.getByRole('button', { name: 'Save' })).toBeVisible();
					await main
						.getByRole('button', { name: /^Delete / })
						.first()
						.click();
					await expect(main.getByRole('button', { name: 'Keep' })).toBeVisible();
					offenders.push(...(await smallTargets(page)).map((s) => `/e/acme/teams, editing: ${s}`));
				}
			}
			if (viewport.width <= 900) {
				// The drawer's controls, with the drawer open.
				await page.getByRole('button', { name: 'Menu' }).click();
				await expect(page.getByRole('navigation', { name: 'Enterprise controls' })).toBeVisible();
				offenders.push(...(await smallTargets(page)).map((s) => `drawer: ${s}`));
			}
			expect(offenders, 'controls smaller than 44×44 CSS px').toEqual([]);
		});

		test(`the sign-in page's controls are at least 44×44 px (${label})`, async ({ page }) => {
			await page.goto('/login');
			await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
			expect(await countTargets(page)).toBeGreaterThanOrEqual(3);
			expect(await smallTargets(page), 'controls smaller than 44×44 CSS px').toEqual([]);
		});

		test(`keyboard: from the top of Licenses, Tab reaches "Skip to content" and then the nav, each with a visible focus ring (${label})`, async ({
			ownerPage: page
		}) => {
			await page.goto('/e/acme/licenses');
			await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();

			await page.keyboard.press('Tab');
			const skip = page.getByRole('link', { name: 'Skip to content' });
			await expect(skip).toBeFocused();
			await expect(skip).toBeInViewport();
			await expectVisibleFocus(page);
			const skipBox = await skip.boundingBox();
			expect(skipBox?.height ?? 0, 'height of "Skip to content"').toBeGreaterThanOrEqual(
				MIN_TARGET
			);

			const nav = page.getByRole('navigation', { name: 'Enterprise controls' });
			if (viewport.width <= 900) {
				// Portrait: the nav sits in a drawer behind the Menu button, the next stop.
				await page.keyboard.press('Tab');
				const menu = page.getByRole('button', { name: 'Menu' });
				await expect(menu).toBeFocused();
				await expectVisibleFocus(page);
				await page.keyboard.press('Enter');
				await expect(nav).toBeVisible();
			}
			// Then the sidebar (the enterprise switcher comes before the nav), every stop visible.
			const first = nav.getByRole('link', { name: 'Licenses' });
			for (let stop = 0; stop < 4; stop++) {
				await page.keyboard.press('Tab');
				await expectVisibleFocus(page);
				if (await first.evaluate((el) => el === document.activeElement)) break;
			}
			await expect(first, 'Tab reaches the nav within four stops').toBeFocused();
			for (const name of ['Teams', 'Organizations']) {
				await page.keyboard.press('Tab');
				await expect(nav.getByRole('link', { name })).toBeFocused();
				await expectVisibleFocus(page);
			}
		});
	});
}
