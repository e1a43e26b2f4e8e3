import { randomUUID } from 'node:crypto';
import { ADMINS, signIn } from './support/auth';
import { expect, test } from './support/fixtures';
import { LicensesPage } from './support/licenses-page';

test.describe('SCIM provisioning (R22, R23)', () => {
	test('R23, R22: the owner enables SCIM, generates a token, an IdP creates a user with it, the request is logged and the licensed user reaches the open console', async ({
		page,
		context
	}) => {
		await signIn(page, ADMINS.owner.email, ADMINS.owner.password);

		// A console already open on Globex's licenses: the new user must arrive there by sync.
		const consoleTab = await context.newPage();
		const licenses = new LicensesPage(consoleTab);
		await licenses.goto('globex');
		await expect(licenses.count).toBeVisible({ timeout: 30_000 });

		await page.goto('/e/globex/licenses');
		await page
			.getByRole('navigation', { name: 'Enterprise controls' })
			.getByRole('link', { name: 'SCIM' })
			.click();
		await expect(page.getByRole('heading', { level: 1, name: 'SCIM provisioning' })).toBeVisible();

		await page.getByRole('button', { name: 'Enable SCIM' }).click();
		await expect(page.getByRole('button', { name: 'Disable SCIM' })).toBeVisible();
		const baseURL = (await page.getByTestId('scim-base-url').innerText()).trim();
		expect(baseURL).toMatch(/\/scim\/v2$/);

		await page.getByLabel('Token expiry').selectOption('90d');
		await page.getByRole('button', { name: 'Generate token' }).click();
		const shown = page.getByTestId('scim-token');
		await expect(shown).toBeVisible();
		const token = (await shown.innerText()).trim();
		expect(token).toMatch(/^roster_scim_/);
		await expect(page.getByRole('button', { name: 'Copy token' })).toBeVisible();
		await expect(page.getByRole('button', { name: 'Rotate token' })).toBeVisible();

		// The identity provider (Okta's request shape) creates a user with the token.
		const email = `scim.${randomUUID().slice(0, 8)}@globex.test`;
		const created = await page.request.post(`${baseURL}/Users`, {
			headers: {
				authorization: `Bearer ${token}`,
				'content-type': 'application/scim+json'
			},
			data: {
				schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
				userName: email,
				name: { givenName: 'Scim', familyName: 'Person' },
				emails: [{ primary: true, value: email, type: 'work' }],
				displayName: 'Scim Person',
				active: true
			}
		});
		expect(created.status()).toBe(201);
		expect(created.headers()['content-type']).toMatch(/^application\/scim\+json/);

		// The token is shown once: after leaving the page it is gone for good.
		await page.reload();
		await expect(page.getByRole('heading', { level: 1, name: 'SCIM provisioning' })).toBeVisible();
		await expect(page.getByTestId('scim-token')).toHaveCount(0);
		const log = page.getByRole('table', { name: 'SCIM requests' });
		await expect(log.getByRole('row').nth(1)).toContainText('POST');
		await expect(log.getByRole('row').nth(1)).toContainText('/scim/v2/Users');
		await expect(log.getByRole('row').nth(1)).toContainText('201');

		// The open console hears the poke and pulls the new licensed user (R22, sync).
		await licenses.search.fill(email);
		await expect(licenses.rows.filter({ hasText: email })).toHaveCount(1, { timeout: 20_000 });
		await expect(licenses.rows.filter({ hasText: email })).toContainText('Scim Person');

		// A wrong token gets 401 with a SCIM error body (R23).
		const wrong = await page.request.get(`${baseURL}/Users`, {
			headers: { authorization: 'Bearer not-the-token' }
		});
		expect(wrong.status()).toBe(401);
		expect((await wrong.json()).schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
	});
});
