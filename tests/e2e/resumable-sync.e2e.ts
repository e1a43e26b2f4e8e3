import { expect, test } from '@playwright/test';
import { ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';

// A first sync on a tablet's link can be cut off halfway (a tunnel, a closed lid, a reload). The
// pages already stored stay: the next attempt, even after a reload, asks only for the rest, and
// the progress starts where it stopped.
test('a first sync cut off mid-roster goes on from the pages it stored, after a reload too', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	try {
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		// The roster comes as four id ranges at once; the first two arrive, the link drops for the others.
		const asked: URLSearchParams[] = [];
		let cut = true;
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		await context.route('**/api/sync/roster?**', async (route) => {
			const params = new URL(route.request().url()).searchParams;
			asked.push(params);
			const late = !['3', '7'].includes(params.get('through') ?? '');
			if (late && cut) return route.abort('internetdisconnected');
			if (late) await held;
			await route.continue().catch(() => {});
		});
		await page.goto('/e/acme/teams');
		const progress = page
			.getByRole('progressbar', { name: 'Loading licensed users' })
			.filter({ visible: true });
		await expect.poll(() => asked.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
		// The sync failed (once the pages that did arrive were stored) and waits to try again;
		// nothing says there are no teams meanwhile.
		await expect(
			page.getByRole('status').filter({ hasText: 'Offline' }).filter({ visible: true }).first()
		).toBeVisible({ timeout: 30_000 });
		await expect(page.getByText(/No teams/)).toHaveCount(0);

		// A reload: the stored pages are not asked for again, and the progress starts past zero.
		const before = asked.length;
		cut = false;
		await page.reload();
		await expect(progress).toBeVisible({ timeout: 30_000 });
		const value = await progress.evaluate((p) => (p as HTMLProgressElement).value);
		expect(value).toBeGreaterThan(0);
		release();
		await expect(
			page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
		).toBeAttached({ timeout: 60_000 });
		const again = asked.slice(before);
		expect(again.length).toBeGreaterThan(0);
		expect(again.every((p) => !['3', '7'].includes(p.get('through') ?? ''))).toBe(true);
		// The console asks for the binary form; what it stores is checked against the server below.
		expect(asked.every((p) => p.get('format') === 'binary')).toBe(true);

		// Every licensed user is in the mirror: the list counts as many as the server.
		const id = await enterpriseID(page.request, 'acme');
		await page.goto('/e/acme/licenses');
		const managed = page.getByRole('radio', { name: /^Managed \(licensed\)/ });
		await expect(async () => {
			const { seats } = await licensesOf(page.request, id, { limit: 1 });
			await expect(managed).toHaveAccessibleName(`Managed (licensed) ${fmt(seats.licensed)}`, {
				timeout: 1_000
			});
		}).toPass({ timeout: 20_000 });
	} finally {
		await context.close();
	}
});
