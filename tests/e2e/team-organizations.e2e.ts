import { randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext, type Locator } from '@playwright/test';
import { ADMINS, apiAs, enterpriseID, licensesOf } from './support/auth';
import { seriousViolations } from './support/axe';
import { pushAs } from './support/factories';
import { VIEWPORTS } from './support/viewports';
import { rowNamed, serverRows } from './support/server-state';

// R10–R12: a team is linked to organizations from the Teams page, offline too:
// link with a role, change the role, and unlink after seeing who loses access.

/** The server's links of one team, `orgID → role`. */
async function serverLinks(api: APIRequestContext, id: string, teamID: string) {
	const links = await serverRows(api, id, 'teamOrgLinks');
	return Object.fromEntries(links.filter((l) => l.teamID === teamID).map((l) => [l.orgID, l.role]));
}

/** The server's id of the team of that name. */
async function serverTeamID(api: APIRequestContext, id: string, name: string) {
	return (await serverRows(api, id, 'teams')).find((t) => t.name === name)?.id;
}

const teamRow = rowNamed;

for (const [label, options] of VIEWPORTS) {
	test(`R10–R12: offline, create a team and link it to an organization from the Teams page; online, the server has it; unlink says who lost access (${label})`, async ({
		browser
	}) => {
		const api = await apiAs(ADMINS.owner);
		const id = await enterpriseID(api, 'acme');
		// A licensed user other journeys leave alone (they take the first ones).
		const email = (await licensesOf(api, id, { limit: 40 })).users.at(-1)!.email;
		const x = randomUUID().slice(0, 6);
		const [orgName, doomedName, team] = [`Linked ${x}`, `Doomed ${x}`, `Linking ${x}`];
		const [orgID, doomedID] = [randomUUID(), randomUUID()];
		await pushAs(api, id, [
			['createOrg', { orgID, name: orgName }],
			['createOrg', { orgID: doomedID, name: doomedName }]
		]);

		const context = await browser.newContext(options);
		const page = await context.newPage();
		const login = await page.request.post('/api/auth/login', { data: ADMINS.owner });
		expect(login.status()).toBe(200);
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());
		// Tablet portrait hides the sidebar, and its status with it: attached, not visible.
		const status = (text: RegExp) =>
			expect(page.getByRole('status').filter({ hasText: text }).first()).toBeAttached({
				timeout: 30_000
			});
		await page.goto('/e/acme/teams');
		await status(/All changes synced/);
		await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible({
			timeout: 30_000
		});

		// Offline: a new team with one member, linked to two organizations as admin.
		await context.setOffline(true);
		await press(page.getByRole('button', { name: 'Create team' }));
		await page.getByLabel('Team name').fill(team);
		await press(page.getByRole('button', { name: 'Create team' }));
		const row = teamRow(page, team);
		await expect(row).toContainText('Pending sync');
		await expect(row).toContainText('Not linked');
		await press(row.getByRole('button', { name: `Members of ${team}` }));
		const members = page.getByRole('dialog', { name: `Members of ${team}` });
		await members.getByRole('combobox', { name: 'Name or email of a licensed user' }).fill(email);
		await press(members.getByRole('button', { name: 'Add member' }));
		await expect(members.getByRole('listitem').filter({ hasText: email })).toBeVisible();
		await press(members.getByRole('button', { name: 'Close' }));

		await press(row.getByRole('button', { name: `Organizations of ${team}` }));
		const panel = page.getByRole('dialog', { name: `Organizations of ${team}` });
		await expect(panel).toContainText('Not linked to any organization yet.');
		const orgSelect = panel.getByRole('combobox', { name: 'Organization', exact: true });
		await orgSelect.selectOption({ label: orgName });
		await panel.getByRole('combobox', { name: 'Role', exact: true }).selectOption('admin');
		await press(panel.getByRole('button', { name: 'Link to organization' }));
		const link = panel.getByRole('listitem').filter({ hasText: orgName });
		await expect(link).toContainText('Pending sync');
		await expect(link.getByRole('combobox', { name: `Role of ${team} in ${orgName}` })).toHaveValue(
			'admin'
		);
		await expect(row).toContainText(orgName);
		await expect(row).toContainText('admin');
		// An organization it is linked to is no longer offered.
		await expect(orgSelect.getByRole('option', { name: orgName })).toHaveCount(0);
		await orgSelect.selectOption({ label: doomedName });
		await press(panel.getByRole('button', { name: 'Link to organization' }));
		await expect(panel.getByRole('listitem').filter({ hasText: doomedName })).toBeVisible();
		await status(/4 changes waiting \(offline\)/);
		expect(await seriousViolations(page)).toEqual([]);

		// Meanwhile another device deletes one of the two organizations.
		await pushAs(api, id, [['deleteOrg', { orgID: doomedID }]]);

		await context.setOffline(false);
		// The server refuses the link to the deleted organization and says why, in the panel.
		await expect(panel.getByRole('alert')).toContainText(
			new RegExp(
				`Link ${team} to (an organization|${doomedName}) as admin was refused: the organization no longer exists\\.`
			),
			{ timeout: 30_000 }
		);
		await expect(link).not.toContainText('Pending sync');
		await expect(panel.getByRole('listitem').filter({ hasText: doomedName })).toHaveCount(0);
		const teamID = await serverTeamID(api, id, team);
		expect(teamID).toBeTruthy();
		await expect
			.poll(() => serverLinks(api, id, teamID!), { timeout: 20_000 })
			.toEqual({
				[orgID]: 'admin'
			});

		// Lower the role; the server follows.
		await link
			.getByRole('combobox', { name: `Role of ${team} in ${orgName}` })
			.selectOption('member');
		await expect(panel).toContainText(`${team}'s members are now members in ${orgName}.`);
		await expect
			.poll(() => serverLinks(api, id, teamID!), { timeout: 20_000 })
			.toEqual({
				[orgID]: 'member'
			});

		// R12: unlinking asks nothing (Undo is offered while it is queued) and says who lost access:
		// the one member had no other path there. The server follows.
		await press(link.getByRole('button', { name: `Unlink ${team} from ${orgName}` }));
		await expect(link).toHaveCount(0);
		await expect(panel).toContainText(
			`${team} unlinked from ${orgName}. ${orgName}: 1 person loses access (${email}).`
		);
		await expect(panel).toContainText('Not linked to any organization yet.');
		await expect.poll(() => serverLinks(api, id, teamID!), { timeout: 20_000 }).toEqual({});
		expect(await seriousViolations(page)).toEqual([]);

		// Escape closes the sheet; the keyboard is back on the button that opened it.
		await page.keyboard.press('Escape');
		await expect(panel).toHaveCount(0);
		await expect(row.getByRole('button', { name: `Organizations of ${team}` })).toBeFocused();

		// Tidy: the team and the organization go.
		await press(row.getByRole('button', { name: `Delete ${team}` }));
		await expect(row).toContainText('It is linked to no organization, so nobody loses access.');
		await press(row.getByRole('button', { name: 'Delete team' }));
		await expect(row).toHaveCount(0);
		await pushAs(api, id, [['deleteOrg', { orgID }]]);
		await context.close();
		await api.dispose();
	});
}
