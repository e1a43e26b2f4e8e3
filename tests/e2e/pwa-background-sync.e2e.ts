import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS, BASE_URL, enterpriseID, signIn } from './support/auth';

test('Chromium: a change queued offline is pushed by the service worker after the app was closed', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
		.toBe(true);

	await context.setOffline(true);
	const name = `Closed app ${randomUUID().slice(0, 8)}`;
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(name);
	await page.getByRole('button', { name: 'Create team' }).click();
	await expect(page.getByRole('row', { name: new RegExp(`^${name}`) })).toContainText(
		'Pending sync'
	);
	// The admin closes Roster; later the network comes back and the browser fires the sync event.
	// (Chromium fires it from the real network state, which Playwright's offline mode does not
	// change, so the test fires it through the DevTools protocol, from a page of another origin.)
	await page.close();
	await context.setOffline(false);
	const other = await context.newPage();
	await other.goto(BASE_URL.replace('localhost', '127.0.0.1') + '/healthz');
	const cdp = await context.newCDPSession(other);
	const registrationID = new Promise<string>((resolve) => {
		cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
			const ours = registrations.find(
				(r: { scopeURL: string; isDeleted: boolean }) =>
					r.scopeURL === `${BASE_URL}/` && !r.isDeleted
			);
			if (ours) resolve(ours.registrationId as string);
		});
	});
	await cdp.send('ServiceWorker.enable');
	await cdp.send('ServiceWorker.dispatchSyncEvent', {
		origin: BASE_URL,
		registrationId: await registrationID,
		tag: 'roster-outbox',
		lastChance: false
	});

	// With no Roster window open, the service worker pushed the queued team itself.
	const id = await enterpriseID(context.request, 'acme');
	await expect
		.poll(
			async () => {
				const res = await context.request.get('/api/sync/pull', {
					params: { enterpriseID: id, clientID: `probe-${randomUUID()}`, cookie: 0 }
				});
				const body = (await res.json()) as {
					changes: { table: string; op: string; value?: { name?: string } }[];
				};
				return body.changes.filter(
					(c) => c.table === 'teams' && c.op === 'put' && c.value?.name === name
				).length;
			},
			{ timeout: 20_000 }
		)
		.toBe(1);

	// Opening Roster again shows it synced, with nothing left to push.
	const reopened = await context.newPage();
	await reopened.goto('/e/acme/teams');
	await expect(reopened.getByRole('row', { name: new RegExp(`^${name}`) })).toBeVisible();
	await expect(reopened.getByRole('row', { name: new RegExp(`^${name}`) })).not.toContainText(
		'Pending sync'
	);
	await expect(reopened.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await context.close();
});
