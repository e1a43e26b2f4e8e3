import { randomUUID } from 'node:crypto';
import { expect, test, type Locator } from '@playwright/test';
import { ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';
import { pushApplied } from './support/push';
import { VIEWPORTS } from './support/viewports';

// Bulk changes on licensed users (R6, R7, R10): select everyone matching the search, add them to a
// team, then remove their licenses with one question that states the seat math, offline, and the
// server agrees once back online. On Globex, with people of the test's own.
const DEV_INGEST_KEY = 'roster-dev-ingest-key';

for (const [label, options] of VIEWPORTS) {
	test(`R7: select all matching, add to a team, remove their licenses offline with the seat math; the server agrees (${label})`, async ({
		browser
	}) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		const id = await enterpriseID(page.request, 'globex');
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());

		// Three people sign up in the API client, on Globex's verified domain, and are claimed.
		const x = randomUUID().slice(0, 8);
		const userIDs: string[] = [];
		for (let i = 0; i < 3; i++) {
			const res = await page.request.post('/api/client/signup', {
				headers: { authorization: `Bearer ${DEV_INGEST_KEY}` },
				data: { email: `bulk.${x}.${i}@globex.test`, name: `Bulk ${x} ${i}` }
			});
			expect(res.status()).toBe(201);
			userIDs.push(((await res.json()) as { userID: string }).userID);
		}
		const before = (await licensesOf(page.request, id)).seats;
		const team = { id: randomUUID(), name: `Bulk ${x}` };
		await pushApplied(page.request, id, [
			['setSeatCount', { seats: Math.max(before.purchased, before.used + 3) }],
			['claimAccounts', { userIDs }],
			['createTeam', { teamID: team.id, name: team.name }]
		]);

		const licenses = new LicensesPage(page);
		await licenses.goto('globex', `?q=bulk.${x}`);
		await expect(
			page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
		).toBeAttached({ timeout: 30_000 });
		await expect(licenses.rows).toHaveCount(3);

		// One by one, then everyone matching the search.
		const bar = page.getByRole('group', { name: 'Selected licensed users' });
		await press(page.getByRole('checkbox', { name: `Select bulk.${x}.0@globex.test` }));
		await expect(bar).toContainText('1 selected');
		await press(bar.getByRole('button', { name: 'Select all 3 matching' }));
		await expect(bar).toContainText('3 selected');

		// Add to a team: licensed people take no new seat (R6).
		await bar.getByLabel('Team to add the selected people to').selectOption(team.name);
		await press(bar.getByRole('button', { name: 'Add to team' }));
		await expect(page.getByText(`Added 3 people to ${team.name}.`)).toBeVisible();
		// Done people leave the selection; everyone matching again, for the removal.
		await expect(bar).toContainText('0 selected');
		await press(bar.getByRole('button', { name: 'Select all 3 matching' }));
		await expect(bar).toContainText('3 selected');

		// Remove their licenses, offline: one question with the seat math, then the seats are free.
		const shown = (await licenses.seatFigure.innerText())
			.match(/[\d,]+/g)!
			.map((n) => Number(n.replace(/,/g, '')));
		const [used, purchased] = [shown[0]!, shown[1]!];
		await context.setOffline(true);
		await press(bar.getByRole('button', { name: 'Remove licenses…' }));
		const dialog = page.getByRole('dialog', { name: 'Remove 3 licenses?' });
		await expect(dialog).toContainText(
			`3 seats become free (${fmt(used)} of ${fmt(purchased)} in use → ${fmt(used - 3)})`
		);
		await press(dialog.getByRole('button', { name: 'Remove 3 licenses' }));
		await expect(licenses.users).toContainText(`No licensed user matches “bulk.${x}”`);
		await expect(licenses.seatFigure).toHaveText(
			`${fmt(used - 3)} of ${fmt(purchased)} seats used`
		);

		await context.setOffline(false);
		await expect(
			page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
		).toBeAttached({ timeout: 30_000 });
		const after = await licensesOf(page.request, id, { q: `bulk.${x}` });
		expect(after.total).toBe(0);
		await context.close();
	});
}
