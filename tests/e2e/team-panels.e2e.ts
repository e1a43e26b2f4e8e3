import { expect, test, type Locator } from '@playwright/test';
import { ADMINS, apiAs, enterpriseID } from './support/auth';
import { seriousViolations } from './support/axe';
import { teamWithMembers } from './support/factories';
import { VIEWPORTS } from './support/viewports';
import { rowNamed } from './support/server-state';

// A team's members and organizations open in a sheet over the table, where the admin is looking:
// the keyboard moves in, Escape closes it, and the keyboard is back on the button that opened it.
// Members are added with a people picker over the mirror's licensed users, offline too.

const teamRow = rowNamed;

for (const [label, options] of VIEWPORTS) {
	test(`A team's members open in a sheet in view with the keyboard inside; the people picker adds a licensed user offline by arrow keys and Enter; Escape gives the keyboard back (${label})`, async ({
		browser
	}) => {
		const api = await apiAs(ADMINS.owner);
		const id = await enterpriseID(api, 'globex');
		const team = await teamWithMembers(api, id, 3, { label: 'Panels' });
		const [member] = team.members;
		const newcomer = team.others.at(-1)!;

		const context = await browser.newContext(options);
		const page = await context.newPage();
		const login = await page.request.post('/api/auth/login', { data: ADMINS.owner });
		expect(login.status()).toBe(200);
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());
		const status = (text: RegExp) =>
			expect(page.getByRole('status').filter({ hasText: text }).first()).toBeAttached({
				timeout: 30_000
			});
		await page.goto('/e/globex/teams');
		await status(/All changes synced/);
		const row = teamRow(page, team.name);
		await expect(row).toBeVisible({ timeout: 30_000 });

		const opener = row.getByRole('button', { name: `Members of ${team.name}` });
		await press(opener);
		const sheet = page.getByRole('dialog', { name: `Members of ${team.name}` });
		await expect(sheet).toBeInViewport();
		await expect(sheet.getByRole('button', { name: 'Close' })).toBeFocused();
		await expect(sheet).toContainText('Showing 1–3 of 3');
		const members = sheet.getByRole('list', { name: `Members of ${team.name}` });
		await expect(members.getByRole('listitem')).toHaveCount(3);
		// Each member's email leads to their page.
		await expect(members.getByRole('link', { name: member!.email })).toHaveAttribute(
			'href',
			`/e/globex/people/${member!.id}`
		);
		expect(await seriousViolations(page)).toEqual([]);

		// Offline: the picker answers from the mirror; members already in are not offered.
		await context.setOffline(true);
		const picker = sheet.getByRole('combobox', { name: 'Name or email of a licensed user' });
		await picker.fill(member!.email);
		await expect(
			sheet.getByText('No licensed user matches. Invite them from the Licenses page.')
		).toBeVisible();
		await picker.fill(newcomer.email.slice(0, -2));
		const options_ = sheet.getByRole('listbox').getByRole('option');
		await expect(options_).toHaveCount(1);
		await expect(options_.first()).toContainText(newcomer.email);
		await expect(picker).toHaveAttribute('aria-expanded', 'true');
		expect(await seriousViolations(page)).toEqual([]);
		await picker.press('ArrowDown');
		await expect(options_.first()).toHaveAttribute('aria-selected', 'true');
		await expect(picker).toHaveAttribute('aria-activedescendant', /.+/);
		await picker.press('Enter');
		const added = members.getByRole('listitem').filter({ hasText: newcomer.email });
		await expect(added).toContainText('Pending sync');
		await expect(sheet).toContainText(`${newcomer.email} added to ${team.name}.`);
		await expect(picker).toHaveValue('');
		await status(/1 change waiting \(offline\)/);

		// Escape closes the sheet; the keyboard is back on the button that opened it.
		await page.keyboard.press('Escape');
		await expect(sheet).toHaveCount(0);
		await expect(opener).toBeFocused();
		await expect(row.getByRole('cell').nth(1)).toHaveText('4');

		// Online: the server confirms the new member.
		await context.setOffline(false);
		await status(/All changes synced/);
		await press(opener);
		await expect(added).not.toContainText('Pending sync');
		await press(sheet.getByRole('button', { name: 'Close' }));
		await expect(opener).toBeFocused();

		// The organizations of the team open the same way.
		const orgsOpener = row.getByRole('button', { name: `Organizations of ${team.name}` });
		await press(orgsOpener);
		const orgs = page.getByRole('dialog', { name: `Organizations of ${team.name}` });
		await expect(orgs).toBeInViewport();
		await expect(orgs).toContainText('Not linked to any organization yet.');
		expect(await seriousViolations(page)).toEqual([]);
		await page.keyboard.press('Escape');
		await expect(orgsOpener).toBeFocused();
		await context.close();
		await api.dispose();
	});
}
