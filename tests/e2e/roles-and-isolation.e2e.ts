import type { Page } from '@playwright/test';
import { ADMINS, apiAs, enterpriseID, licensesOf, me, signIn } from './support/auth';
import { expect, test } from './support/fixtures';

const ALL_AREAS = [
	['Licenses', 'licenses'],
	['Teams', 'teams'],
	['Organizations', 'organizations'],
	['Domains', 'domains'],
	['Storage', 'storage'],
	['Co-owners', 'co-owners'],
	['Audit log', 'audit'],
	['SCIM', 'scim'],
	['Settings', 'settings']
] as const;

const nav = (page: Page) => page.getByRole('navigation', { name: 'Enterprise controls' });

// The console renders in the browser (it opens offline), so a refused page is a 200 document that
// shows the 403 error page; the server's refusal is on the data (the API and the sync pull).
async function expectNoAccessPage(page: Page, path: string): Promise<void> {
	await page.goto(path);
	await expect(page.getByRole('heading', { level: 1, name: 'No access' })).toBeVisible();
	await expect(page.getByRole('link', { name: 'Back to Roster' })).toBeVisible();
	await expect(page).toHaveTitle('403 · Roster');
}

test.describe('Billing admin (R2)', () => {
	test.beforeEach(async ({ page }) => {
		await signIn(page, ADMINS.billing.email, ADMINS.billing.password);
	});

	test('R2: billing sees only Licenses and Settings in the sidebar', async ({ page }) => {
		await page.goto('/e/acme/licenses');
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
		await expect(nav(page).getByRole('link')).toHaveText(['Licenses', 'Settings']);
		// One enterprise: no switcher select, just its name.
		await expect(page.getByRole('combobox', { name: 'Switch enterprise' })).toHaveCount(0);
		await expect(page.getByRole('complementary', { name: 'Sidebar' })).toContainText('Acme');
	});

	test('R2: billing opening /e/acme/teams gets a 403 "No access" page', async ({ page }) => {
		await expectNoAccessPage(page, '/e/acme/teams');
	});

	test('R2: every area billing cannot use shows "No access"; Settings opens', async ({ page }) => {
		for (const [label, path] of ALL_AREAS) {
			if (path === 'licenses' || path === 'settings') continue;
			await test.step(label, () => expectNoAccessPage(page, `/e/acme/${path}`));
		}
		await page.goto('/e/acme/settings');
		await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
	});

	test('R2: the server sends billing no data of the areas billing cannot use (sync pull)', async ({
		page
	}) => {
		const id = await enterpriseID(page.request, 'acme');
		const res = await page.request.get('/api/sync/pull', {
			params: { enterpriseID: id, clientID: `e2e-${Date.now()}`, cookie: 0 }
		});
		expect(res.status()).toBe(200);
		const body = (await res.json()) as { changes: { table: string }[] };
		const tables = [...new Set(body.changes.map((c) => c.table))].sort();
		expect(tables).toContain('licenses');
		// R2: billing sees licenses, seat usage and reports; nothing else. Teams, organizations,
		// domains, storage, co-owners and the audit log must not reach a billing admin's device.
		expect(tables.filter((t) => /team|org|domain|storage|audit|owner|scim/i.test(t))).toEqual([]);
	});

	test('R2: billing can read licenses through the API', async ({ page }) => {
		const id = await enterpriseID(page.request, 'acme');
		const body = await licensesOf(page.request, id, { limit: 10 });
		expect(body.users).toHaveLength(10);
		expect(body.seats.licensed).toBe(body.total);
	});
});

test.describe('Co-owner (R2)', () => {
	test('R2: a co-owner sees all nine console areas', async ({ page }) => {
		await signIn(page, ADMINS.coOwner.email, ADMINS.coOwner.password);
		await page.goto('/e/acme/licenses');
		await expect(nav(page).getByRole('link')).toHaveText(ALL_AREAS.map(([label]) => label));
		await page.goto('/e/acme/co-owners');
		await expect(
			page.getByRole('heading', { level: 1, name: 'Co-owners and billing' })
		).toBeVisible();
		await expect(page.getByRole('combobox', { name: 'Switch enterprise' })).toHaveCount(0);
	});
});

test.describe('Isolation between enterprises (R1, R2)', () => {
	test('R1: the Acme owner opening Initech gets 403, on the page and in the API, with no data', async ({
		ownerPage: page
	}) => {
		const initech = await apiAs(ADMINS.initechOwner);
		let initechID: string;
		try {
			initechID = await enterpriseID(initech, 'initech');
			// Initech's own owner does get its data.
			expect((await licensesOf(initech, initechID, { limit: 1 })).total).toBeGreaterThan(0);
		} finally {
			await initech.dispose();
		}

		const mine = await me(page.request);
		expect(mine.enterprises.map((e) => e.slug)).not.toContain('initech');
		await expectNoAccessPage(page, '/e/initech/licenses');
		await expect(page.locator('body')).not.toContainText('initech.test');

		const res = await page.request.get(`/api/enterprises/${initechID}/licenses`);
		expect(res.status()).toBe(403);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body.error).toBe('forbidden');
		expect(body).not.toHaveProperty('users');
		expect(body).not.toHaveProperty('seats');
		expect(body).not.toHaveProperty('total');
		expect(JSON.stringify(body)).not.toContain('initech.test');

		// Nor through the sync feed.
		const pull = await page.request.get('/api/sync/pull', {
			params: { enterpriseID: initechID, clientID: `e2e-${Date.now()}`, cookie: 0 }
		});
		expect(pull.status()).toBe(403);
		expect(await pull.text()).not.toContain('initech.test');
	});

	test('R1: an enterprise that does not exist looks the same as one you cannot access', async ({
		ownerPage: page
	}) => {
		await expectNoAccessPage(page, '/e/no-such-enterprise/licenses');
		const res = await page.request.get(
			'/api/enterprises/00000000-0000-4000-8000-000000000000/licenses'
		);
		expect(res.status()).toBe(403);
	});
});

