import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';

// R2, R8: the owner names and removes co-owners and billing admins, offline too;
// the server refuses what the browser could not know (someone not licensed here).
test('R2: the owner adds a billing admin offline and removes them; an unlicensed email comes back as a sync issue', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/co-owners');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const table = page.getByRole('table');
	const ownerRow = table.getByRole('row').filter({
		has: page.getByRole('cell', { name: ADMINS.owner.email, exact: true })
	});
	await expect(ownerRow).toContainText('Keeps every right');

	// Someone with an account (a licensed Acme user), made a billing admin while offline.
	const me = await (await page.request.get('/api/me')).json();
	const acme = me.enterprises.find((e: { slug: string }) => e.slug === 'acme');
	const list = await (
		await page.request.get(`/api/enterprises/${acme.id}/licenses?limit=50&sort=email`)
	).json();
	const admins = new Set<string>(Object.values(ADMINS).map((a) => a.email));
	const person = (list.users as { email: string }[]).find((u) => !admins.has(u.email))!;
	await context.setOffline(true);
	const form = page.getByRole('form', { name: 'Add an admin' });
	await form.getByLabel('Email').fill(person.email);
	await form.getByLabel('Role').selectOption('billing');
	await form.getByRole('button', { name: 'Add admin' }).click();
	const row = table.getByRole('row').filter({ hasText: person.email });
	await expect(row).toContainText('Billing');
	await expect(row).toContainText('Pending sync');
	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(row).not.toContainText('Pending sync');

	// An address not licensed here: accepted here, refused by the server, told on this page with
	// what to do, not as a server refusal in the banner every page shows.
	await form.getByLabel('Email').fill('nobody-at-all@acme.test');
	await form.getByRole('button', { name: 'Add admin' }).click();
	const told = page
		.getByRole('status')
		.filter({ hasText: 'nobody-at-all@acme.test has no license in this enterprise.' });
	await expect(told).toContainText('invite them from Licenses first', { timeout: 20_000 });
	await expect(page.getByRole('heading', { name: 'Sync issues' })).toHaveCount(0);
	await told
		.getByRole('button', { name: 'Dismiss the message about nobody-at-all@acme.test' })
		.click();
	await expect(told).toHaveCount(0);
	await expect(table.getByRole('row').filter({ hasText: 'nobody-at-all@acme.test' })).toHaveCount(
		0
	);

	// Remove, with a confirmation.
	await row.getByRole('button', { name: `Remove ${person.email}` }).click();
	await expect(row).toContainText('They stay a user');
	await row.getByRole('button', { name: 'Remove admin' }).click();
	await expect(row).toHaveCount(0);
	await expect(page.getByRole('status')).toHaveText(/synced|rejected/, { timeout: 20_000 });
	await context.close();
});

test('R2: a co-owner sees the admins but cannot add or remove any', async ({ page }) => {
	await signIn(page, ADMINS.coOwner.email, ADMINS.coOwner.password);
	await page.goto('/e/acme/co-owners');
	await expect(page.getByRole('cell', { name: ADMINS.owner.email, exact: true })).toBeVisible({
		timeout: 30_000
	});
	await expect(page.getByText('Only the owner adds or removes')).toBeVisible();
	await expect(page.getByRole('button', { name: 'Add admin' })).toHaveCount(0);
	await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
});
