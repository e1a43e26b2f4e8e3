import type { Locator, Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { expect, test } from './support/fixtures';
import { ADMINS, signIn } from './support/auth';

// iPad Air: 820×1180 CSS pixels in portrait, 1180×820 in landscape.
const PORTRAIT = { width: 820, height: 1180 };
const LANDSCAPE = { width: 1180, height: 820 };
const TABLET = { deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// Each console page: its sidebar label, its heading, and whether it shows a table of data.
const PAGES = [
	['Licenses', 'Licenses', true],
	['Teams', 'Teams', true],
	['Organizations', 'Organizations', true],
	['Domains', 'Domains', true],
	['Storage', 'Storage policy', true],
	['Co-owners', 'Co-owners and billing', true],
	['Audit log', 'Audit log', true],
	['SCIM', 'SCIM provisioning', false],
	['Settings', 'Settings', false]
] as const;

const menu = (page: Page) => page.getByRole('button', { name: 'Menu' });
const nav = (page: Page) => page.getByRole('navigation', { name: 'Enterprise controls' });
const sidebar = (page: Page) => page.getByRole('complementary', { name: 'Sidebar' });

async function horizontalOverflow(page: Page): Promise<number> {
	return page.evaluate(() => {
		const doc = document.scrollingElement ?? document.documentElement;
		return doc.scrollWidth - window.innerWidth;
	});
}

async function expectNoHorizontalScroll(page: Page, what: string): Promise<void> {
	expect(await horizontalOverflow(page), `${what}: page wider than the screen`).toBeLessThanOrEqual(
		0
	);
}

/** Every link, button and select in the sidebar is at least 44 CSS px tall (a finger-sized target). */
async function expectTouchTargets(controls: Locator): Promise<void> {
	const count = await controls.count();
	expect(count).toBeGreaterThan(0);
	for (let i = 0; i < count; i++) {
		const control = controls.nth(i);
		const box = await control.boundingBox();
		const name = (await control.innerText()).trim() || (await control.getAttribute('aria-label'));
		expect(box, `${name} is on screen`).not.toBeNull();
		expect(box?.height ?? 0, `height of "${name}"`).toBeGreaterThanOrEqual(44);
	}
}

for (const [label, viewport] of [
	['portrait 820×1180', PORTRAIT],
	['landscape 1180×820', LANDSCAPE]
] as const) {
	test.describe(`Tablet ${label}`, () => {
		test.use({ viewport, ...TABLET, ownerContextOptions: { viewport, ...TABLET } });

		test(`the sign-in page fits the width (${label})`, async ({ page }) => {
			await page.goto('/login');
			await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
			await expectNoHorizontalScroll(page, 'login');
		});

		test(`every console page fits the width without horizontal scrolling (${label})`, async ({
			ownerPage: page
		}) => {
			await page.goto('/e/acme/licenses');
			for (const [link, heading, hasTable] of PAGES) {
				// Landscape: click through the sidebar as an admin would (no reload). Portrait: the
				// sidebar is a drawer, tested on its own below, so open each page by its address.
				if (viewport.width >= 900) {
					await nav(page).getByRole('link', { name: link, exact: true }).click();
				} else {
					const path = link === 'Audit log' ? 'audit' : link.toLowerCase();
					await page.goto(`/e/acme/${path}`);
				}
				await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
				// Wait for the data, so a wide table would be measured.
				if (hasTable)
					await expect(page.getByRole('main').locator('table, [role=grid]').first()).toBeVisible();
				await expectNoHorizontalScroll(page, link);
				if (viewport.width < 900) {
					// The top bar with the Menu button stays a bar, however short the page is.
					const bar = await page.getByRole('banner').boundingBox();
					expect.soft(bar?.height ?? 0, `${link}: height of the top bar`).toBeLessThanOrEqual(80);
				}
			}
			// The licenses searched and sorted oldest first (other names and dates).
			await page.goto('/e/acme/licenses?q=a&sort=last-active-asc');
			await expect(page.getByRole('main').getByRole('grid').first()).toBeVisible();
			await expectNoHorizontalScroll(page, 'licenses searched, oldest first');
			if (viewport.width < 900) {
				// With the drawer open too.
				await menu(page).click();
				await expect(nav(page)).toBeVisible();
				await expectNoHorizontalScroll(page, 'settings with the menu open');
			}
		});
	});
}

test.describe('Tablet portrait 820×1180: the sidebar is a drawer', () => {
	test.use({ ownerContextOptions: { viewport: PORTRAIT, ...TABLET } });

	test.beforeEach(async ({ ownerPage: page }) => {
		await page.goto('/e/acme/licenses');
		// The console renders in the browser: wait for it before pressing keys.
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
	});

	test('the sidebar sits behind a "Menu" button whose aria-expanded follows it', async ({
		ownerPage: page
	}) => {
		await expect(menu(page)).toBeVisible();
		await expect(menu(page)).toHaveAttribute('aria-expanded', 'false');
		await expect(nav(page)).toBeHidden();

		await menu(page).click();
		await expect(menu(page)).toHaveAttribute('aria-expanded', 'true');
		await expect(nav(page)).toBeVisible();
		await expect(nav(page).getByRole('link')).toHaveCount(9);

		// Choosing a page navigates and closes the drawer.
		await nav(page).getByRole('link', { name: 'Teams' }).click();
		await expect(page).toHaveURL(/\/e\/acme\/teams$/);
		await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
		await expect(menu(page)).toHaveAttribute('aria-expanded', 'false');
		await expect(nav(page)).toBeHidden();

		// And the Menu button closes an open drawer, on a short page too (the drawer must not cover
		// the button). A short timeout: a covered button would otherwise wait out the whole test.
		await menu(page).click();
		await expect(nav(page)).toBeVisible();
		await menu(page).click({ timeout: 5_000 });
		await expect(menu(page)).toHaveAttribute('aria-expanded', 'false');
		await expect(nav(page)).toBeHidden();
	});

	test('the sync status stays in view in the top bar while the drawer is closed, and shows once when open', async ({
		ownerPage: page
	}) => {
		const banner = page.getByRole('banner');
		await expect(banner.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
		// One status at a time: the drawer leaves its line to the top bar.
		await menu(page).click();
		await expect(nav(page)).toBeVisible();
		await expect(page.getByRole('status').filter({ hasText: 'All changes synced' })).toHaveCount(1);
		await expect(
			page.getByRole('complementary', { name: 'Sidebar' }).getByRole('button', { name: 'Sync now' })
		).toBeVisible();
		await menu(page).click();
		await expect(nav(page)).toBeHidden();
	});

	test('signed out with a change queued: the top bar says so and offers to sign in, and the change lands after', async ({
		browser
	}) => {
		// Its own context: the shared owner context is never signed out.
		const context = await browser.newContext({ viewport: PORTRAIT, ...TABLET });
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		await page.goto('/e/acme/teams');
		const banner = page.getByRole('banner');
		await expect(banner.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });

		// The session ends elsewhere (revoked); the next change cannot be sent.
		expect((await page.request.post('/api/auth/logout')).status()).toBeLessThan(300);
		const name = `Signed out ${randomUUID().slice(0, 8)}`;
		await page.getByRole('button', { name: 'Create team' }).click();
		await page.getByLabel('Team name').fill(name);
		await page.getByRole('button', { name: 'Create team' }).click();
		await expect(banner.getByRole('status')).toHaveText(
			/Signed out — sign in again to send 1 change/,
			{
				timeout: 20_000
			}
		);
		const signInLink = banner.getByRole('link', { name: 'Sign in' });
		await expect(signInLink).toBeVisible();
		const box = await signInLink.boundingBox();
		expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
		await expectNoHorizontalScroll(page, 'signed-out top bar');

		await signInLink.click();
		await expect(page).toHaveURL(/\/login\?next=/);
		await page.getByLabel('Email').fill(ADMINS.owner.email);
		await page.getByLabel('Password').fill(ADMINS.owner.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page).toHaveURL(/\/e\/acme\/teams/);
		await expect(page.getByRole('banner').getByRole('status')).toHaveText(/All changes synced/, {
			timeout: 30_000
		});
		await expect(page.getByRole('main').getByText(name, { exact: true })).toBeVisible();
		await context.close();
	});

	test('the Menu button and every sidebar control are at least 44px tall', async ({
		ownerPage: page
	}) => {
		const box = await menu(page).boundingBox();
		expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
		await menu(page).click();
		await expect(nav(page)).toBeVisible();
		await expectTouchTargets(sidebar(page).locator('a, button, select'));
	});

	test('keyboard: Tab reaches "Skip to content" first, then Menu, then the nav links', async ({
		ownerPage: page
	}) => {
		await page.keyboard.press('Tab');
		const skip = page.getByRole('link', { name: 'Skip to content' });
		await expect(skip).toBeFocused();
		await expect(skip).toBeInViewport();
		await page.keyboard.press('Tab');
		await expect(menu(page)).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(menu(page)).toHaveAttribute('aria-expanded', 'true');
		const licenses = nav(page).getByRole('link', { name: 'Licenses' });
		await tabUntilFocused(page, licenses, 4);
		await page.keyboard.press('Tab');
		await expect(nav(page).getByRole('link', { name: 'Teams' })).toBeFocused();
	});
});

test.describe('Tablet landscape 1180×820: the sidebar is always there', () => {
	test.use({ ownerContextOptions: { viewport: LANDSCAPE, ...TABLET } });

	test.beforeEach(async ({ ownerPage: page }) => {
		await page.goto('/e/acme/licenses');
		// The console renders in the browser: wait for it before pressing keys.
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
	});

	test('the nav is visible with no Menu button, and every sidebar control is at least 44px tall', async ({
		ownerPage: page
	}) => {
		await expect(nav(page)).toBeVisible();
		await expect(menu(page)).toBeHidden();
		await expectTouchTargets(sidebar(page).locator('a, button, select'));
	});

	test('keyboard: Tab reaches "Skip to content" first, then the nav links; skipping lands in the page', async ({
		ownerPage: page
	}) => {
		await page.keyboard.press('Tab');
		const skip = page.getByRole('link', { name: 'Skip to content' });
		await expect(skip).toBeFocused();
		await expect(skip).toBeInViewport();
		const licenses = nav(page).getByRole('link', { name: 'Licenses' });
		await tabUntilFocused(page, licenses, 3);
		for (const name of ['Teams', 'Organizations', 'Domains']) {
			await page.keyboard.press('Tab');
			await expect(nav(page).getByRole('link', { name })).toBeFocused();
		}

		// From the top again: Skip to content, then the next Tab is inside the page, not the sidebar.
		await page.goto('/e/acme/licenses');
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
		await page.keyboard.press('Tab');
		await expect(skip).toBeFocused();
		await page.keyboard.press('Enter');
		await page.keyboard.press('Tab');
		const focusedInMain = await page.evaluate(
			() =>
				!!document.activeElement &&
				!!document.getElementById('main')?.contains(document.activeElement)
		);
		expect(focusedInMain, 'after "Skip to content", Tab moves into the main content').toBe(true);
	});
});

/** Presses Tab until `target` has focus, at most `max` times. */
async function tabUntilFocused(page: Page, target: Locator, max: number): Promise<void> {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		if (await target.evaluate((el) => el === document.activeElement)) return;
	}
	await expect(target, `reached within ${max} Tab presses`).toBeFocused();
}
