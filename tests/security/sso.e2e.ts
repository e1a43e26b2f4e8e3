import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { startServer, type Server } from './support/server';
import { startIdentityProvider, type IdentityProvider } from './support/identity-provider';
import { enterpriseID } from './support/mutations';

// Single sign-on with OpenID Connect against a real provider (oidc-provider on 127.0.0.5), on a
// production server of the test's own with the demo enterprise Acme (acme.test verified, R13).

const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };
const CO_OWNER = { email: 'coowner@acme.test', password: 'roster-demo' };

let server: Server;
let idp: IdentityProvider;
let acmeID: string;

/** The server's SQLite database, read-only (the zero-setup case: no SECRET_KEY). */
function sqlite<T>(query: string, ...params: unknown[]): T[] {
	const db = new Database(join(server.env.DATA_DIR!, 'roster.db'), { readonly: true });
	try {
		return db.prepare(query).all(...params) as T[];
	} finally {
		db.close();
	}
}

async function signInWithPassword(
	page: Page,
	email: string,
	password: string,
	{ refused = false } = {}
): Promise<void> {
	await page.goto(`${server.url}/login`);
	// The first visit installs the service worker; fill the form once the page has settled.
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	if (!refused) await expectOnConsole(page);
}

/** The page is a console page of this server (the landing page leads to the first enterprise). */
async function expectOnConsole(page: Page): Promise<void> {
	// Generous: the server asks the IdP twice (discovery, code exchange) on a shared, busy machine.
	await expect(page).toHaveURL(new RegExp(`^${server.url}/e/`), { timeout: 30_000 });
}

