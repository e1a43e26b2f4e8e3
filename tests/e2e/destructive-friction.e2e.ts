import { expect, test, type APIRequestContext, type Locator } from '@playwright/test';
import { ADMINS, apiAs, enterpriseID } from './support/auth';
import { seriousViolations } from './support/axe';
import { teamWithMembers } from './support/factories';
import { VIEWPORTS } from './support/viewports';
import { rowNamed, serverRows } from './support/server-state';

// Friction scales with what a change takes away: deleting a team or an organization of 100
// members or more asks for its name to be typed; removing one member from a team or unlinking a
// team asks nothing, and offers Undo while the change is still queued.

/** The server's member ids of one team, and its links as `orgID:role`. */
async function serverMembers(api: APIRequestContext, id: string, teamID: string) {
	const [members, links] = await Promise.all([
		serverRows(api, id, 'teamMembers'),
		serverRows(api, id, 'teamOrgLinks')
	]);
	return {
		members: members
			.filter((m) => m.teamID === teamID)
			.map((m) => m.userID)
			.sort(),
		links: links.filter((l) => l.teamID === teamID).map((l) => `${l.orgID}:${l.role}`)
	};
}

const rowOf = rowNamed;

for (const [label, options] of VIEWPORTS) {
	test(`Deleting a team or an organization of 100 members asks for its name with the member count; a wrong name deletes nothing (${label})`, async ({
		browser
	}) => {
		const api = await apiAs(ADMINS.owner);
		const id = await enterpriseID(api, 'globex');
		const team = await teamWithMembers(api, id, 100, { linkedOrg: 'member', label: 'Big' });
		const context = await browser.newContext(options);
		const page = await context.newPage();
		expect((await page.request.post('/api/auth/login', { data: ADMINS.owner })).status()).toBe(200);
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());

		await page.goto('/e/globex/organizations');
		const orgRow = rowOf(page, team.org!.name);
		await expect(orgRow).toBeVisible({ timeout: 30_000 });
		await press(orgRow.getByRole('button', { name: `Delete ${team.org!.name}` }));
		const ask = orgRow.getByRole('group');
		await expect(ask).toContainText(/Its 10\d members lose access to it\./);
		const typed = ask.getByRole('textbox', { name: `Type ${team.org!.name} to confirm` });
		await expect(typed).toBeFocused();
		expect(await seriousViolations(page)).toEqual([]);
		await typed.fill('Big');
		await press(ask.getByRole('button', { name: 'Delete organization' }));
		await expect(ask.getByRole('alert')).toHaveText('Type the name exactly as shown to delete it.');
		await expect(orgRow).toBeVisible();
		await typed.fill(team.org!.name);
		await press(ask.getByRole('button', { name: 'Delete organization' }));
		await expect(orgRow).toHaveCount(0);

		await page.goto('/e/globex/teams');
		const teamRow = rowOf(page, team.name);
		await expect(teamRow).toBeVisible({ timeout: 30_000 });
		await press(teamRow.getByRole('button', { name: `Delete ${team.name}` }));
		const askTeam = teamRow.getByRole('group');
		await expect(askTeam).toContainText(`Delete ${team.name}? It has 100 members.`);
		await press(askTeam.getByRole('button', { name: 'Delete team' }));
		await expect(teamRow).toBeVisible();
		await askTeam.getByRole('textbox', { name: `Type ${team.name} to confirm` }).fill(team.name);
		await press(askTeam.getByRole('button', { name: 'Delete team' }));
		await expect(teamRow).toHaveCount(0);
		await expect
			.poll(async () => (await serverMembers(api, id, team.teamID)).members.length, {
				timeout: 20_000
			})
			.toBe(0);
		await context.close();
		await api.dispose();
	});

	test(`Offline, removing a team member or unlinking a team asks nothing and offers Undo while queued; Undo puts it back on the server too (${label})`, async ({
		browser
	}) => {
		const api = await apiAs(ADMINS.owner);
		const id = await enterpriseID(api, 'globex');
		const team = await teamWithMembers(api, id, 2, { linkedOrg: 'admin', label: 'Small' });
		const [gone] = team.members;
		const context = await browser.newContext(options);
		const page = await context.newPage();
		expect((await page.request.post('/api/auth/login', { data: ADMINS.owner })).status()).toBe(200);
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());
		const status = (text: RegExp) =>
			expect(page.getByRole('status').filter({ hasText: text }).first()).toBeAttached({
				timeout: 30_000
			});
		await page.goto('/e/globex/teams');
		await status(/All changes synced/);
		const row = rowOf(page, team.name);
		await expect(row).toBeVisible({ timeout: 30_000 });

		await context.setOffline(true);
		await press(row.getByRole('button', { name: `Members of ${team.name}` }));
		const sheet = page.getByRole('dialog', { name: `Members of ${team.name}` });
		const item = sheet.getByRole('listitem').filter({ hasText: gone!.email });
		await press(item.getByRole('button', { name: `Remove ${gone!.email} from ${team.name}` }));
		await expect(item).toHaveCount(0);
		// The keyboard is on the next member's button, not dropped with the row.
		await expect(
			sheet.getByRole('button', { name: `Remove ${team.members[1]!.email} from ${team.name}` })
		).toBeFocused();
		const undo = sheet.getByRole('button', {
			name: `Undo removing ${gone!.email} from ${team.name}`
		});
		await expect(undo).toBeVisible();
		expect(await seriousViolations(page)).toEqual([]);
		await press(undo);
		await expect(item).toBeVisible();
		await expect(sheet).toContainText(`${gone!.email} is back in ${team.name}.`);
		await expect(undo).toHaveCount(0);
		await page.keyboard.press('Escape');

		await press(row.getByRole('button', { name: `Organizations of ${team.name}` }));
		const orgs = page.getByRole('dialog', { name: `Organizations of ${team.name}` });
		const link = orgs.getByRole('listitem').filter({ hasText: team.org!.name });
		await press(link.getByRole('button', { name: `Unlink ${team.name} from ${team.org!.name}` }));
		await expect(link).toHaveCount(0);
		await expect(orgs.getByRole('button', { name: 'Close' })).toBeFocused();
		// R12: it says who lost access, since it did not ask first.
		await expect(orgs).toContainText(
			`${team.name} unlinked from ${team.org!.name}. ${team.org!.name}: 2 people lose access (`
		);
		const undoUnlink = orgs.getByRole('button', {
			name: `Undo unlinking ${team.name} from ${team.org!.name}`
		});
		await press(undoUnlink);
		await expect(link.getByRole('combobox')).toHaveValue('admin');
		await status(/4 changes waiting \(offline\)/);

		// Online: the queued change and its undo both reach the server, which ends as it began.
		await context.setOffline(false);
		await status(/All changes synced/);
		await expect(undoUnlink).toHaveCount(0);
		expect(await serverMembers(api, id, team.teamID)).toEqual({
			members: team.members.map((m) => m.id).sort(),
			links: [`${team.org!.orgID}:admin`]
		});
		await context.close();
		await api.dispose();
	});
}
