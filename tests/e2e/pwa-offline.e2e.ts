import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ADMINS, BASE_URL, signIn, signInWithForm, submitSignInForm } from './support/auth';

/** Resolves once a Roster service worker controls the page (it then opens offline). */
async function expectControlledByServiceWorker(page: Page): Promise<void> {
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
			timeout: 20_000
		})
		.toMatch(/\/service-worker\.js$/);
}

/** Every URL path held in the page's Cache Storage. */
function cachedPaths(page: Page): Promise<string[]> {
	return page.evaluate(async () => {
		const paths: string[] = [];
		for (const name of await caches.keys()) {
			for (const request of await (await caches.open(name)).keys()) {
				paths.push(new URL(request.url).pathname);
			}
		}
		return paths;
	});
}

test('once the service worker controls the console, deep links and never-visited pages open offline', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible({
		timeout: 30_000
	});
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expectControlledByServiceWorker(page);

	await context.setOffline(true);

	// A deep link, reloaded: the app and the mirror's data, not the browser's offline page.
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
	await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible();

	// A page this browser has never opened, typed into the address bar, then reloaded.
	await page.goto('/e/acme/settings');
	await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
	await expect(page.getByRole('main').getByText('owner@acme.test')).toBeVisible();
	await page.reload();
	await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
	await expect(page.getByRole('region', { name: 'App and updates' })).toContainText(
		'Yes, on this device'
	);

	// An address the app does not know: the app's own "Page not found".
	await page.goto('/e/acme/no-such-page');
	await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();

	// The start URL, loaded offline as the installed app launches it: the first enterprise's
	// Licenses page, from the profile and the mirror kept on this device.
	await page.goto('/');
	await expect(page).toHaveURL(/\/e\/acme\/licenses$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
	await expect(page.getByRole('complementary', { name: 'Sidebar' })).toContainText(
		'owner@acme.test'
	);

	// A page that needs the server (the sign-in page reads the session there): the app says why,
	// and links back.
	await page.goto('/login');
	await expect(
		page.getByText("You are offline, and this page needs Roster's server")
	).toBeVisible();
	await expect(page.getByRole('link', { name: 'Back to Roster' })).toBeVisible();

	// The API is never answered from a cache: offline, it fails like the network does.
	const api = await page.evaluate(async () => {
		try {
			return `answered ${(await fetch('/api/me')).status}`;
		} catch {
			return 'network error';
		}
	});
	expect(api).toBe('network error');
	const cached = await cachedPaths(page);
	expect(cached).toContain('/app-shell');
	expect(cached).toContain('/manifest.webmanifest');
	expect(cached.filter((p) => /^\/(api|scim)\/|__data\.json$/.test(p))).toEqual([]);
	// The install dialog's screenshots are not worth their weight in the offline cache.
	expect(cached).toContain('/icons/icon-512.png');
	expect(cached.filter((p) => p.startsWith('/screenshots/'))).toEqual([]);

	// Back online, the page that needed the server opens by itself, as it said it would: the
	// sign-in page sends the signed-in admin on to the console.
	await context.setOffline(false);
	await expect(page).toHaveURL(/\/e\/acme\/licenses$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
	await context.close();
});

test('the start URL sends a signed-out visitor to sign in, and an admin to the first enterprise', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto('/');
	await expect(page).toHaveURL(/\/login$/);
	await signInWithForm(page, ADMINS.owner.email, ADMINS.owner.password);
	await expect(page).toHaveURL(/\/e\/acme\/licenses$/);
	await page.goto('/');
	await expect(page).toHaveURL(/\/e\/acme\/licenses$/);
	await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
	await context.close();
});

