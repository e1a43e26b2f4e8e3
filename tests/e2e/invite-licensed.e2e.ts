import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

// R6: inviting someone who already holds a license sends nothing and takes no seat; the console says
// so where the admin typed the address, at once and offline too (the mirror knows who is licensed),
// instead of queueing a change that does nothing.
test('R6: inviting someone already licensed says so at once, offline too, and queues nothing', async ({
	page,
	context
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const email = (await licenses.rows.first().innerText()).match(/\S+@\S+/)![0];
	await licenses.openTab('Invites');

	await context.setOffline(true);
	const form = page.getByRole('form', { name: 'Invite someone' });
	await form.getByLabel('Email').fill(email.toUpperCase());
	await form.getByRole('button', { name: 'Send invite' }).click();
	await expect(form.getByRole('alert')).toHaveText(`${email.toLowerCase()} already has a license`);
	await expect(page.getByRole('status')).toHaveText(/offline/i);
	await expect(page.getByRole('status')).not.toHaveText(/waiting/);
	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
});
