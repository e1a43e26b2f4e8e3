import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { ADMINS, enterpriseID, licensesOf, signIn } from './support/auth';
import { seriousViolations } from './support/axe';
import { pushApplied } from './support/push';
import { VIEWPORTS } from './support/viewports';

// A page per person (/e/<slug>/people/<id>), read from the mirror: what their license is and where
// it came from, their teams, their organizations with the effective role and why (R11), recent
// audit entries (online only), and what the viewer may do to them (R2, R8). On Acme, with a team
// and an organization of the test's own.

/** A licensed Acme user in a new team linked as admin to a new organization (R10, R11). */
async function personWithTeamAndOrg(page: Page) {
	const id = await enterpriseID(page.request, 'acme');
	const x = randomUUID().slice(0, 8);
	// Late in the email order, where other journeys do not pick their users.
	const users = (await licensesOf(page.request, id, { sort: 'email', limit: 400 })).users;
	const person = users.at(-1 - Math.floor(Math.random() * 50))!;
	const team = { id: randomUUID(), name: `People ${x}` };
	const org = { id: randomUUID(), name: `Org ${x}` };
	await pushApplied(page.request, id, [
		['createTeam', { teamID: team.id, name: team.name }],
		['addTeamMember', { teamID: team.id, userID: person.id }],
		['createOrg', { orgID: org.id, name: org.name }],
		['linkTeamToOrg', { teamID: team.id, orgID: org.id, role: 'admin' }]
	]);
	return { person, team, org };
}

const synced = (page: Page) =>
	expect(page.getByRole('status').filter({ hasText: 'All changes synced' }).first()).toBeAttached({
		timeout: 30_000
	});

for (const [label, options] of VIEWPORTS) {
	test(`a person's page opens from the licensed users list: license, source, teams, R11 role and why, recent changes, actions; axe clean (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		const { person, team, org } = await personWithTeamAndOrg(page);

		await page.goto(`/e/acme/licenses?q=${encodeURIComponent(person.email)}`);
		await synced(page);
		const link = page
			.getByRole('grid', { name: 'Licensed users' })
			.getByRole('link', { name: person.email, exact: true });
		await (options.hasTouch ? link.tap() : link.click());
		await expect(page).toHaveURL(new RegExp(`/e/acme/people/${person.id}$`));
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(person.name || person.email);

		const license = page.getByRole('region', { name: 'License' });
		await expect(license).toContainText(person.email);
		await expect(license).toContainText(/Licensed since \d{4}-\d{2}-\d{2}/);
		// Seeded licenses are imported data; the page says where each license came from.
		await expect(license.locator('dt', { hasText: 'Source' })).toBeVisible();
		await expect(license.locator('dt', { hasText: 'Last active' })).toBeVisible();
		await expect(license.getByRole('button', { name: 'Remove license' })).toBeVisible();

		await expect(page.getByRole('region', { name: 'Teams' })).toContainText(team.name);
		const orgRow = page.getByRole('region', { name: 'Organizations' }).getByRole('row', {
			name: new RegExp(org.name)
		});
		await expect(orgRow).toContainText('admin');
		await expect(orgRow).toContainText(`Through team ${team.name}`);

		// The audit log is the server's: online, the latest changes about this person.
		const recent = page.getByRole('region', { name: 'Recent changes' });
		// In words, as the audit log says them; the raw action name only in the CSV.
		await expect(recent).toContainText(`added ${person.email} to team ${team.name}`);
		await expect(recent).not.toContainText('addTeamMember');

		await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
		if (process.env.SCREENSHOTS === '1' && !options.hasTouch) {
			await page.screenshot({ path: 'static/screenshots/person-page.png', fullPage: true });
		}
		expect(await seriousViolations(page)).toEqual([]);
		await context.close();
	});
}

test("R8: the owner's page offers no Remove license, and an unknown id says it is not found", async ({
	browser
}) => {
	const context = await browser.newContext(VIEWPORTS[0]![1]);
	const page = await context.newPage();
	const me = await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto(`/e/acme/people/${me.user.id}`);
	const license = page.getByRole('region', { name: 'License' });
	await expect(license).toContainText('is the enterprise owner and keeps their license.');
	await expect(license.getByRole('button', { name: 'Remove license' })).toHaveCount(0);

	await page.goto(`/e/acme/people/${randomUUID()}`);
	await synced(page);
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found in this enterprise');
	await context.close();
});

test("a person's page opens offline from the mirror after the first sync, and says the audit log needs a connection", async ({
	browser
}) => {
	const context = await browser.newContext(VIEWPORTS[1]![1]);
	const page = await context.newPage();
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const { person, team, org } = await personWithTeamAndOrg(page);
	await page.goto(`/e/acme/people/${person.id}`);
	await synced(page);
	await expect(page.getByRole('region', { name: 'Teams' })).toContainText(team.name);
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
			timeout: 20_000
		})
		.toMatch(/\/service-worker\.js$/);

	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText(person.name || person.email);
	await expect(page.getByRole('region', { name: 'Teams' })).toContainText(team.name);
	await expect(page.getByRole('region', { name: 'Organizations' })).toContainText(org.name);
	await expect(page.getByRole('region', { name: 'Recent changes' })).toContainText(
		'You are offline'
	);
	await context.close();
});