test('the start URL shows "No enterprise to manage" to an admin who holds no console role', async ({
	browser
}) => {
	// No seeded account is only a member (R2), so the server's answer is stood in for.
	const context = await browser.newContext({ serviceWorkers: 'block' });
	const page = await context.newPage();
	await page.route('**/api/me', (route) =>
		route.fulfill({
			json: {
				user: { id: randomUUID(), email: 'member@acme.test', name: 'Member' },
				enterprises: [{ id: randomUUID(), name: 'Acme', slug: 'acme', role: 'member' }]
			}
		})
	);
	await page.goto('/');
	await expect(
		page.getByRole('heading', { level: 1, name: 'No enterprise to manage' })
	).toBeVisible();
	await expect(page.getByRole('main')).toContainText('member@acme.test is not an owner');
	await expect(page).toHaveURL(`${BASE_URL}/`);
	await context.close();
});

test('without JavaScript, signing in works and the start URL says the console needs JavaScript', async ({
	browser
}) => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto('/');
	// (Playwright's text and role locators do not look inside <noscript>.)
	const notice = page.locator('noscript p');
	await expect(notice).toBeVisible();
	await expect(notice).toHaveText(/^\s*Roster's console needs JavaScript\./);
	await page.goto('/login');
	const res = await submitSignInForm(page, ADMINS.owner.email, ADMINS.owner.password);
	expect(res.status()).toBe(303);
	await expect(page).toHaveURL(`${BASE_URL}/`);
	await expect(notice).toBeVisible();
	expect((await context.cookies()).some((c) => c.name === 'roster_session')).toBe(true);
	await context.close();
});

test('a change queued offline is still queued after reloading offline, then lands once online', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expectControlledByServiceWorker(page);

	await context.setOffline(true);
	const name = `Plane ${randomUUID().slice(0, 8)}`;
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(name);
	await page.getByRole('button', { name: 'Create team' }).click();
	const row = page.getByRole('row', { name: new RegExp(`^${name}`) });
	await expect(row).toContainText('Pending sync');

	await page.reload();
	await expect(row).toContainText('Pending sync');
	await expect(page.getByRole('status')).toHaveText(/1 change waiting/);

	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(row).not.toContainText('Pending sync');

	// The server has it exactly once: a fresh device syncs one such team, and the audit log one
	// creation, marked as a queued offline change (R24).
	const other = await browser.newContext();
	const second = await other.newPage();
	await signIn(second, ADMINS.owner.email, ADMINS.owner.password);
	await second.goto('/e/acme/teams');
	await expect(second.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expect(second.getByRole('cell', { name, exact: true })).toHaveCount(1);
	const me = await (await second.request.get('/api/me')).json();
	const acme = me.enterprises.find((e: { slug: string }) => e.slug === 'acme');
	const audit = await (
		await second.request.get(
			`/api/enterprises/${acme.id}/audit?action=createTeam&target=${encodeURIComponent(name)}`
		)
	).json();
	expect(audit.entries.map((e: { kind: string }) => e.kind)).toEqual(['queued']);
	await other.close();
	await context.close();
});

