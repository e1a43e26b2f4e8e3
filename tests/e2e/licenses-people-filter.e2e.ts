import { randomUUID } from 'node:crypto';
import {
	expect,
	test,
	type BrowserContextOptions,
	type Locator,
	type Page
} from '@playwright/test';
import { ADMINS, enterpriseID, fmt, licensesOf, signIn } from './support/auth';
import { seriousViolations } from './support/axe';
import { LicensesPage } from './support/licenses-page';

// The Licenses page's people list filters managed (licensed) users, unmanaged users
// across every verified domain (R3, R15: each person once) and pending invites (R5), with counts, a
// search for each, `?show=` in the address, and Claim from the unmanaged list (R6). On Globex, which
// no other journey changes; its root domain globex.test is verified.
const DEV_INGEST_KEY = 'roster-dev-ingest-key';
const num = (text: string) => Number(text.replace(/\D/g, ''));

const VIEWPORTS: [label: string, options: BrowserContextOptions][] = [
	['laptop 1366×768', { viewport: { width: 1366, height: 768 } }],
	[
		'tablet 820×1180, touch',
		{ viewport: { width: 820, height: 1180 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
	]
];

interface UnmanagedBody {
	total: number;
	users: { id: string; email: string; domain: string }[];
	next: string | null;
}

for (const [label, options] of VIEWPORTS) {
	test(`the people list: managed, unmanaged and pending-invite filters with counts, search, claim (${label})`, async ({
		browser
	}) => {
		// A long journey (three filters, each with axe, a claim, offline), on a shared machine.
		test.setTimeout(120_000);
		const context = await browser.newContext(options);
		const page = await context.newPage();
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
		const id = await enterpriseID(page.request, 'globex');
		const press = (target: Locator) => (options.hasTouch ? target.tap() : target.click());
		// Tablet portrait hides the sidebar, and its status with it: attached, not visible.
		const synced = () =>
			expect(
				page.getByRole('status').filter({ hasText: 'All changes synced' }).first()
			).toBeAttached({ timeout: 30_000 });
		const settled = () => expect(page.locator('[aria-busy="true"]')).toHaveCount(0);

		// Two people sign up in the API client; Globex does not capture, so they stay unmanaged.
		const x = randomUUID().slice(0, 8);
		const sub = `f${x}.globex.test`;
		const ada = `ada.${x}@${sub}`;
		const bob = `bob.${x}@globex.test`;
		for (const [email, name] of [
			[ada, `Ada Filter ${x}`],
			[bob, `Bob Filter ${x}`]
		]) {
			const res = await page.request.post('/api/client/signup', {
				headers: { authorization: `Bearer ${DEV_INGEST_KEY}` },
				data: { email, name }
			});
			expect(res.status(), `sign up ${email}`).toBe(201);
			expect((await res.json()).licensedIn).toEqual([]);
		}
		// Then, from another device: a subdomain of the verified root (verified through it, R13), so
		// Ada is on two of Globex's domains; and an invite.
		const invitee = `inv.${x}@example.test`;
		const clientID = randomUUID();
		const pushed = await page.request.post('/api/sync/push', {
			data: {
				enterpriseID: id,
				clientGroupID: clientID,
				clientID,
				mutations: [
					{ id: 1, name: 'addDomain', args: { domainID: randomUUID(), domain: sub } },
					{
						id: 2,
						name: 'inviteUser',
						args: { inviteID: randomUUID(), email: invitee, teamIDs: [], role: 'member' }
					}
				].map((m) => ({ ...m, createdAt: Date.now() }))
			}
		});
		expect(pushed.status()).toBe(200);
		expect(
			((await pushed.json()) as { results: { status: string }[] }).results.map((r) => r.status)
		).toEqual(['applied', 'applied']);
		const server = async (q = '') => {
			const res = await page.request.get(`/api/enterprises/${id}/unmanaged`, {
				params: { q, limit: 1000 }
			});
			expect(res.status()).toBe(200);
			return (await res.json()) as UnmanagedBody;
		};
		// R15: on the server Ada is one person with her most specific domain.
		const mine = (await server(x)).users;
		expect(mine.map((u) => [u.email, u.domain])).toEqual([
			[ada, sub],
			[bob, 'globex.test']
		]);

		const licenses = new LicensesPage(page);
		await licenses.goto('globex');
		await synced();
		const filter = page.getByRole('group', { name: 'Show' });
		const managed = filter.getByRole('radio', { name: /^Managed \(licensed\)/ });
		const unmanaged = filter.getByRole('radio', { name: /^Unmanaged/ });
		const invites = filter.getByRole('radio', { name: /^Pending invites/ });
		await expect(managed).toBeChecked();

		// The counts: licensed and pending as the seat meter and the server say; unmanaged as the
		// server counts distinct people.
		await expect(async () => {
			const { seats } = await licensesOf(page.request, id, { limit: 1 });
			const { total } = await server();
			await expect(managed).toHaveAccessibleName(`Managed (licensed) ${fmt(seats.licensed)}`, {
				timeout: 1_000
			});
			await expect(invites).toHaveAccessibleName(`Pending invites ${fmt(seats.pendingInvites)}`, {
				timeout: 1_000
			});
			await expect(unmanaged).toHaveAccessibleName(`Unmanaged ${fmt(total)}`, { timeout: 1_000 });
		}).toPass({ timeout: 20_000 });

		// Unmanaged: searched, each with the domain they match; the address keeps the filter.
		await press(unmanaged);
		await expect(unmanaged).toBeChecked();
		await expect(page).toHaveURL(/[?&]show=unmanaged(&|$)/);
		const list = page.getByRole('region', { name: 'Unmanaged users' });
		const table = list.getByRole('table', { name: 'Unmanaged users' });
		const search = page.getByRole('searchbox', { name: 'Search unmanaged users' });
		await search.fill(x);
		const rows = table.getByRole('row').filter({ has: page.getByRole('cell') });
		await expect(rows).toHaveCount(2);
		const adaRow = rows.filter({ hasText: ada });
		await expect(adaRow).toContainText(`Ada Filter ${x}`);
		await expect(adaRow.getByRole('cell').nth(2)).toHaveText(sub);
		await expect(rows.filter({ hasText: bob }).getByRole('cell').nth(2)).toHaveText('globex.test');
		await expect(list.getByText(`2 of 2 unmanaged users matching “${x}”`)).toBeVisible();
		await search.fill(`ada.${x}`);
		await expect(rows).toHaveCount(1);
		await expect(page).toHaveURL(new RegExp(`[?&]q=ada\\.${x}(&|$)`));
		await search.fill(`nobody-${x}`);
		await expect(list).toContainText(`No unmanaged user matches “nobody-${x}”`);

		// A reload keeps the filter and the search.
		await page.goto(`/e/globex/licenses?q=ada.${x}&show=unmanaged`);
		await expect(unmanaged).toBeChecked();
		await expect(search).toHaveValue(`ada.${x}`);
		await expect(rows).toHaveCount(1);
		await synced();
		await settled();
		expect(await seriousViolations(page), 'unmanaged filter').toEqual([]);

		// Pending invites: the same search box, one list (the card above steps aside).
		await press(invites);
		await expect(page).toHaveURL(/[?&]show=invites(&|$)/);
		const pending = page.getByRole('region', { name: 'Pending invites' });
		await expect(pending).toHaveCount(1);
		const invitesSearch = page.getByRole('searchbox', { name: 'Search pending invites' });
		await expect(invitesSearch).toHaveValue(`ada.${x}`);
		await expect(pending).toContainText(`No invite matches “ada.${x}”`);
		await invitesSearch.fill(`inv.${x}`);
		const inviteRows = pending.getByRole('row').filter({ has: page.getByRole('cell') });
		await expect(inviteRows).toHaveCount(1);
		await expect(inviteRows).toContainText(invitee);
		await expect(inviteRows.locator('time')).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
		await expect(
			inviteRows.getByRole('button', { name: `Resend the invite to ${invitee}` })
		).toBeVisible();
		await settled();
		expect(await seriousViolations(page), 'pending-invites filter').toEqual([]);

		// Managed: the search applies there too.
		await press(managed);
		await expect(page).not.toHaveURL(/show=/);
		await expect(licenses.users).toBeVisible();
		await expect(licenses.users).toContainText(`No licensed user matches “inv.${x}”`);
		// The pending invites have a tab of their own too, and the people list keeps its search.
		await licenses.openTab('Invites');
		await expect(page).toHaveURL(/[?&]tab=invites(&|$)/);
		await expect(page.getByRole('region', { name: 'Pending invites' })).toContainText(invitee);
		await licenses.openTab('People');
		await expect(licenses.users).toContainText(`No licensed user matches “inv.${x}”`);

		// Claim Bob from the unmanaged list: a seat is taken, he is managed, and no longer unmanaged.
		// (Bob, on globex.test itself: enterprise-switcher.e2e.ts expects every Globex user there.)
		const licensedBefore = num(await licenses.figure('Licensed users').innerText());
		const unmanagedBefore = (await server()).total;
		await press(unmanaged);
		await search.fill(`bob.${x}`);
		await expect(rows).toHaveCount(1);
		await press(rows.getByRole('button', { name: `Claim ${bob}` }));
		await expect(rows).toContainText('Claimed');
		await expect(licenses.figure('Licensed users')).toHaveText(fmt(licensedBefore + 1), {
			timeout: 20_000
		});
		await expect(async () => {
			expect((await server()).total).toBe(unmanagedBefore - 1);
			await expect(unmanaged).toHaveAccessibleName(`Unmanaged ${fmt(unmanagedBefore - 1)}`, {
				timeout: 1_000
			});
		}).toPass({ timeout: 20_000 });
		await press(managed);
		await expect(licenses.search).toHaveValue(`bob.${x}`);
		await expect(licenses.row(bob)).toBeVisible();
		await expect(licenses.count).toHaveText(/^1 of [\d,]+ licensed users$/);
		await expect(managed).toHaveAccessibleName(`Managed (licensed) ${fmt(licensedBefore + 1)}`);

		// Offline: the unmanaged list says why it is missing; the rest keeps working.
		await context.setOffline(true);
		await press(unmanaged);
		await expect(page.getByRole('region', { name: 'Unmanaged users' })).toContainText(
			'Unmanaged users come from the server; reconnect to see them'
		);
		await press(invites);
		await invitesSearch.fill(`inv.${x}`);
		await expect(inviteRows).toHaveCount(1);
		await context.setOffline(false);

		// Leave Globex as found: revoke the invite (its seat is free at once, R5).
		await press(inviteRows.getByRole('button', { name: `Revoke the invite to ${invitee}` }));
		await press(inviteRows.getByRole('button', { name: 'Revoke invite' }));
		await expect(pending).toContainText(`No invite matches “inv.${x}”`);
		await synced();
		await context.close();
	});
}

test('billing sees managed and pending invites only, and a ?show=unmanaged address falls back to managed (R2)', async ({
	browser
}) => {
	const context = await browser.newContext();
	const page: Page = await context.newPage();
	await signIn(page, ADMINS.billing.email, ADMINS.billing.password);
	const id = await enterpriseID(page.request, 'acme');
	const refused = await page.request.get(`/api/enterprises/${id}/unmanaged`);
	expect(refused.status()).toBe(403);
	await page.goto('/e/acme/licenses?show=unmanaged');
	const filter = page.getByRole('group', { name: 'Show' });
	await expect(filter.getByRole('radio')).toHaveCount(2);
	await expect(filter.getByRole('radio', { name: /^Managed \(licensed\)/ })).toBeChecked();
	await expect(filter.getByRole('radio', { name: /^Unmanaged/ })).toHaveCount(0);
	await expect(page.getByRole('region', { name: 'Licensed users' })).toBeVisible();
	await context.close();
});
