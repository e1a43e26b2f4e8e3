import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { startServer, type Server } from './support/server';
import { enterpriseID } from './support/mutations';

// Session controls: an admin sees where they are signed in and ends a session; the owner ends
// every session of another admin (R2: the owner manages admins). On a production server of the
// test's own with the demo enterprise Acme.

const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };
const CO_OWNER = { email: 'coowner@acme.test', password: 'roster-demo' };

let server: Server;
let acmeID: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
	test.setTimeout(180_000);
	server = await startServer({ demo: true });
	acmeID = await enterpriseID(await server.signIn(OWNER.email, OWNER.password), 'acme');
});

test.afterAll(async () => {
	await server?.stop();
});

/** A browser of its own, signed in through the sign-in form, on the console. */
async function signedInBrowser(
	browser: Browser,
	admin: { email: string; password: string }
): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext();
	const page = await context.newPage();
	await page.goto(`${server.url}/login`);
	// The first visit installs the service worker; fill the form once the page has settled.
	await page.waitForLoadState('networkidle');
	await page.getByLabel('Email').fill(admin.email);
	await page.getByLabel('Password').fill(admin.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(new RegExp(`^${server.url}/e/`));
	return { context, page };
}

/** The page was sent to the sign-in form, and the server no longer knows the session. */
async function expectSignedOut(page: Page): Promise<void> {
	await page.goto(`${server.url}/e/acme/licenses`);
	await expect(page).toHaveURL(/\/login\?next=/);
	expect((await page.request.get(`${server.url}/api/me`)).status()).toBe(401);
}

test('an admin signed in on two browsers ends the other session, and that browser is signed out on its next request', async ({
	browser
}) => {
	const laptop = await signedInBrowser(browser, CO_OWNER);
	const tablet = await signedInBrowser(browser, CO_OWNER);

	await laptop.page.goto(`${server.url}/e/acme/settings`);
	const card = laptop.page.getByRole('region', { name: 'Where you are signed in' });
	const rows = card.getByRole('row');
	// A header row and the two sessions (the one from beforeAll is the owner's).
	await expect(rows).toHaveCount(3);
	await expect(card.getByText('This device')).toHaveCount(1);
	await expect(card.getByRole('cell', { name: /^Chrome on / }).first()).toBeVisible();
	await card.getByRole('button', { name: /^End the session on/ }).click();
	await expect(rows).toHaveCount(2);

	await expectSignedOut(tablet.page);
	// The laptop is still signed in.
	expect((await laptop.page.request.get(`${server.url}/api/me`)).status()).toBe(200);
	await laptop.context.close();
	await tablet.context.close();
});

test("an admin cannot end someone else's session by its id", async ({ browser }) => {
	const owner = await signedInBrowser(browser, OWNER);
	const coOwner = await signedInBrowser(browser, CO_OWNER);
	const { sessions } = (await (
		await owner.page.request.get(`${server.url}/api/me/sessions`)
	).json()) as { sessions: { id: string; current: boolean }[] };
	const ownersSession = sessions.find((s) => s.current)!;
	const attempt = await coOwner.page.request.post(`${server.url}/api/me/sessions`, {
		data: { action: 'end', sessionID: ownersSession.id }
	});
	expect(attempt.status()).toBe(404);
	expect((await owner.page.request.get(`${server.url}/api/me`)).status()).toBe(200);
	// Nor can a co-owner end all of the owner's sessions (R2).
	const me = (await (await owner.page.request.get(`${server.url}/api/me`)).json()) as {
		user: { id: string };
	};
	const forbidden = await coOwner.page.request.delete(
		`${server.url}/api/enterprises/${acmeID}/admins/${me.user.id}/sessions`
	);
	expect(forbidden.status()).toBe(403);
	expect((await owner.page.request.get(`${server.url}/api/me`)).status()).toBe(200);
	await owner.context.close();
	await coOwner.context.close();
});

test('the owner ends every session of a co-owner from Co-owners, and it is audited', async ({
	browser
}) => {
	const first = await signedInBrowser(browser, CO_OWNER);
	const second = await signedInBrowser(browser, CO_OWNER);
	const owner = await signedInBrowser(browser, OWNER);

	await owner.page.goto(`${server.url}/e/acme/co-owners`);
	await owner.page.getByRole('button', { name: `End all sessions of ${CO_OWNER.email}` }).click();
	await owner.page.getByRole('button', { name: 'End sessions' }).click();
	await expect(
		owner.page.getByRole('status').filter({ hasText: 'signed out everywhere' })
	).toContainText(`${CO_OWNER.email} is signed out everywhere`);

	await expectSignedOut(first.page);
	await expectSignedOut(second.page);
	// The owner is still signed in.
	expect((await owner.page.request.get(`${server.url}/api/me`)).status()).toBe(200);

	const audit = await owner.page.request.get(
		`${server.url}/api/enterprises/${acmeID}/audit?action=endAdminSessions`
	);
	const { entries } = (await audit.json()) as {
		entries: { actor: string; target: string; before: string }[];
	};
	expect(entries[0]).toMatchObject({ actor: OWNER.email, target: CO_OWNER.email });
	expect(JSON.parse(entries[0]!.before).sessions).toBeGreaterThanOrEqual(2);
	for (const b of [first, second, owner]) await b.context.close();
});

test('signing in again through the API ends the session it replaces, as the sign-in page does', async () => {
	const api = await server.signIn(CO_OWNER.email, CO_OWNER.password);
	const cookieOf = async () =>
		(await api.storageState()).cookies.find((c) => c.name === 'roster_session')!.value;
	const first = await cookieOf();
	const again = await api.post('/api/auth/login', { data: CO_OWNER });
	expect(again.status()).toBe(200);
	const second = await cookieOf();
	expect(second).not.toBe(first);
	const statusWith = async (cookie: string) =>
		(await server.api.get('/api/me', { headers: { cookie: `roster_session=${cookie}` } })).status();
	expect(await statusWith(first)).toBe(401);
	expect(await statusWith(second)).toBe(200);
});