/** Goes through "Continue with SSO" and the IdP's sign-in and consent pages as `login`. */
async function signInWithSso(page: Page, email: string, login = email): Promise<void> {
	await page.getByRole('link', { name: 'Continue with SSO' }).click();
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Work email').fill(email);
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`), {
		timeout: 30_000
	});
	await page.locator('input[name=login]').fill(login);
	await page.locator('input[name=password]').fill('anything');
	await page.getByRole('button', { name: 'Sign-in' }).click();
	await page.getByRole('button', { name: 'Continue' }).click();
}

async function freshPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext();
	return { context, page: await context.newPage() };
}

async function signedIn(page: Page): Promise<number> {
	return (await page.request.get(`${server.url}/api/me`)).status();
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	test.setTimeout(180_000);
	// The test's IdP runs on a loopback address, which Roster contacts only when allowed.
	server = await startServer({ demo: true, env: { SSO_ALLOW_LOOPBACK_ISSUER: 'true' } });
	idp = await startIdentityProvider({ redirectURI: `${server.url}/login/sso/callback` });
	const owner = await server.signIn(OWNER.email, OWNER.password);
	acmeID = await enterpriseID(owner, 'acme');
});

test.afterAll(async () => {
	await idp?.stop();
	await server?.stop();
});

test('the owner sets up single sign-on in Settings and tests it; the client secret is stored encrypted and never sent back', async ({
	page
}) => {
	await signInWithPassword(page, OWNER.email, OWNER.password);
	await page.goto(`${server.url}/e/acme/settings`);
	const card = page.getByRole('region', { name: 'Single sign-on' });
	await expect(card.getByTestId('sso-redirect-uri')).toHaveText(`${server.url}/login/sso/callback`);
	await card.getByLabel('Issuer URL').fill(idp.issuer);
	await card.getByLabel('Client ID').fill(idp.clientID);
	await card.getByLabel('Client secret').fill(idp.clientSecret);
	await card.getByRole('button', { name: 'Save' }).click();
	await expect(card.getByRole('status')).toHaveText('Saved.');
	await card.getByRole('button', { name: 'Test the settings' }).click();
	await expect(card.getByRole('status')).toContainText('answered as expected');

	// After a reload the form shows everything but the secret.
	await page.reload();
	await expect(card.getByLabel('Client ID')).toHaveValue(idp.clientID);
	await expect(card.getByLabel('Client secret')).toHaveValue('');
	await expect(card.getByLabel('Client secret')).toHaveAttribute('placeholder', /Saved/);

	const answer = await page.request.get(`${server.url}/api/enterprises/${acmeID}/sso`);
	expect(answer.status()).toBe(200);
	expect(await answer.text()).not.toContain(idp.clientSecret);

	// At rest: sealed with the generated key in DATA_DIR/secret.key (readable by its owner only).
	const [row] = sqlite<{ client_secret: string }>(
		'select client_secret from sso_configs where enterprise_id = ?',
		acmeID
	);
	expect(row!.client_secret).toMatch(/^v1\./);
	expect(row!.client_secret).not.toContain(idp.clientSecret);
	const keyFile = join(server.env.DATA_DIR!, 'secret.key');
	expect(existsSync(keyFile)).toBe(true);
	expect(statSync(keyFile).mode & 0o077).toBe(0);

	// An issuer that is neither https nor on this machine is refused in plain words.
	const bad = await page.request.post(`${server.url}/api/enterprises/${acmeID}/sso`, {
		data: { action: 'save', issuer: 'http://idp.example', clientID: 'x', clientSecret: 'y' }
	});
	expect(bad.status()).toBe(400);
	expect((await bad.json()).message).toBe('The issuer URL must start with https://');

	// R24: the change is audited, without the secret.
	const audit = await page.request.get(
		`${server.url}/api/enterprises/${acmeID}/audit?action=updateSsoSettings`
	);
	const text = await audit.text();
	expect(text).toContain(idp.clientID);
	expect(text).not.toContain(idp.clientSecret);
});

test('a co-owner signs in with SSO by work email and lands on the page they asked for; the IdP subject is linked to their account', async ({
	browser
}) => {
	const { context, page } = await freshPage(browser);
	await page.goto(`${server.url}/e/acme/licenses`);
	await expect(page).toHaveURL(/\/login\?next=/);
	await signInWithSso(page, CO_OWNER.email);
	await expect(page).toHaveURL(`${server.url}/e/acme/licenses`);
	await expect(page.getByRole('complementary', { name: 'Sidebar' })).toContainText(CO_OWNER.email);
	// Co-owners see the settings; only the owner changes them (R2).
	await page.goto(`${server.url}/e/acme/settings`);
	const card = page.getByRole('region', { name: 'Single sign-on' });
	await expect(card).toContainText(`Set up with ${idp.issuer}`);
	await expect(card.getByLabel('Client ID')).toHaveCount(0);
	const save = await page.request.post(`${server.url}/api/enterprises/${acmeID}/sso`, {
		data: { action: 'save', issuer: 'https://impostor.example', clientID: 'x', clientSecret: 'y' }
	});
	expect(save.status()).toBe(403);

	const links = sqlite<{ subject: string; email: string }>(
		'select subject, users.email from sso_identities join users on users.id = sso_identities.user_id where enterprise_id = ?',
		acmeID
	);
	expect(links).toEqual([{ subject: CO_OWNER.email, email: CO_OWNER.email }]);
	await context.close();
});

test('an email on no domain with SSO is told so and stays on Roster', async ({ page }) => {
	await page.goto(`${server.url}/login/sso`);
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Work email').fill('someone@elsewhere.example');
	await page.getByRole('button', { name: 'Continue' }).click();
	await expect(page.getByRole('alert')).toContainText('Single sign-on is not set up');
	expect(page.url().startsWith(server.url)).toBe(true);
});

const REFUSED: {
	name: string;
	tamper?: (c: Record<string, unknown>) => Record<string, unknown>;
	account?: { email: string; emailVerified: boolean };
	message: RegExp;
}[] = [
	{
		name: 'an ID token with another nonce',
		tamper: (c) => ({ ...c, nonce: 'not-the-nonce-roster-sent' }),
		message: /could not be verified/
	},
	{
		name: 'an ID token for another client (audience)',
		tamper: (c) => ({ ...c, aud: 'some-other-client' }),
		message: /could not be verified/
	},
	{
		name: 'an ID token from another issuer',
		tamper: (c) => ({ ...c, iss: 'https://impostor.example' }),
		message: /could not be verified/
	},
	{
		name: 'an email the IdP has not verified',
		account: { email: CO_OWNER.email, emailVerified: false },
		message: /did not confirm that your email address is verified/
	},
	{
		name: 'an email on a domain the enterprise has not verified',
		account: { email: 'coowner@acme-corp.test', emailVerified: true },
		message: /not on one of this enterprise's verified domains/
	}
];

for (const refused of REFUSED) {
	test(`${refused.name} is refused and signs no one in`, async ({ browser }) => {
		const login = `refused-${Math.random().toString(36).slice(2)}`;
		if (refused.account) idp.accounts.set(login, refused.account);
		else idp.accounts.set(login, { email: CO_OWNER.email, emailVerified: true });
		idp.tamper = refused.tamper ?? null;
		const { context, page } = await freshPage(browser);
		try {
			await page.goto(`${server.url}/login`);
			await signInWithSso(page, CO_OWNER.email, login);
			await expect(page.getByRole('alert')).toHaveText(refused.message);
			expect(await signedIn(page)).toBe(401);
		} finally {
			idp.tamper = null;
			await context.close();
		}
	});
}

test('the IdP callback works once, only in the browser that started it, and next= never leaves the console', async ({
	browser
}) => {
	const { context, page } = await freshPage(browser);
	idp.holdCallback = true;
	idp.held = null;
	await page.goto(`${server.url}/login?next=${encodeURIComponent('https://evil.example/phish')}`);
	await signInWithSso(page, CO_OWNER.email);
	await expect(page.getByText('Held by the test')).toBeVisible();
	idp.holdCallback = false;
	const callback = idp.held;
	expect(callback).toContain('code=');

	// Another browser with the same code and state: no cookie, nothing to finish.
	const other = await freshPage(browser);
	await other.page.goto(callback!);
	await expect(other.page.getByRole('alert')).toContainText('expired or was already used');
	expect(await signedIn(other.page)).toBe(401);
	await other.context.close();

	// A browser in the middle of a sign-in of its own: the state does not match its own, refused.
	const third = await freshPage(browser);
	await third.page.goto(`${server.url}/login/sso`);
	await third.page.waitForLoadState('networkidle');
	await third.page.getByLabel('Work email').fill(CO_OWNER.email);
	await third.page.getByRole('button', { name: 'Continue' }).click();
	await expect(third.page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`), {
		timeout: 30_000
	});
	await third.page.goto(callback!);
	await expect(third.page.getByRole('alert')).toContainText('could not be verified');
	expect(await signedIn(third.page)).toBe(401);
	await third.context.close();

	// The browser that started it finishes, and lands on the console, not evil.example.
	const ssoCookie = (await context.cookies()).filter((c) => c.name === 'roster_sso');
	expect(ssoCookie).toHaveLength(1);
	await page.goto(callback!);
	await expectOnConsole(page);
	expect(await signedIn(page)).toBe(200);

	// Used up on the server too: even with its cookie put back, the same callback signs in nothing.
	await context.addCookies(ssoCookie);
	const before = sqlite<{ n: number }>('select count(*) as n from sessions')[0]!.n;
	await page.goto(callback!);
	await expect(page.getByRole('alert')).toContainText('expired or was already used');
	expect(sqlite<{ n: number }>('select count(*) as n from sessions')[0]!.n).toBe(before);
	await context.close();
});

