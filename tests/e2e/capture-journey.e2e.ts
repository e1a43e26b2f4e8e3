import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS, signIn, type Me } from './support/auth';
import { LicensesPage } from './support/licenses-page';
import { VIEWPORTS } from './support/viewports';

// Journeys on a laptop and on a touch tablet (R4, R7, R14): with capture on for a verified
// domain, a new sign-up in the API client becomes licensed and the open console shows it without a
// reload; removing that license frees its seat, here and on the server.
const DEV_INGEST_KEY = 'roster-dev-ingest-key';
const fmt = (n: number) => n.toLocaleString('en-US');
const num = (text: string) => Number(text.replace(/\D/g, ''));

for (const [label, options] of VIEWPORTS) {
	test(`R14/R7: capture licenses a new sign-up, and removing the license frees the seat (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		const me = (await (await page.request.get('/api/me')).json()) as Me;
		const acme = me.enterprises.find((e) => e.slug === 'acme')!;
		const synced = () =>
			expect(page.getByRole('status').first()).toHaveText(/All changes synced/, {
				timeout: 30_000
			});

		// Capture on for the verified root domain (R14).
		await page.goto('/e/acme/domains');
		await synced();
		const domain = page.getByRole('row', { name: /^acme\.test/ });
		await expect(domain).toContainText('Verified');
		const capture = domain.getByRole('checkbox', { name: 'Domain capture for acme.test' });
		await capture.check();
		await expect(domain).toContainText('New sign-ups on acme.test get a license');
		await synced();

		const licenses = new LicensesPage(page);
		await licenses.goto('acme');
		await synced();
		const licensed = num(await licenses.figure('Licensed users').innerText());
		const free = num(await licenses.figure('Free seats').innerText());
		expect(free, 'Acme has a free seat for the sign-up').toBeGreaterThan(0);

		// A new user signs up in the API client; the server licenses them in Acme.
		const email = `signup-${randomUUID().slice(0, 8)}@acme.test`;
		const signup = await page.request.post('/api/client/signup', {
			headers: { authorization: `Bearer ${DEV_INGEST_KEY}` },
			data: { email, name: 'Sam Signup' }
		});
		expect(signup.status()).toBe(201);
		expect((await signup.json()).licensedIn).toContain(acme.id);

		// The open console hears of it (poke → pull) and counts the seat, without a reload.
		await expect(licenses.figure('Licensed users')).toHaveText(fmt(licensed + 1), {
			timeout: 20_000
		});
		await expect(licenses.figure('Free seats')).toHaveText(fmt(free - 1));
		await licenses.search.fill(email);
		await expect(licenses.row(email)).toBeVisible();

		// R7: remove the license (confirmed first); the seat is free at once and on the server.
		await licenses.row(email).getByRole('button', { name: 'Remove license' }).click();
		const dialog = page.getByRole('dialog', { name: 'Remove the license of Sam Signup?' });
		await expect(dialog).toContainText('keeps their account');
		await dialog.getByRole('button', { name: 'Remove license' }).click();
		await expect(licenses.row(email)).toHaveCount(0);
		await expect(licenses.figure('Licensed users')).toHaveText(fmt(licensed));
		await expect(licenses.figure('Free seats')).toHaveText(fmt(free));
		await synced();
		await expect
			.poll(
				async () =>
					(
						await (
							await page.request.get(
								`/api/enterprises/${acme.id}/licenses?q=${encodeURIComponent(email)}&limit=5`
							)
						).json()
					).total as number,
				{ timeout: 20_000 }
			)
			.toBe(0);

		// Leave the demo as found: capture off again.
		await page.goto('/e/acme/domains');
		await synced();
		await capture.uncheck();
		await expect(domain).toContainText('Off: sign-ups on acme.test stay unmanaged');
		await synced();
		await context.close();
	});
}
