import { expect, request as playwrightRequest, test, type Page } from '@playwright/test';
import { ADMINS, BASE_URL, signInWithForm } from '../e2e/support/auth';

// An open redirect after sign-in: `/login?next=…` must only ever lead to a page of this console
// (R2). Browsers read a backslash as a slash and drop tabs and newlines inside URLs, so a `next`
// that merely starts with one `/` can still name another host.

/** `next` values (as the query string decodes them) that point somewhere else. */
const OFF_SITE = [
	'/\\evil.example',
	'/\\evil.example/phish', // the raw `/%5Cevil.example/phish`
	'//evil.example',
	'https://evil.example',
	'/\t/evil.example',
	'/\\/evil.example',
	'javascript:alert(1)'
];

const ORIGIN = new URL(BASE_URL).origin;
const loginURL = (next: string) => `/login?next=${encodeURIComponent(next)}`;

/** Where a Location header or page address leads, resolved the way a browser resolves it. */
function originOf(location: string): string {
	return new URL(location, BASE_URL).origin;
}

/** The page is on this origin and signed in; with JavaScript, the console shows the admin. */
async function expectOnConsole(page: Page, { javaScript }: { javaScript: boolean }): Promise<void> {
	await expect
		.poll(() => page.url(), { message: 'the signed-in admin stays on the console' })
		.toMatch(new RegExp(`^${ORIGIN}/`));
	expect((await page.request.get('/api/me')).status(), 'signed in').toBe(200);
	// The console renders from the browser's mirror, so only a page with JavaScript shows it.
	if (javaScript) {
		await expect(page.getByRole('complementary', { name: 'Sidebar' })).toContainText(
			ADMINS.owner.email
		);
	}
}

test.describe('Sign-in never redirects off-site (R2)', () => {
	for (const next of OFF_SITE) {
		test(`R2: next=${JSON.stringify(next)} lands on the console after signing in with JavaScript`, async ({
			page
		}) => {
			await page.goto(loginURL(next));
			await signInWithForm(page, ADMINS.owner.email, ADMINS.owner.password);
			await expectOnConsole(page, { javaScript: true });
		});
	}

	for (const next of OFF_SITE) {
		test(`R2: next=${JSON.stringify(next)} lands on the console after signing in without JavaScript`, async ({
			browser
		}) => {
			const context = await browser.newContext({ javaScriptEnabled: false });
			try {
				const page = await context.newPage();
				await page.goto(loginURL(next));
				await page.getByLabel('Email').fill(ADMINS.owner.email);
				await page.getByLabel('Password').fill(ADMINS.owner.password);
				await page.getByRole('button', { name: 'Sign in' }).click();
				await page.waitForURL((url) => url.pathname !== '/login', { timeout: 15_000 });
				await expectOnConsole(page, { javaScript: false });
			} finally {
				await context.close();
			}
		});
	}

	test('R2: the form POST and the signed-in /login visit answer with a Location on this origin for every off-site next', async () => {
		const api = await playwrightRequest.newContext({ baseURL: BASE_URL });
		try {
			for (const next of OFF_SITE) {
				// The plain form POST (what a browser without JavaScript sends).
				const posted = await api.post(loginURL(next), {
					form: { email: ADMINS.owner.email, password: ADMINS.owner.password },
					headers: { origin: ORIGIN, accept: 'text/html' },
					maxRedirects: 0
				});
				expect(posted.status(), `POST with next=${JSON.stringify(next)}`).toBe(303);
				const location = posted.headers()['location'] ?? '';
				expect(originOf(location), `Location ${location} for next=${JSON.stringify(next)}`).toBe(
					ORIGIN
				);
				// Now signed in: opening /login sends the admin on at once.
				const visited = await api.get(loginURL(next), {
					headers: { accept: 'text/html' },
					maxRedirects: 0
				});
				expect(visited.status(), `GET with next=${JSON.stringify(next)}`).toBe(303);
				const onward = visited.headers()['location'] ?? '';
				expect(originOf(onward), `Location ${onward} for next=${JSON.stringify(next)}`).toBe(
					ORIGIN
				);
			}
			// A page of the console itself is still where `next` leads.
			const home = await api.get(loginURL('/e/acme/teams?q=a'), {
				headers: { accept: 'text/html' },
				maxRedirects: 0
			});
			expect(home.headers()['location']).toBe('/e/acme/teams?q=a');
		} finally {
			await api.dispose();
		}
	});
});
