import { randomUUID } from 'node:crypto';
import { expect, request, test, type Page } from '@playwright/test';
import { ADMINS, BASE_URL, signIn } from '../e2e/support/auth';
import { controlledByServiceWorker, databaseNames, fireOutboxSync } from './support/device';

// One browser profile on a shared tablet: an admin signs out (offline, or removing the device's
// data), then the next person picks the tablet up. Nothing of the previous admin may show, and the
// session the sign-out ended must be dead on the server once the tablet is back online (R2).

/** The value of the session cookie the browser holds now. */
async function sessionCookie(page: Page): Promise<string> {
	const cookie = (await page.context().cookies()).find((c) => c.name === 'roster_session');
	if (!cookie) throw new Error('the browser holds no session cookie');
	return cookie.value;
}

/** What `GET /api/me` answers to a request that carries the given session cookie. */
async function meStatusWith(cookie: string): Promise<number> {
	const api = await request.newContext({
		baseURL: BASE_URL,
		extraHTTPHeaders: { cookie: `roster_session=${cookie}` }
	});
	try {
		return (await api.get('/api/me')).status();
	} finally {
		await api.dispose();
	}
}

/** Opens the page and waits until it shows a page heading (whatever the page is). */
async function openAndSettle(page: Page, path: string): Promise<void> {
	await page.goto(path);
	await expect(page.locator('h1').first()).toBeVisible();
}

/** Nothing of the Acme owner's console is on the page: no email, no team of the mirror. */
async function expectNoConsoleOf(page: Page, email: string): Promise<void> {
	await expect(page.getByRole('complementary', { name: 'Sidebar' })).toHaveCount(0);
	await expect(page.getByText(email)).toHaveCount(0);
	await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toHaveCount(0);
}

test('signing out offline keeps the next person out of the console, and ends the session once online (R2)', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.coOwner.email, ADMINS.coOwner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible({
		timeout: 30_000
	});
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await controlledByServiceWorker(page);
	const cookie = await sessionCookie(page);

	// The admin signs out with the tablet offline: the sign-out request cannot reach the server.
	await context.setOffline(true);
	await page
		.getByRole('complementary', { name: 'Sidebar' })
		.getByRole('button', { name: 'Sign out' })
		.click();
	// A URL check that polls: the sign-out may navigate twice (the page, then the service worker's
	// answer), and a navigation it replaces is aborted.
	await expect(page).toHaveURL(/\/login$/);

	// The next person, still offline: the sign-in page and the console's address show nothing of it.
	await openAndSettle(page, '/login');
	await expectNoConsoleOf(page, ADMINS.coOwner.email);
	await expect(page.getByRole('heading', { level: 1, name: 'Signing out…' })).toBeVisible();
	await openAndSettle(page, '/e/acme/teams');
	await expectNoConsoleOf(page, ADMINS.coOwner.email);
	// The console says what is going on instead of showing itself.
	await expect(page.getByRole('heading', { level: 1, name: 'Signing out…' })).toBeVisible();
	await openAndSettle(page, '/');
	await expectNoConsoleOf(page, ADMINS.coOwner.email);

	// Back online, the page completes the sign-out and moves on to the sign-in page by itself…
	await context.setOffline(false);
	await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
	await expect(page).toHaveURL(/\/login$/);
	// …which stays the sign-in page, not the previous admin's console…
	await page.goto('/login');
	await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
	await expect(page).toHaveURL(/\/login$/);
	await expectNoConsoleOf(page, ADMINS.coOwner.email);
	// …and the session is over on the server: its cookie, replayed, is refused.
	expect(await meStatusWith(cookie)).toBe(401);
	await context.close();
});

