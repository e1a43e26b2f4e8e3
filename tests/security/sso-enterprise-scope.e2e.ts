import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
	expect,
	request,
	test,
	type APIRequestContext,
	type Browser,
	type BrowserContext,
	type Page
} from '@playwright/test';
import { startServer, type Server } from './support/server';
import { startIdentityProvider, type IdentityProvider } from './support/identity-provider';
import { enterpriseID, fullPull, pushRaw, rows } from './support/mutations';

// What a session may do, checked on every request: a session made through one enterprise's IdP
// reaches that enterprise only, and a password session cannot act where SSO is required (except the
// owner's). The admin here is co-owner of Acme (SSO through the test's IdP) and owner of Beta, which
// has a policy of its own (no SSO).

const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };
const ADMIN = { email: 'coowner@acme.test', password: 'roster-demo' };

let server: Server;
let idp: IdentityProvider;
let acmeID: string;
let betaID: string;
let owner: APIRequestContext;

async function saveSso(required: boolean): Promise<void> {
	const res = await owner.post(`/api/enterprises/${acmeID}/sso`, {
		data: {
			action: 'save',
			issuer: idp.issuer,
			clientID: idp.clientID,
			clientSecret: idp.clientSecret,
			required
		}
	});
	expect(res.status(), await res.text()).toBe(200);
}

/** Goes through "Continue with SSO" and the IdP's sign-in and consent pages as `login`. */
async function signInWithSso(page: Page, email: string, login = email): Promise<void> {
	await page.goto(`${server.url}/login`);
	await page.waitForLoadState('networkidle');
	await page.getByRole('link', { name: 'Continue with SSO' }).click();
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Work email').fill(email);
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`), { timeout: 30_000 });
	await page.locator('input[name=login]').fill(login);
	await page.locator('input[name=password]').fill('anything');
	await page.getByRole('button', { name: 'Sign-in' }).click();
	await page.getByRole('button', { name: 'Continue' }).click();
}

async function expectOnConsole(page: Page, slug = ''): Promise<void> {
	await expect(page).toHaveURL(new RegExp(`^${server.url}/e/${slug}`), { timeout: 30_000 });
}

/** An API context on the server with the browser context's cookies (its session). */
async function apiOf(context: BrowserContext): Promise<APIRequestContext> {
	return request.newContext({ baseURL: server.url, storageState: await context.storageState() });
}

async function freshPage(browser: Browser) {
	const context = await browser.newContext();
	return { context, page: await context.newPage() };
}

/** What the signed-in context may do with an enterprise's data: status and error code. */
async function pullStatus(api: APIRequestContext, id: string) {
	const res = await api.get(
		`/api/sync/pull?enterpriseID=${id}&clientID=c-${randomUUID()}&cookie=0`
	);
	const body = res.ok() ? null : ((await res.json()) as { error: string; message: string });
	return { status: res.status(), error: body?.error, message: body?.message };
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	test.setTimeout(180_000);
	server = await startServer({ demo: true, env: { SSO_ALLOW_LOOPBACK_ISSUER: 'true' } });
	idp = await startIdentityProvider({ redirectURI: `${server.url}/login/sso/callback` });
	owner = await server.signIn(OWNER.email, OWNER.password);
	acmeID = await enterpriseID(owner, 'acme');
	// Beta: its own enterprise, whose owner is Acme's co-owner (they keep their password).
	server.seed([
		'--enterprise',
		'Beta',
		'--users',
		'3',
		'--domains',
		'beta.test',
		'--owner',
		ADMIN.email
	]);
	betaID = await enterpriseID(await server.signIn(ADMIN.email, ADMIN.password), 'beta');
	await saveSso(false);
});

test.afterAll(async () => {
	await idp?.stop();
	await server?.stop();
});

test("R2 attack: an admin of Acme and Beta signs in through Acme's IdP and cannot read or write Beta, through the API or the console", async ({
	browser
}) => {
	const { context, page } = await freshPage(browser);
	await signInWithSso(page, ADMIN.email);
	await expectOnConsole(page, 'acme');
	const api = await apiOf(context);
	expect(await pullStatus(api, acmeID)).toMatchObject({ status: 200 });

	// Reading Beta: answered as signed out for Beta, in plain words.
	expect(await pullStatus(api, betaID)).toEqual({
		status: 401,
		error: 'signInRequired',
		message:
			'Sign in to Beta: you signed in with the single sign-on of another enterprise, which does not vouch for you in Beta.'
	});
	const roster = await api.get(`/api/sync/roster?enterpriseID=${betaID}`);
	expect(roster.status()).toBe(401);
	const audit = await api.get(`/api/enterprises/${betaID}/audit`);
	expect(audit.status()).toBe(401);

	// Writing Beta: refused, and nothing lands.
	const name = `Planted through Acme's IdP ${randomUUID().slice(0, 8)}`;
	const planted = await pushRaw(api, {
		enterpriseID: betaID,
		mutations: [{ name: 'createTeam', args: { teamID: randomUUID(), name } }]
	});
	expect(planted.status()).toBe(401);
	const betaOwner = await server.signIn(ADMIN.email, ADMIN.password);
	const teams = rows<{ name: string }>(await fullPull(betaOwner, betaID), 'teams');
	expect(teams.map((t) => t.name)).not.toContain(name);

	// The console says to sign in to Beta instead of showing it, and signing in there works.
	await page.goto(`${server.url}/e/beta/licenses`);
	await expect(page.getByRole('heading', { name: 'Sign in to continue' })).toBeVisible();
	await expect(
		page.getByText('Sign in to Beta: you signed in with the single sign-on')
	).toBeVisible();
	await page.getByRole('link', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/login\?next=/);
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(`${server.url}/e/beta/licenses`, { timeout: 30_000 });
	const again = await apiOf(context);
	expect((await pullStatus(again, betaID)).status).toBe(200);
	await Promise.all([api.dispose(), again.dispose(), context.close()]);
});

