import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { seriousViolations } from './support/axe';
import { VIEWPORTS } from './support/viewports';

// A first sync of a large enterprise takes a while on a slow link. Until the mirror is filled, the
// console says it is loading, never that there is nothing: no "No pending invites", no empty
// teams, no seat figures of an empty mirror; and the load's progress is in view on a tablet too.
for (const [label, options] of VIEWPORTS) {
	test(`during the first sync every list says it is loading, never empty, with the progress in view (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		try {
			// The first id range of the roster comes at once; the rest waits, as on a slow link.
			let release!: () => void;
			const held = new Promise<void>((resolve) => (release = resolve));
			await context.route('**/api/sync/roster?**', async (route) => {
				if (new URL(route.request().url()).searchParams.get('through') !== '3') await held;
				await route.continue().catch(() => {});
			});
			await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
			await page.goto('/e/acme/licenses?tab=invites');

			const progress = page
				.getByRole('progressbar', { name: 'Loading licensed users' })
				.filter({ visible: true });
			await expect(progress).toBeVisible({ timeout: 30_000 });
			await expect
				.poll(() => progress.evaluate((p) => (p as HTMLProgressElement).value), {
					timeout: 30_000
				})
				.toBeGreaterThan(0);
			await expect(page.getByText('Loading seat usage…')).toBeVisible();
			await expect(page.getByText('Loading invites…').first()).toBeVisible();
			await expect(page.getByText(/No pending invites/)).toHaveCount(0);
			expect(await seriousViolations(page), 'the loading Licenses page').toEqual([]);

			// Another page of the same console, still loading: its list waits too.
			if (label.startsWith('tablet')) await page.getByRole('button', { name: 'Menu' }).click();
			await page
				.getByRole('navigation', { name: 'Enterprise controls' })
				.getByRole('link', { name: 'Teams' })
				.click();
			await expect(page.getByRole('heading', { name: 'Teams', level: 1 })).toBeVisible();
			await expect(page.getByText(/^Loading teams/).first()).toBeVisible();
			await expect(page.getByText(/No teams/)).toHaveCount(0);
			await expect(page.getByRole('table')).toHaveCount(0);
			await expect(progress).toBeVisible();

			release();
			await expect(
				page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
			).toBeAttached({ timeout: 60_000 });
			await expect(page.getByRole('table').first()).toBeVisible();
			await expect(progress).toHaveCount(0);
		} finally {
			await context.close();
		}
	});
}
