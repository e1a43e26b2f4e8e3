import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import Papa from 'papaparse';
import { ADMINS, signIn } from './support/auth';
import { VIEWPORTS } from './support/viewports';
import { startDnsServer, type TestDnsServer } from '../unit/support/dns-server';

// Domains (R13–R16). The server asks the DNS servers `DNS_SERVERS` names; when that is a
// loopback `127.0.0.1:<port>` (playwright.config.ts sets one), this file answers there, so
// verification succeeds once the TXT record is published. Pointed elsewhere, only the failure path
// is asserted here (success is covered by tests/unit/domains.spec.ts).
const loopback = /^127\.0\.0\.1:(\d+)$/.exec(process.env.DNS_SERVERS?.trim() ?? '');
let dns: TestDnsServer | null = null;
test.beforeAll(async () => {
	if (loopback) dns = await startDnsServer(Number(loopback[1]));
});
test.afterAll(async () => {
	await dns?.close();
});

for (const [label, options] of VIEWPORTS) {
	test(`R13/R14: add a domain offline (pending), its TXT value arrives online, a record not published yet is a wait told on the row (not a refusal), capture waits for verification (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		await page.goto('/e/acme/domains');
		await expect(page.getByRole('status').first()).toHaveText(/All changes synced/, {
			timeout: 30_000
		});
		await expect(page.getByRole('row', { name: /^labs\.acme\.test/ })).toBeVisible();

		// Validation in place.
		await page.getByRole('button', { name: 'Add domain' }).click();
		await page.getByLabel('Domain', { exact: true }).fill('https://acme.test/path');
		await page.getByRole('button', { name: 'Add domain' }).click();
		await expect(page.getByRole('alert')).toContainText('without scheme, path, port');

		await context.setOffline(true);
		const domain = `e2e-${randomUUID().slice(0, 8)}.test`;
		await page.getByLabel('Domain', { exact: true }).fill(domain.toUpperCase());
		await page.getByRole('button', { name: 'Add domain' }).click();
		const row = page.getByRole('row', { name: new RegExp(`^${domain.replace('.', '\\.')}`) });
		await expect(row).toContainText('Pending sync');
		await expect(row).toContainText('TXT value: waiting for sync');
		await expect(row).toContainText('Unverified');
		// R14: capture only on a verified domain.
		const capture = row.getByRole('checkbox', { name: `Domain capture for ${domain}` });
		await expect(capture).toBeDisabled();
		await expect(row).toContainText('Verify the domain first');

		await context.setOffline(false);
		await expect(page.getByRole('status').first()).toHaveText(/All changes synced/, {
			timeout: 20_000
		});
		await expect(row).not.toContainText('Pending sync');
		const code = row.getByRole('code');
		await expect(code).toHaveText(/^roster-verification=[0-9a-f]{32}$/);
		const value = (await code.textContent())!.trim();

		// Nothing published yet: an expected wait, said on the row with the re-check schedule and the
		// last check; no server refusal anywhere.
		await row.getByRole('button', { name: 'Verify domain' }).click();
		await expect(row).toContainText(/No TXT record found yet|Could not ask DNS/, {
			timeout: 20_000
		});
		await expect(row).toContainText('Roster re-checks every 10 minutes for 48 hours.');
		await expect(row).toContainText('Last checked just now.');
		await expect(page.getByRole('heading', { name: 'Sync issues' })).toHaveCount(0);
		await expect(page.getByRole('status').first()).not.toContainText('rejected');
		if (dns) {
			await expect(row).toContainText(
				`No TXT record found yet for ${domain} — DNS changes can take up to an hour;`
			);
			// Published: verifying again succeeds, and capture can be turned on.
			dns.setTxt(domain, ['v=spf1 -all', value]);
			await row.getByRole('button', { name: `Verify domain ${domain}` }).click();
			await expect(row).toContainText('Verified', { timeout: 20_000 });
			await expect(row).not.toContainText('Unverified');
			await expect(capture).toBeEnabled();
		} else {
			await expect(row).toContainText(value);
			await expect(capture).toBeDisabled();
		}

		// Delete, with a confirmation.
		await page.getByRole('button', { name: `Delete ${domain}` }).click();
		await page.getByRole('button', { name: 'Delete domain' }).click();
		await expect(row).toHaveCount(0);
		await context.close();
	});
}

test('R14/R15/R21: on a verified domain, enable capture, export the unclaimed accounts as CSV and read them back', async ({
	page
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/domains');
	await expect(page.getByRole('status').first()).toHaveText(/All changes synced/, {
		timeout: 30_000
	});
	const row = page.getByRole('row', { name: /^labs\.acme\.test/ });
	await expect(row).toContainText('Verified');
	// R15: the total is the sum over domains, with why it differs from one domain's count.
	await expect(page.getByText('unmanaged users across all domains')).toBeVisible();
	await expect(page.getByText(/counted both for it and for its root domain/)).toBeVisible();

	const capture = row.getByRole('checkbox', { name: 'Domain capture for labs.acme.test' });
	await expect(capture).toBeEnabled();
	await capture.check();
	await expect(row).toContainText('New sign-ups on labs.acme.test get a license');
	await expect(page.getByRole('status').first()).toHaveText(/All changes synced/, {
		timeout: 20_000
	});
	const count = Number((await row.getByRole('cell').nth(3).textContent())!.replace(/\D/g, ''));
	expect(count).toBeGreaterThan(0);

	const downloading = page.waitForEvent('download');
	await row.getByRole('link', { name: /Export CSV/ }).click();
	const file = await (await downloading).path();
	const csv = readFileSync(file, 'utf8');
	expect(csv.startsWith('email,name,last_active\r\n')).toBe(true);
	const parsed = Papa.parse<{ email: string }>(csv, { header: true, skipEmptyLines: true });
	expect(parsed.errors).toEqual([]);
	expect(parsed.data).toHaveLength(count);
	for (const r of parsed.data) expect(r.email).toMatch(/@(?:[a-z0-9-]+\.)*labs\.acme\.test$/);

	// The list to claim from comes from the server.
	await row.getByRole('button', { name: 'Unclaimed accounts on labs.acme.test' }).click();
	const section = page.getByRole('region', { name: 'Unclaimed accounts on labs.acme.test' });
	await expect(section).toContainText(`of ${count.toLocaleString('en-US')}`);

	// Leave the demo as found.
	await capture.uncheck();
	await expect(page.getByRole('status').first()).toHaveText(/All changes synced/, {
		timeout: 20_000
	});
});
