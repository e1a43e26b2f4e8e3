import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';

// R26: a team or organization name already in use in the enterprise, whatever its case, is
// refused where the admin typed it — at once and offline too, since the shared mutators check the
// mirror — and nothing is queued for the server to refuse later.
test('R26: a team or organization named like an existing one is refused at once, offline too, and nothing is queued', async ({
	page,
	context
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expect(page.getByRole('row', { name: /^Platform/ })).toBeVisible();

	await context.setOffline(true);
	await page.getByRole('button', { name: 'Create team' }).click();
	const form = page.getByRole('form', { name: 'New team' });
	await form.getByLabel('Team name').fill('  PLATFORM ');
	await form.getByRole('button', { name: 'Create team' }).click();
	await expect(form.getByRole('alert')).toHaveText(
		'a team named “Platform” already exists; choose another name'
	);
	await expect(page.getByRole('row', { name: /^PLATFORM/ })).toHaveCount(0);
	await expect(page.getByRole('status')).not.toHaveText(/waiting/);
	await context.setOffline(false);

	await page.goto('/e/acme/organizations');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await page.getByRole('button', { name: 'Create organization' }).click();
	const orgForm = page.getByRole('form', { name: 'New organization' });
	await orgForm.getByLabel('Organization name').fill('engineering');
	await orgForm.getByRole('button', { name: 'Create organization' }).click();
	await expect(orgForm.getByRole('alert')).toHaveText(
		'an organization named “Engineering” already exists; choose another name'
	);
	await expect(page.getByRole('cell', { name: 'engineering', exact: true })).toHaveCount(0);
});
