import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ADMINS } from './support/auth';
import {
	buildWithMirrorSchemaBump,
	copyOfBuild,
	dataDir,
	removeBuild,
	removeDataDir,
	schemaVersions,
	serve
} from './support/pwa-servers';

// Release A is the current build; release B is built from the same tree with one more version of
// the Dexie mirror schema. Both are served in turn on one port of their own, over one database.
test.describe.configure({ timeout: 180_000 });

let buildA = '';
let buildB = '';

test.beforeAll(() => {
	test.setTimeout(240_000);
	buildA = copyOfBuild();
	buildB = buildWithMirrorSchemaBump();
});

test.afterAll(() => {
	for (const build of [buildA, buildB]) if (build) removeBuild(build);
});

/** The IndexedDB version of the signed-in admin's Acme mirror. */
function mirrorVersion(page: Page): Promise<number | null> {
	return page.evaluate(async () => {
		const dbs = await indexedDB.databases();
		return dbs.find((d) => d.name?.startsWith('roster:'))?.version ?? null;
	});
}

function stillSamePage(page: Page): Promise<boolean> {
	return page.evaluate(() => (window as { notReloaded?: boolean }).notReloaded === true);
}

test('update journey: a change queued offline on release A survives the update to B (new mirror schema); the reload waits for unsaved input and the sync in flight', async ({
	browser
}) => {
	const port = 4183;
	const data = dataDir();
	let server = await serve(buildA, { port, dataDir: data });
	const context = await browser.newContext({ baseURL: server.url });
	const page = await context.newPage();
	try {
		expect((await context.request.post('/api/auth/login', { data: ADMINS.owner })).status()).toBe(
			200
		);
		await page.goto('/e/acme/teams');
		await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
		await expect
			.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
			.toBe(true);
		const versions = schemaVersions();
		expect(await mirrorVersion(page)).toBe(versions.a);

		// On the plane: a team created on release A waits in the outbox.
		await context.setOffline(true);
		const name = `Before update ${randomUUID().slice(0, 8)}`;
		await page.getByRole('button', { name: 'Create team' }).click();
		await page.getByLabel('Team name').fill(name);
		await page.getByRole('button', { name: 'Create team' }).click();
		const row = page.getByRole('row', { name: new RegExp(`^${name}`) });
		await expect(row).toContainText('Pending sync');

		// Meanwhile release B is deployed. Back online, the first push hangs in flight.
		await server.stop();
		server = await serve(buildB, { port, dataDir: data });
		let releasePush!: () => void;
		const pushHeld = new Promise<void>((resolve) => (releasePush = resolve));
		let pushes = 0;
		await context.route('**/api/sync/push', async (route) => {
			pushes++;
			await pushHeld;
			// Then the push fails, so the change is still queued when the update applies.
			await route.abort('connectionfailed');
		});
		await context.setOffline(false);
		await expect.poll(() => pushes).toBeGreaterThan(0);

		await page.getByRole('link', { name: 'Settings' }).click();
		const updates = page.getByRole('region', { name: 'App and updates' });
		await updates.getByRole('button', { name: 'Check for updates' }).click();
		const prompt = page.getByRole('region', { name: 'Update available' });
		await expect(prompt).toContainText('A new version of Roster is ready', { timeout: 30_000 });

		// Back on Teams the admin starts typing a new team's name, then chooses Apply.
		await page.getByRole('link', { name: 'Teams' }).click();
		await page.getByRole('button', { name: 'Create team' }).click();
		await page.getByLabel('Team name').fill('Half typed');
		await page.evaluate(() => Object.assign(window, { notReloaded: true }));
		await prompt.getByRole('button', { name: 'Apply update' }).click();
		// The reload waits for the unsaved input…
		await expect(prompt).toContainText('Finish or clear “Team name” first');
		await page.waitForTimeout(1_000);
		expect(await stillSamePage(page)).toBe(true);
		// …then, once it is cleared, for the push still in flight.
		await page.getByLabel('Team name').fill('');
		await expect(prompt).toContainText('Waiting for changes to finish syncing');
		await page.waitForTimeout(1_000);
		expect(await stillSamePage(page)).toBe(true);
		expect(await mirrorVersion(page)).toBe(versions.a);

		// The push ends (failed): B takes over and the page restarts on it, on the same page.
		releasePush();
		await expect
			.poll(() => stillSamePage(page).catch(() => false), { timeout: 30_000 })
			.toBe(false);
		await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
		await expect.poll(() => mirrorVersion(page)).toBe(versions.b);

		// The change queued on A is still queued on B, and lands once the network lets it.
		await expect(row).toContainText('Pending sync');
		await context.unroute('**/api/sync/push');
		await context.setOffline(true);
		await context.setOffline(false);
		await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
		await expect(row).not.toContainText('Pending sync');
		const id = (
			(await (await context.request.get('/api/me')).json()) as {
				enterprises: { id: string; slug: string }[];
			}
		).enterprises.find((e) => e.slug === 'acme')?.id;
		const pull = (await (
			await context.request.get('/api/sync/pull', {
				params: { enterpriseID: id ?? '', clientID: `probe-${randomUUID()}`, cookie: 0 }
			})
		).json()) as { changes: { table: string; op: string; value?: { name?: string } }[] };
		expect(
			pull.changes.filter((c) => c.table === 'teams' && c.op === 'put' && c.value?.name === name)
		).toHaveLength(1);
	} finally {
		await context.close();
		await server.stop();
		removeDataDir(data);
	}
});
