import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';
import { rowNamed } from './support/server-state';

/** The row of a team in the Teams table (its accessible name starts with the team's name). */
const teamRow = rowNamed;

function membersPanel(page: Page, team: string) {
	return page.getByRole('dialog', { name: `Members of ${team}` });
}

async function openMembers(page: Page, team: string) {
	await page.getByRole('button', { name: `Members of ${team}` }).click();
	await expect(membersPanel(page, team)).toBeVisible();
}

// R6, R7, R10: team members are added and removed offline, queued, shown as
// pending, and reach another admin's console once synced.
test('R6/R10: add and remove a team member offline; pending badge; synced; another admin sees it', async ({
	page,
	context,
	browser
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const licenses = new LicensesPage(page);
	await licenses.goto('acme');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const email = (await licenses.rows.first().innerText()).match(/\S+@\S+/)![0];

	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const team = `Members ${randomUUID().slice(0, 8)}`;
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(team);
	await page.getByRole('button', { name: 'Create team' }).click();
	await expect(teamRow(page, team)).toBeVisible();
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });

	// Offline: add a licensed user; it shows at once, marked as waiting for the server.
	await openMembers(page, team);
	const panel = membersPanel(page, team);
	await expect(panel).toContainText('No members yet.');
	await context.setOffline(true);
	await panel
		.getByRole('combobox', { name: 'Name or email of a licensed user' })
		.fill(email.toUpperCase());
	await panel.getByRole('button', { name: 'Add member' }).click();
	const member = panel.getByRole('listitem').filter({ hasText: email });
	await expect(member).toBeVisible();
	await expect(member).toContainText('Pending sync');
	await expect(teamRow(page, team)).toContainText('Pending sync');
	await expect(page.getByRole('status')).toHaveText(/1 change waiting \(offline\)/);

	// Someone without a license is not added here (they are invited from Licenses instead).
	await panel
		.getByRole('combobox', { name: 'Name or email of a licensed user' })
		.fill(`nobody-${randomUUID()}@acme.test`);
	await panel.getByRole('button', { name: 'Add member' }).click();
	await expect(panel.getByRole('alert')).toContainText('Invite them from the Licenses page first');

	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(member).not.toContainText('Pending sync');
	await expect(teamRow(page, team).getByRole('cell').nth(1)).toHaveText('1');

	// Another admin, on another device, sees the member.
	const other = await browser.newContext();
	const pageB = await other.newPage();
	await signIn(pageB, ADMINS.coOwner.email, ADMINS.coOwner.password);
	await pageB.goto('/e/acme/teams');
	await expect(pageB.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await openMembers(pageB, team);
	await expect(
		membersPanel(pageB, team).getByRole('listitem').filter({ hasText: email })
	).toBeVisible();

	// Offline again: remove the member; R7: the license and its seat are kept.
	await context.setOffline(true);
	await member.getByRole('button', { name: `Remove ${email} from ${team}` }).click();
	await expect(member).toHaveCount(0);
	await expect(panel).toContainText('Their license and seat are kept');
	await expect(page.getByRole('status')).toHaveText(/1 change waiting \(offline\)/);
	await expect(teamRow(page, team)).toContainText('Pending sync');
	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(membersPanel(pageB, team)).toContainText('No members yet.', { timeout: 20_000 });

	// R12: deleting a team says who loses access first; this one is linked nowhere.
	await page.keyboard.press('Escape');
	await page.getByRole('button', { name: `Delete ${team}` }).click();
	await expect(teamRow(page, team)).toContainText(
		'It is linked to no organization, so nobody loses access.'
	);
	await page.getByRole('button', { name: 'Delete team' }).click();
	await expect(teamRow(page, team)).toHaveCount(0);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	// R7: leaving a team (or the team going) keeps the license: the user is still listed.
	await licenses.goto('acme', `?q=${encodeURIComponent(email)}`);
	await expect(licenses.rows.filter({ hasText: email })).toHaveCount(1, { timeout: 20_000 });
	await other.close();
});

test('R12: deleting a linked team lists, per organization, who loses access — and Keep changes nothing', async ({
	page
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const row = teamRow(page, 'Platform');
	await row.getByRole('button', { name: 'Delete Platform' }).click();
	await expect(row).toContainText(
		/Delete Platform\?\s+.+?: (\d[\d,]* (person loses|people lose) access \(.+@.+\)|nobody loses access)/
	);
	await row.getByRole('button', { name: 'Keep' }).click();
	await expect(row).toBeVisible();
});
