import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { ADMINS } from './support/auth';
import { seriousViolations } from './support/axe';
import {
	copyOfBuild,
	dataDir,
	nextVersionOf,
	removeBuild,
	removeDataDir,
	serve,
	type TestServer
} from './support/pwa-servers';

// R18. Each test runs its own server (the flag is server configuration), on ports of its own, and
// "deploys" a newer version by restarting that server from a second build directory.
test.describe.configure({ mode: 'serial', timeout: 120_000 });

let buildA = '';
let buildB = '';

test.beforeAll(() => {
	buildA = copyOfBuild();
	buildB = nextVersionOf(buildA, 'release B');
});

test.afterAll(() => {
	for (const build of [buildA, buildB]) if (build) removeBuild(build);
});

interface Registration {
	installing: boolean;
	waiting: boolean;
}

function registration(page: Page): Promise<Registration> {
	return page.evaluate(async () => {
		const r = await navigator.serviceWorker.getRegistration();
		return { installing: Boolean(r?.installing), waiting: Boolean(r?.waiting) };
	});
}

/** Signs a fresh context in to `server` and opens Settings once a service worker controls it. */
async function openSettings(
	context: BrowserContext,
	server: TestServer
): Promise<{ page: Page; updates: ReturnType<Page['getByRole']> }> {
	const res = await context.request.post(`${server.url}/api/auth/login`, { data: ADMINS.owner });
	expect(res.status()).toBe(200);
	const page = await context.newPage();
	await page.goto(`${server.url}/e/acme/settings`);
	const updates = page.getByRole('region', { name: 'App and updates' });
	await expect(updates).toContainText('Yes, on this device', { timeout: 30_000 });
	return { page, updates };
}

/** Marks the running page, so a test can tell whether it was reloaded since. */
async function markPage(page: Page): Promise<void> {
	await page.evaluate(() => Object.assign(window, { notReloaded: true }));
}

function stillSamePage(page: Page): Promise<boolean> {
	return page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded === true);
}

async function deploy(server: TestServer, build: string, port: number, data: string, env = {}) {
	await server.stop();
	return serve(build, { port, dataDir: data, env });
}

test('R18: with DISABLE_AUTOMATIC_UPDATES=true the app never looks for, offers or applies a new version', async ({
	browser
}) => {
	const port = 4181;
	const data = dataDir();
	const env = { DISABLE_AUTOMATIC_UPDATES: 'true' };
	let server = await serve(buildA, { port, dataDir: data, env });
	const context = await browser.newContext();
	try {
		await context.clock.install();
		const { page, updates } = await openSettings(context, server);
		await expect(updates).toContainText('Updates are managed by your IT department');
		await expect(updates).toContainText(/Roster version\s*\d+\.\d+\.\d+/);
		await expect(updates.getByRole('button', { name: 'Check for updates' })).toHaveCount(0);

		// IT deploys release B. Hours pass with the app open: it never asks the server.
		server = await deploy(server, buildB, port, data, env);
		await page.clock.fastForward('02:00:00');
		await page.waitForTimeout(2_000);
		expect(await registration(page)).toEqual({ installing: false, waiting: false });

		// The browser itself fetches the new worker when the admin reloads; it waits, unapplied
		// and unannounced, until every Roster window is closed.
		await page.reload();
		await expect(updates).toContainText('Updates are managed by your IT department');
		await expect
			.poll(() => registration(page), { timeout: 20_000 })
			.toEqual({
				installing: false,
				waiting: true
			});
		await markPage(page);
		await page.clock.fastForward('02:00:00');
		await page.waitForTimeout(2_000);
		await expect(page.getByRole('region', { name: 'Update available' })).toHaveCount(0);
		await expect(page.getByRole('button', { name: 'Apply update' })).toHaveCount(0);
		expect(await stillSamePage(page)).toBe(true);
		expect((await registration(page)).waiting).toBe(true);
	} finally {
		await context.close();
		await server.stop();
		removeDataDir(data);
	}
});

test('without the flag, the hourly check finds the new version and offers it; Apply reloads into it', async ({
	browser
}) => {
	const port = 4182;
	const data = dataDir();
	let server = await serve(buildA, { port, dataDir: data });
	const context = await browser.newContext();
	try {
		await context.clock.install();
		const { page, updates } = await openSettings(context, server);
		await expect(updates.getByRole('button', { name: 'Check for updates' })).toBeVisible();
		await expect(updates).not.toContainText('managed by your IT department');

		server = await deploy(server, buildB, port, data);
		await markPage(page);
		await page.clock.fastForward('01:01:00');
		const prompt = page.getByRole('region', { name: 'Update available' });
		await expect(prompt).toContainText('A new version of Roster is ready', { timeout: 20_000 });
		// Offered, not applied: the page keeps running until the admin says so.
		await page.waitForTimeout(1_000);
		expect(await stillSamePage(page)).toBe(true);
		expect(await seriousViolations(page), 'the update prompt').toEqual([]);

		await prompt.getByRole('button', { name: 'Apply update' }).click();
		await expect
			.poll(() => stillSamePage(page).catch(() => false), { timeout: 20_000 })
			.toBe(false);
		await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
		await expect.poll(() => registration(page)).toEqual({ installing: false, waiting: false });
		await expect(prompt).toHaveCount(0);
	} finally {
		await context.close();
		await server.stop();
		removeDataDir(data);
	}
});