test.describe('Owner console pages render real data (R2)', () => {
	async function open(page: Page, label: string, heading: string): Promise<void> {
		await page.goto('/e/acme/licenses');
		await nav(page).getByRole('link', { name: label, exact: true }).click();
		await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
		await expect(nav(page).getByRole('link', { name: label, exact: true })).toHaveAttribute(
			'aria-current',
			'page'
		);
		await expect(page).toHaveTitle(`${label} · Acme · Roster`);
	}

	test('R10: Teams lists the teams with members and linked organizations', async ({
		ownerPage: page
	}) => {
		await open(page, 'Teams', 'Teams');
		const platform = page
			.getByRole('row')
			.filter({ has: page.getByRole('cell', { name: 'Platform', exact: true }) });
		await expect(platform).toHaveCount(1);
		await expect(platform).toContainText('Engineering');
		await expect(platform).toContainText('admin');
		const members = await platform.getByRole('cell').nth(1).innerText();
		expect(Number(members.replace(/,/g, ''))).toBeGreaterThan(0);
		for (const team of ['Mobile', 'Design', 'Security']) {
			await expect(page.getByRole('cell', { name: team, exact: true })).toBeVisible();
		}
	});

	test('R9: Organizations lists Engineering and the teams linked to it', async ({
		ownerPage: page
	}) => {
		await open(page, 'Organizations', 'Organizations');
		const engineering = page
			.getByRole('row')
			.filter({ has: page.getByRole('cell', { name: 'Engineering', exact: true }) });
		await expect(engineering).toHaveCount(1);
		await expect(engineering).toContainText('Platform');
		for (const org of ['Product', 'Support', 'Data']) {
			await expect(page.getByRole('cell', { name: org, exact: true })).toBeVisible();
		}
	});

	test('R13: Domains shows acme.test verified and acme-corp.test unverified with its TXT value', async ({
		ownerPage: page
	}) => {
		await open(page, 'Domains', 'Domains');
		const row = (domain: string) =>
			page.getByRole('row').filter({
				has: page
					.getByRole('cell')
					.filter({ hasText: new RegExp(`^${domain.replace(/\./g, '\\.')}\\b`) })
			});
		await expect(row('acme.test')).toContainText('Verified');
		await expect(row('acme.test')).not.toContainText('Unverified');
		await expect(row('acme-corp.test')).toContainText('Unverified');
		await expect(row('acme-corp.test').locator('code')).toHaveText(
			/^roster-verification=[0-9a-f]{32}$/
		);
		// A verified domain has nothing left to publish.
		await expect(row('acme.test').locator('code')).toHaveCount(0);
		await expect(page.getByText(/unmanaged users across all domains/)).toBeVisible();
	});

	test('R17: Storage shows the global rule and each organization under it', async ({
		ownerPage: page
	}) => {
		await open(page, 'Storage', 'Storage policy');
		await expect(page.getByRole('heading', { level: 2, name: 'Global rule' })).toBeVisible();
		const global = page.getByRole('form', { name: 'Global storage rule' });
		for (const kind of ['Local vault', 'Cloud sync', 'Git sync']) {
			await expect(global.getByLabel(kind)).toBeChecked();
		}
		const engineering = page
			.getByRole('row')
			.filter({ has: page.getByRole('cell', { name: 'Engineering', exact: true }) });
		await expect(engineering.getByRole('cell')).toHaveText([
			'Engineering',
			'Allowed',
			'Allowed',
			'Allowed',
			/Default \(all allowed\)|Global rule/,
			/Override/
		]);
	});

	test('R2: Co-owners lists the owner, the co-owner and the billing admin', async ({
		ownerPage: page
	}) => {
		await open(page, 'Co-owners', 'Co-owners and billing');
		const roleOf = (email: string) =>
			page
				.getByRole('row')
				.filter({ has: page.getByRole('cell', { name: email, exact: true }) })
				.getByRole('cell')
				.nth(2);
		await expect(roleOf(ADMINS.owner.email)).toHaveText('Owner');
		await expect(roleOf(ADMINS.coOwner.email)).toHaveText('Co-owner');
		await expect(roleOf(ADMINS.billing.email)).toHaveText('Billing');
	});

	test('R24: Audit log shows the seed entry', async ({ ownerPage: page }) => {
		await open(page, 'Audit log', 'Audit log');
		// In words; the raw action name (seedEnterprise) is only in the CSV.
		const seed = page.getByRole('row').filter({ hasText: 'loaded the demo data' });
		await expect(seed).toHaveCount(1);
		await expect(seed.getByRole('cell').first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
	});

	test('R2: Settings shows the signed-in admin and their role', async ({ ownerPage: page }) => {
		await open(page, 'Settings', 'Settings');
		await expect(page.getByRole('main')).toContainText(ADMINS.owner.email);
		await expect(page.getByRole('main')).toContainText('Role in Acme');
		await expect(page.getByRole('main')).toContainText('owner');
	});
});
