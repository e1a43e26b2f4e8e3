import { expect, test } from '@playwright/test';
import { pgURL, startServer, type Server } from './support/server';
import { startIdentityProvider, type IdentityProvider } from './support/identity-provider';
import { enterpriseID } from './support/mutations';

// Single sign-on and session controls on a PostgreSQL server: the owner sets SSO up through the
// API, a co-owner signs in through the real IdP, sees the session, and the owner ends it.

const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };
const CO_OWNER = 'coowner@acme.test';

let server: Server;
let idp: IdentityProvider;

test.skip(!pgURL, 'needs TEST_DATABASE_URL (PostgreSQL)');

test.beforeAll(async () => {
	test.setTimeout(180_000);
	// The test's IdP runs on a loopback address, which Roster contacts only when allowed.
	server = await startServer({
		database: 'postgres',
		demo: true,
		env: { SSO_ALLOW_LOOPBACK_ISSUER: 'true' }
	});
	idp = await startIdentityProvider({
		host: '127.0.0.6',
		redirectURI: `${server.url}/login/sso/callback`
	});
});

test.afterAll(async () => {
	await idp?.stop();
	await server?.stop();
});

test('on PostgreSQL a co-owner signs in with SSO, sees the session, and the owner ends it', async ({
	browser
}) => {
	const owner = await server.signIn(OWNER.email, OWNER.password);
	const acmeID = await enterpriseID(owner, 'acme');
	const saved = await owner.post(`/api/enterprises/${acmeID}/sso`, {
		data: {
			action: 'save',
			issuer: idp.issuer,
			clientID: idp.clientID,
			clientSecret: idp.clientSecret,
			required: true
		}
	});
	expect(saved.status()).toBe(200);
	expect(await saved.text()).not.toContain(idp.clientSecret);
	const tested = await owner.post(`/api/enterprises/${acmeID}/sso`, { data: { action: 'test' } });
	expect((await tested.json()).test).toMatchObject({ ok: true });

	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(`${server.url}/login/sso`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Work email').fill(CO_OWNER);
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`), { timeout: 30_000 });
	await page.locator('input[name=login]').fill(CO_OWNER);
	await page.locator('input[name=password]').fill('anything');
	await page.getByRole('button', { name: 'Sign-in' }).click();
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page).toHaveURL(new RegExp(`^${server.url}/e/`), { timeout: 30_000 });

	await page.goto(`${server.url}/e/acme/settings`);
	const sessions = page.getByRole('region', { name: 'Where you are signed in' });
	await expect(sessions.getByText('This device')).toBeVisible();

	const { user } = (await (await page.request.get(`${server.url}/api/me`)).json()) as {
		user: { id: string };
	};
	const ended = await owner.delete(`/api/enterprises/${acmeID}/admins/${user.id}/sessions`);
	expect(await ended.json()).toEqual({ ok: true, ended: 1 });
	await page.goto(`${server.url}/e/acme/licenses`);
	await expect(page).toHaveURL(/\/login\?next=/);
	await context.close();
});
