import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';

// Organizations (R9–R12), all usable offline: the page reads the mirror and every change
// is a queued sync mutation the server re-checks.
test('R9–R12: offline, create an organization, link a team with a role, see effective roles and who would lose access, rename; online, it lands for every device', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/organizations');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expect(page.getByRole('cell', { name: 'Engineering', exact: true })).toBeVisible();

	await context.setOffline(true);
	const name = `Research ${randomUUID().slice(0, 6)}`;
	await page.getByRole('button', { name: 'Create organization' }).click();
	await page.getByLabel('Organization name').fill(name);
	await page.getByRole('button', { name: 'Create organization' }).click();
	const row = page.getByRole('row', { name: new RegExp(`^${name}`) });
	await expect(row).toContainText('Pending sync');
	await expect(row).toContainText('No teams');

	// Link Platform as admin: its members become admins here, and the page says why (R10, R11).
	await page.getByRole('button', { name: `Members of ${name}` }).click();
	const detail = page.getByRole('dialog', { name, exact: true });
	await expect(detail).toContainText('Nobody has access yet');
	await detail
		.getByRole('combobox', { name: 'Team', exact: true })
		.selectOption({ label: 'Platform' });
	await detail.getByRole('combobox', { name: 'Role', exact: true }).selectOption('admin');
	await detail.getByRole('button', { name: 'Link team' }).click();
	await expect(row).toContainText('Platform');
	const members = detail.getByRole('table', { name: `Members of ${name}` });
	await expect(members.getByRole('row').nth(1)).toContainText('admin via team Platform');
	// The list shows a page at a time and says how many there are in all.
	const summary = await detail.getByText(/^Showing 1–/).innerText();
	const memberRows = Number(/ of ([\d,]+)/.exec(summary)![1]!.replace(/,/g, ''));
	expect(memberRows).toBeGreaterThan(0);

	// R12: unlinking cuts off everyone who came only through Platform, and says so; Undo, offered
	// while it is queued, links Platform again with its role.
	await detail.getByRole('button', { name: `Unlink Platform from ${name}` }).click();
	await expect(detail).toContainText(
		`Platform unlinked from ${name}. ${name}: ${memberRows.toLocaleString('en-US')} ${memberRows === 1 ? 'person loses' : 'people lose'} access (`
	);
	// Said once, in the sheet where the admin acted, not again on the page behind it.
	await expect(
		page.getByText(`Platform unlinked from ${name}.`).filter({ visible: true })
	).toHaveCount(1);
	await detail.getByRole('button', { name: `Undo unlinking Platform from ${name}` }).click();
	await expect(detail).toContainText(`Platform is linked to ${name} again as admin.`);
	await expect(members.getByRole('row').nth(1)).toContainText('admin via team Platform');

	// Lower the link to member: the effective roles follow at once.
	await detail.getByRole('combobox', { name: 'Role of team Platform' }).selectOption('member');
	await expect(members.getByRole('row').nth(1)).toContainText('member via team Platform');

	await page.keyboard.press('Escape');
	await page.getByRole('button', { name: `Rename ${name}` }).click();
	await page.getByLabel(`New name for ${name}`).fill(`${name} Lab`);
	await page.getByRole('button', { name: 'Save' }).click();
	const renamed = page.getByRole('row', { name: new RegExp(`^${name} Lab`) });
	await expect(renamed).toContainText('Pending sync');
	await expect(page.getByRole('status')).toHaveText(/changes waiting/);

	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(renamed).not.toContainText('Pending sync');

	// Another device gets it from the server: one organization, Platform linked as member.
	const other = await browser.newContext();
	const second = await other.newPage();
	await signIn(second, ADMINS.owner.email, ADMINS.owner.password);
	await second.goto('/e/acme/organizations');
	await expect(second.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const there = second.getByRole('row', { name: new RegExp(`^${name} Lab`) });
	await expect(there).toHaveCount(1);
	await expect(there).toContainText('Platform');
	await expect(there).toContainText('member');

	// Delete, with a confirmation that says how many lose access; the other device follows.
	await page.getByRole('button', { name: `Delete ${name} Lab` }).click();
	await expect(renamed).toContainText(`members lose access to it`);
	// Platform's members are hundreds: the name is typed to confirm.
	await renamed.getByRole('textbox', { name: `Type ${name} Lab to confirm` }).fill(`${name} Lab`);
	await page.getByRole('button', { name: 'Delete organization' }).click();
	await expect(renamed).toHaveCount(0);
	await expect(there).toHaveCount(0, { timeout: 20_000 });
	await other.close();
	await context.close();
});

test('R2/R9: billing cannot open organizations', async ({ page }) => {
	await signIn(page, ADMINS.billing.email, ADMINS.billing.password);
	await page.goto('/e/acme/organizations');
	await expect(
		page.getByText(
			'Billing admins cannot open Organizations. Ask the enterprise owner if you need it.'
		)
	).toBeVisible();
	await expect(page.getByRole('button', { name: 'Create organization' })).toHaveCount(0);
});