test('with SSO required a co-owner cannot sign in with a password; the owner still can, and that is audited', async ({
	browser
}) => {
	const owner = await freshPage(browser);
	await signInWithPassword(owner.page, OWNER.email, OWNER.password);
	await owner.page.goto(`${server.url}/e/acme/settings`);
	const card = owner.page.getByRole('region', { name: 'Single sign-on' });
	await card.getByLabel('Require single sign-on for every admin').check();
	await card.getByRole('button', { name: 'Save' }).click();
	await expect(card.getByRole('status')).toHaveText('Saved.');
	await owner.context.close();

	const coOwner = await freshPage(browser);
	await signInWithPassword(coOwner.page, CO_OWNER.email, CO_OWNER.password, { refused: true });
	await expect(coOwner.page.getByRole('alert')).toHaveText(
		'Your enterprise requires single sign-on. Use Continue with SSO and your work email.'
	);
	expect(await signedIn(coOwner.page)).toBe(401);
	const api = await server.api.post('/api/auth/login', { data: CO_OWNER });
	expect(api.status()).toBe(403);
	expect((await api.json()).error).toBe('ssoRequired');
	// A wrong password says only that: the policy is not revealed to someone guessing.
	const wrong = await server.api.post('/api/auth/login', {
		data: { email: CO_OWNER.email, password: 'not-it' }
	});
	expect(wrong.status()).toBe(401);
	// SSO still lets them in.
	await signInWithSso(coOwner.page, CO_OWNER.email);
	await expectOnConsole(coOwner.page);
	expect(await signedIn(coOwner.page)).toBe(200);
	await coOwner.context.close();

	// The owner's lock-out fallback: the password works, and the audit log says so (R24).
	const again = await freshPage(browser);
	await signInWithPassword(again.page, OWNER.email, OWNER.password);
	const audit = await again.page.request.get(
		`${server.url}/api/enterprises/${acmeID}/audit?action=ssoPasswordFallback`
	);
	const { entries } = (await audit.json()) as { entries: { actor: string; action: string }[] };
	expect(entries[0]).toMatchObject({ actor: OWNER.email, action: 'ssoPasswordFallback' });
	await again.context.close();
});

test('starting SSO counts against the sign-in limit of the address', async () => {
	let status = 0;
	for (let i = 0; i < 40 && status !== 429; i++) {
		const res = await server.api.post('/login/sso', {
			form: { email: 'someone@elsewhere.example' },
			headers: { origin: server.url, accept: 'text/html' },
			maxRedirects: 0
		});
		status = res.status();
		if (status === 429) expect(await res.text()).toContain('Too many sign-in attempts');
		else expect(status).toBe(400);
	}
	expect(status).toBe(429);
});
