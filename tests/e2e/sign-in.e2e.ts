import { expect, request as playwrightRequest, test, type Route } from '@playwright/test';
import { ADMINS, BASE_URL, signIn, signInWithForm, submitSignInForm } from './support/auth';

test.describe('Sign-in (R2)', () => {
	test('R2: the sign-in page has labelled Email and Password fields and a Sign in button', async ({
		page
	}) => {
		await page.goto('/login');
		await expect(page).toHaveTitle('Sign in · Roster');
		await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Roster' })).toBeVisible();
		const email = page.getByLabel('Email');
		const password = page.getByLabel('Password');
		await expect(email).toBeVisible();
		await expect(email).toHaveAttribute('type', 'email');
		await expect(email).toHaveAttribute('autocomplete', 'username');
		await expect(password).toBeVisible();
		await expect(password).toHaveAttribute('type', 'password');
		await expect(password).toHaveAttribute('autocomplete', 'current-password');
		await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
	});

	test('what an admin types before the page has finished loading is kept when it comes to life', async ({
		browser
	}) => {
		// A slow tablet on its first visit: the page shows before its scripts have run. Hold the
		// scripts back, type, then let them run. (No service worker: it would answer with the app shell.)
		for (const [path, field] of [
			['/login', 'Email'],
			['/login/sso', 'Work email']
		] as const) {
			const context = await browser.newContext({ serviceWorkers: 'block' });
			const page = await context.newPage();
			let release!: () => void;
			const held = new Promise<void>((resolve) => (release = resolve));
			await page.route('**/_app/immutable/**/*.js', async (route: Route) => {
				await held;
				await route.continue();
			});
			await page.goto(path, { waitUntil: 'domcontentloaded' });
			await page.getByLabel(field).fill('typed.early@acme.test');
			release();
			await page.waitForLoadState('networkidle');
			await expect(page.getByLabel(field), path).toHaveValue('typed.early@acme.test');
			await context.close();
		}
	});

	test('R2: correct credentials land on the first enterprise’s Licenses page', async ({ page }) => {
		await page.goto('/login');
		await signInWithForm(page, ADMINS.owner.email, ADMINS.owner.password);
		await expect(page).toHaveURL(/\/e\/acme\/licenses$/);
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
		await expect(page).toHaveTitle('Licenses · Acme · Roster');
		await expect(page.getByRole('complementary', { name: 'Sidebar' })).toContainText(
			ADMINS.owner.email
		);
	});

	test('R2: a wrong password shows an error and stays on /login', async ({ page }) => {
		// One failed attempt for billing@ (its own later sign-ins clear the per-account counter).
		await page.goto('/login');
		await submitSignInForm(page, ADMINS.billing.email, 'not-the-password');
		const alert = page.getByRole('alert');
		await expect(alert).toHaveText('Email or password is incorrect.');
		await expect(page).toHaveURL(/\/login$/);
		// The form stays usable: the email is kept and the button is back.
		await expect(page.getByLabel('Email')).toHaveValue(ADMINS.billing.email);
		await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
		const cookies = await page.context().cookies();
		expect(cookies.find((c) => c.name === 'roster_session')).toBeUndefined();
	});

	test('R2: a signed-out visit to a console page goes to /login?next=… and returns there after sign-in', async ({
		page
	}) => {
		await page.goto('/e/acme/licenses?sort=email');
		await expect(page).toHaveURL(/\/login\?next=/);
		const next = new URL(page.url()).searchParams.get('next');
		expect(next).toBe('/e/acme/licenses?sort=email');
		await signInWithForm(page, ADMINS.owner.email, ADMINS.owner.password);
		await expect(page).toHaveURL(/\/e\/acme\/licenses\?sort=email$/);
		// The list opens in the order the address asked for.
		await expect(
			page
				.getByRole('grid', { name: 'Licensed users' })
				.getByRole('columnheader', { name: /Email/ })
		).toHaveAttribute('aria-sort', 'ascending', { timeout: 30_000 });
	});

	test('R2: a next= pointing off-site is ignored after sign-in', async ({ page }) => {
		await page.goto('/login?next=//evil.example/steal');
		await signInWithForm(page, ADMINS.owner.email, ADMINS.owner.password);
		await expect(page).toHaveURL(new RegExp(`^${BASE_URL}/e/acme/licenses$`));
	});

	test('R2: a signed-in admin opening /login is sent to the console', async ({ page }) => {
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		await page.goto('/login');
		await expect(page).toHaveURL(/\/e\/acme\/licenses$/);
	});

	test('R2: Sign out returns to /login and the old session cookie no longer works', async ({
		page
	}) => {
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		await page.goto('/e/acme/licenses');
		const session = (await page.context().cookies()).find((c) => c.name === 'roster_session');
		expect(session, 'a session cookie after sign-in').toBeDefined();
		expect(session?.httpOnly).toBe(true);

		await page.getByRole('button', { name: 'Sign out' }).click();
		await expect(page).toHaveURL(/\/login$/);
		await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

		// The browser is signed out…
		expect((await page.request.get('/api/me')).status()).toBe(401);
		await page.goto('/e/acme/licenses');
		await expect(page).toHaveURL(/\/login\?next=/);

		// …and the old cookie, replayed by someone who kept it, is dead on the server.
		const replay = await playwrightRequest.newContext({
			baseURL: BASE_URL,
			extraHTTPHeaders: { cookie: `roster_session=${session?.value ?? ''}` }
		});
		try {
			const res = await replay.get('/api/me');
			expect(res.status()).toBe(401);
			expect(await res.json()).toMatchObject({ error: 'unauthorized' });
		} finally {
			await replay.dispose();
		}
	});
});