test("R2: once Acme requires SSO, the co-owner's password session made before cannot act in Acme but still can in Beta; the owner's password fallback stays, audited", async ({
	browser
}) => {
	const { context, page } = await freshPage(browser);
	await page.goto(`${server.url}/login`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Email').fill(ADMIN.email);
	await page.getByLabel('Password').fill(ADMIN.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expectOnConsole(page);
	const api = await apiOf(context);
	expect((await pullStatus(api, acmeID)).status).toBe(200);

	await saveSso(true);
	const refused = {
		status: 401,
		error: 'signInRequired',
		message:
			'Sign in to Acme with single sign-on: Acme requires it, and you signed in with a password.'
	};
	expect(await pullStatus(api, acmeID)).toEqual(refused);
	const name = `Planted with a password ${randomUUID().slice(0, 8)}`;
	const planted = await pushRaw(api, {
		enterpriseID: acmeID,
		mutations: [{ name: 'createTeam', args: { teamID: randomUUID(), name } }]
	});
	expect(planted.status()).toBe(401);
	expect(
		rows<{ name: string }>(await fullPull(owner, acmeID), 'teams').map((t) => t.name)
	).not.toContain(name);
	expect((await pullStatus(api, betaID)).status).toBe(200);
	await page.goto(`${server.url}/e/acme/licenses`);
	await expect(page.getByRole('heading', { name: 'Sign in to continue' })).toBeVisible();
	await expect(page.getByText(refused.message)).toBeVisible();

	// A new password sign-in is allowed (Beta does not require SSO) and reaches Beta only.
	const fresh = await server.signIn(ADMIN.email, ADMIN.password);
	expect((await pullStatus(fresh, betaID)).status).toBe(200);
	expect((await pullStatus(fresh, acmeID)).status).toBe(401);

	// The owner's password still acts in Acme (the way back in), and the sign-in is audited.
	const ownerAgain = await server.signIn(OWNER.email, OWNER.password);
	expect((await pullStatus(ownerAgain, acmeID)).status).toBe(200);
	const audit = await ownerAgain.get(`/api/enterprises/${acmeID}/audit?action=ssoPasswordFallback`);
	const { entries } = (await audit.json()) as { entries: { actor: string }[] };
	expect(entries[0]).toMatchObject({ actor: OWNER.email });
	await Promise.all([api.dispose(), context.close()]);
	await saveSso(false);
});

test("R13: when the work email's domain leads to two enterprises with SSO, the sign-in page asks which one and goes to that one", async ({
	browser
}) => {
	// Beta verifies acme.test too (written into the server's database, as a verification would)
	// and sets up SSO with the same IdP.
	const db = new Database(join(server.env.DATA_DIR!, 'roster.db'));
	try {
		db.pragma('busy_timeout = 5000');
		db.prepare(
			'insert into domains (id, enterprise_id, domain, verification_value, verified_at, created_at) values (?, ?, ?, ?, ?, ?)'
		).run(
			randomUUID(),
			betaID,
			'acme.test',
			`roster-verification=${randomBytes(16).toString('hex')}`,
			Date.now(),
			Date.now()
		);
	} finally {
		db.close();
	}
	const betaOwner = await server.signIn(ADMIN.email, ADMIN.password);
	const saved = await betaOwner.post(`/api/enterprises/${betaID}/sso`, {
		data: {
			action: 'save',
			issuer: idp.issuer,
			clientID: idp.clientID,
			clientSecret: idp.clientSecret,
			required: false
		}
	});
	expect(saved.status(), await saved.text()).toBe(200);

	const { context, page } = await freshPage(browser);
	await page.goto(`${server.url}/login/sso`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Work email').fill(ADMIN.email);
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page.getByRole('alert')).toHaveText(
		'More than one enterprise uses single sign-on for acme.test. Choose the one you are signing in to.'
	);
	expect(page.url().startsWith(server.url)).toBe(true);
	const choice = page.getByRole('group', { name: 'Enterprise' });
	await expect(choice.getByRole('radio')).toHaveCount(2);
	await choice.getByRole('radio', { name: 'Beta' }).check();
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`), { timeout: 30_000 });
	await page.locator('input[name=login]').fill(ADMIN.email);
	await page.locator('input[name=password]').fill('anything');
	await page.getByRole('button', { name: 'Sign-in' }).click();
	await page.getByRole('button', { name: 'Continue' }).click();
	await expectOnConsole(page);
	// Signed in through Beta's SSO: Beta answers, Acme asks to sign in to it.
	const api = await apiOf(context);
	expect((await pullStatus(api, betaID)).status).toBe(200);
	expect((await pullStatus(api, acmeID)).status).toBe(401);
	await Promise.all([api.dispose(), context.close()]);
});