test('Roster is installable: manifest, icons, iOS tags, and Install in Settings when offered', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	const manifest = (await (await page.request.get('/manifest.webmanifest')).json()) as {
		name: string;
		short_name: string;
		start_url: string;
		scope: string;
		display: string;
		theme_color: string;
		background_color: string;
		icons: { src: string; sizes: string; type: string; purpose: string }[];
		screenshots: {
			src: string;
			sizes: string;
			type: string;
			form_factor?: string;
			label: string;
		}[];
	};
	expect(manifest).toMatchObject({
		short_name: 'Roster',
		start_url: '/',
		scope: '/',
		display: 'standalone'
	});
	expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
	expect(manifest.background_color).toMatch(/^#[0-9a-f]{6}$/i);
	const pngs = manifest.icons.filter((i) => i.type === 'image/png');
	for (const wanted of ['192x192 any', '512x512 any', '192x192 maskable', '512x512 maskable']) {
		expect(pngs.map((i) => `${i.sizes} ${i.purpose}`)).toContain(wanted);
	}
	// Each icon is a PNG of the size it claims (width and height from the IHDR chunk).
	for (const icon of [...pngs, { src: '/apple-touch-icon.png', sizes: '180x180' }]) {
		const res = await page.request.get(icon.src);
		expect(res.status(), icon.src).toBe(200);
		const png = await res.body();
		expect(png.subarray(1, 4).toString('latin1'), icon.src).toBe('PNG');
		expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
	}

	// Screenshots for the richer install dialog: one wide (desktop) and one narrow (tablet, phone),
	// each a labelled PNG of the size it claims, in the proportions Chromium accepts.
	expect(manifest.screenshots.map((s) => s.form_factor ?? 'narrow').sort()).toEqual([
		'narrow',
		'wide'
	]);
	for (const shot of manifest.screenshots) {
		expect(shot.type, shot.src).toBe('image/png');
		expect(shot.label.length, `label of ${shot.src}`).toBeGreaterThan(0);
		const res = await page.request.get(shot.src);
		expect(res.status(), shot.src).toBe(200);
		expect(res.headers()['content-type'], shot.src).toBe('image/png');
		const png = await res.body();
		expect(png.subarray(1, 4).toString('latin1'), shot.src).toBe('PNG');
		const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
		expect(`${width}x${height}`, shot.src).toBe(shot.sizes);
		expect(shot.form_factor === 'wide' ? width > height : width < height, shot.src).toBe(true);
		expect(Math.max(width, height) / Math.min(width, height), shot.src).toBeLessThanOrEqual(2.3);
		expect(png.length, `${shot.src} stays small`).toBeLessThan(300 * 1024);
	}

	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/settings');
	const linked = await page.evaluate(() =>
		['manifest', 'apple-touch-icon'].map(
			(rel) =>
				new URL(document.querySelector<HTMLLinkElement>(`link[rel="${rel}"]`)?.href ?? '/none')
					.pathname
		)
	);
	expect(linked).toEqual(['/manifest.webmanifest', '/apple-touch-icon.png']);
	await expect(page.locator('meta[name="apple-mobile-web-app-capable"]')).toHaveAttribute(
		'content',
		'yes'
	);

	// Headless Chromium never offers to install; send the offer the way Chromium does.
	const install = page.getByRole('region', { name: 'Install' });
	await expect(install).toContainText("use your browser's menu");
	await page.evaluate(() => {
		const offer = new Event('beforeinstallprompt', { cancelable: true });
		Object.assign(offer, {
			prompt: async () => {
				(window as unknown as { installPromptShown: boolean }).installPromptShown = true;
			},
			userChoice: Promise.resolve({ outcome: 'accepted', platform: 'web' })
		});
		window.dispatchEvent(offer);
	});
	await install.getByRole('button', { name: 'Install Roster' }).click();
	await expect(install).toContainText('Roster is installed on this device');
	expect(
		await page.evaluate(
			() => (window as unknown as { installPromptShown?: boolean }).installPromptShown
		)
	).toBe(true);
	await context.close();
});

test('Settings shows the running version, storage use and persistence, and asks to keep the data', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/settings');
	const updates = page.getByRole('region', { name: 'App and updates' });
	await expect(updates).toContainText(/Roster version\s*0\.\d+\.\d+ \(built \d{4}-\d\d-\d\d/);
	await expect(updates.getByRole('button', { name: 'Check for updates' })).toBeVisible();

	const storage = page.getByRole('region', { name: 'Data on this device' });
	await expect(storage).toContainText(
		/Space used\s*[\d.]+ (bytes|KB|MB|GB) of [\d.]+ (MB|GB|TB) available/
	);
	const persisted = await page.evaluate(() => navigator.storage.persisted());
	if (persisted) {
		await expect(storage).toContainText('Yes: kept until you remove it');
	} else {
		await expect(storage).toContainText('Best effort');
		await storage.getByRole('button', { name: 'Keep data on this device' }).click();
		// The browser decides; the page says what it decided.
		await expect(storage).toContainText(
			/Yes: kept until you remove it|The browser did not agree this time/
		);
		const granted = await page.evaluate(() => navigator.storage.persisted());
		await expect(storage).toContainText(
			granted ? 'Yes: kept until you remove it' : 'The browser did not agree this time'
		);
	}
	await context.close();
});
