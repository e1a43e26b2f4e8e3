import { seriousViolations } from './support/axe';
import { expect, test } from './support/fixtures';

// Zero serious or critical axe violations on every page, at tablet and laptop sizes, in
// light and dark mode.
const SIZES = {
	'tablet portrait': { width: 820, height: 1180 },
	'tablet landscape': { width: 1180, height: 820 },
	laptop: { width: 1440, height: 900 }
} as const;

const CONSOLE_PAGES = [
	['licenses', 'Licenses'],
	['teams', 'Teams'],
	['organizations', 'Organizations'],
	['domains', 'Domains'],
	['storage', 'Storage policy'],
	['co-owners', 'Co-owners and billing'],
	['audit', 'Audit log'],
	['scim', 'SCIM provisioning'],
	['settings', 'Settings']
] as const;

// Contrast is what dark mode changes, so it is scanned at the smallest and largest sizes.
const RUNS = [
	['tablet portrait', 'light'],
	['tablet portrait', 'dark'],
	['tablet landscape', 'light'],
	['laptop', 'light'],
	['laptop', 'dark']
] as const;

for (const [label, colorScheme] of RUNS) {
	test.describe(`${label}, ${colorScheme}`, () => {
		test.use({ ownerContextOptions: { viewport: SIZES[label], colorScheme } });

		test(`axe: every console page has no serious or critical violation (${label}, ${colorScheme})`, async ({
			ownerPage
		}) => {
			test.setTimeout(120_000);
			for (const [path, heading] of CONSOLE_PAGES) {
				await ownerPage.goto(`/e/acme/${path}`);
				await expect(
					ownerPage.getByRole('heading', { level: 1, name: heading, exact: true })
				).toBeVisible({ timeout: 30_000 });
				// Scan the page with its data, not its loading state.
				// In portrait the sidebar is a closed drawer and the top bar shows the sync status.
				await expect(
					ownerPage.getByRole('status').filter({ hasText: 'All changes synced' })
				).toBeVisible({ timeout: 30_000 });
				await expect(ownerPage.locator('[aria-busy="true"]')).toHaveCount(0, { timeout: 30_000 });
				expect(await seriousViolations(ownerPage), `/e/acme/${path}`).toEqual([]);
			}
		});
	});
}

test('axe: the sign-in page has no serious or critical violation', async ({ browser }) => {
	for (const colorScheme of ['light', 'dark'] as const) {
		const context = await browser.newContext({ viewport: SIZES['tablet portrait'], colorScheme });
		const page = await context.newPage();
		await page.goto('/login');
		await expect(page.getByRole('heading', { name: 'Sign in to Roster' })).toBeVisible();
		expect(await seriousViolations(page), `/login (${colorScheme})`).toEqual([]);
		await context.close();
	}
});