test('"Sign out and remove this device\'s data" warns about queued changes, then leaves no mirror, profile or data cache behind', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	const me = await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	// Two mirrors of this admin on the device: Globex and Acme.
	await page.goto('/e/globex/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await controlledByServiceWorker(page);
	const mine = (await databaseNames(page)).filter((n) => n.startsWith(`roster:${me.user.id}:`));
	expect(mine).toHaveLength(2);
	const cookie = await sessionCookie(page);

	// Offline, one change is queued: removing the data would drop it, so the admin is told first.
	await context.setOffline(true);
	const name = `Never sent ${randomUUID().slice(0, 8)}`;
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(name);
	await page.getByRole('button', { name: 'Create team' }).click();
	await expect(page.getByRole('row', { name: new RegExp(`^${name}`) })).toContainText(
		'Pending sync'
	);
	await page.goto('/e/acme/settings');
	await page.getByRole('button', { name: "Sign out and remove this device's data" }).click();
	const question = page.getByRole('group', { name: /not reached the server/ });
	await expect(question).toContainText('1 change');
	await expect(question).toContainText('lost');
	// Keeping changes nothing.
	await question.getByRole('button', { name: 'Keep my data' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
	await page.getByRole('button', { name: "Sign out and remove this device's data" }).click();
	await page
		.getByRole('group', { name: /not reached the server/ })
		.getByRole('button', { name: 'Remove data and sign out' })
		.click();
	// A URL check that polls: the sign-out may navigate twice (the page, then the service worker's
	// answer), and a navigation it replaces is aborted.
	await expect(page).toHaveURL(/\/login$/);

	// Nothing of the admin is left on the device, even before the tablet is back online.
	await expect
		.poll(async () =>
			(await databaseNames(page)).filter((n) => n.startsWith(`roster:${me.user.id}:`))
		)
		.toEqual([]);
	expect(await page.evaluate(() => localStorage.getItem('roster:profile'))).toBeNull();
	const cacheNames = await page.evaluate(() => caches.keys());
	expect(cacheNames.filter((c) => !c.startsWith('workbox-precache'))).toEqual([]);
	await openAndSettle(page, '/e/acme/teams');
	await expectNoConsoleOf(page, ADMINS.owner.email);

	// Online: the page moves on to the sign-in page by itself, and the session is over on the server.
	await context.setOffline(false);
	await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
	await expect(page).toHaveURL(/\/login$/);
	expect(await meStatusWith(cookie)).toBe(401);
	await context.close();
});

test('without a service worker, the page ends an offline sign-out once online, before anything else loads (R2)', async ({
	browser
}) => {
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const page = await context.newPage();
	await signIn(page, ADMINS.coOwner.email, ADMINS.coOwner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const cookie = await sessionCookie(page);

	await context.setOffline(true);
	// No service worker: the browser cannot open /login offline; the tablet is left like that.
	await Promise.all([
		page.waitForEvent('requestfailed', (r) => new URL(r.url()).pathname === '/login'),
		page
			.getByRole('complementary', { name: 'Sidebar' })
			.getByRole('button', { name: 'Sign out' })
			.click()
	]);

	// Online, the next person opens the sign-in page: the server still knows the old session and
	// sends the page on to the console, where the recorded sign-out completes first.
	await context.setOffline(false);
	await page.goto('/login');
	await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
	await expect(page).toHaveURL(/\/login$/);
	await expectNoConsoleOf(page, ADMINS.coOwner.email);
	expect(await meStatusWith(cookie)).toBe(401);
	await context.close();
});

test('with Roster closed, the service worker ends an offline sign-out when the network comes back (R2)', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.coOwner.email, ADMINS.coOwner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await controlledByServiceWorker(page);
	const cookie = await sessionCookie(page);

	await context.setOffline(true);
	await page
		.getByRole('complementary', { name: 'Sidebar' })
		.getByRole('button', { name: 'Sign out' })
		.click();
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	expect(await meStatusWith(cookie)).toBe(200);

	// The admin closes Roster; later the network comes back and the browser fires Background Sync.
	await page.close();
	await context.setOffline(false);
	expect(await fireOutboxSync(context, BASE_URL)).toBe('done');
	expect(await meStatusWith(cookie)).toBe(401);
	await context.close();
});
