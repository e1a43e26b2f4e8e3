import {
	expect,
	request as playwrightRequest,
	type APIRequestContext,
	type Page
} from '@playwright/test';

/** The seeded admins of the e2e server (scripts/e2e-server.js and the demo seed). */
export const ADMINS = {
	/** Owner of Acme and of Globex. */
	owner: { email: 'owner@acme.test', password: 'roster-demo' },
	coOwner: { email: 'coowner@acme.test', password: 'roster-demo' },
	billing: { email: 'billing@acme.test', password: 'roster-demo' },
	/** Owner of Initech; the Acme owner has no role there. */
	initechOwner: { email: 'owner@initech.test', password: 'initech-pass' }
} as const;

export type Admin = (typeof ADMINS)[keyof typeof ADMINS];

/** Where the tests' server listens (the config's baseURL). */
export const BASE_URL = `http://localhost:${Number(process.env.E2E_PORT ?? 4173)}`;

/** Emails of the seeded Acme users: its three domains (acme.test, labs.acme.test, acme-corp.test). */
export const ACME_EMAIL = /@(?:[a-z0-9-]+\.)*acme\.test$|@acme-corp\.test$/i;

/** Membership of an admin in an enterprise, as `GET /api/me` returns it. */
export interface Membership {
	id: string;
	name: string;
	slug: string;
	role: string;
}

/** Body of `GET /api/me`. */
export interface Me {
	user: { id: string; email: string; name: string };
	enterprises: Membership[];
}

/** Body of `GET /api/enterprises/:id/licenses`. */
export interface LicensesPage {
	seats: {
		purchased: number;
		licensed: number;
		pendingInvites: number;
		used: number;
		free: number;
	};
	total: number;
	users: { id: string; email: string; name: string; lastActiveAt: number | null }[];
}

/**
 * Fills and submits the real sign-in form and returns the server's answer to the form's POST.
 * Throws with the server's words when it refuses the form itself (403/5xx), rather than leaving
 * the test to time out waiting for something on the page.
 */
export async function submitSignInForm(
	page: Page,
	email: string,
	password: string
): Promise<APIResponseLike> {
	if (!new URL(page.url(), BASE_URL).pathname.startsWith('/login')) await page.goto('/login');
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	const [res] = await Promise.all([
		page.waitForResponse(
			(r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'
		),
		page.getByRole('button', { name: 'Sign in' }).click()
	]);
	if (res.status() === 403 || res.status() >= 500) {
		throw new Error(
			`the sign-in form's POST ${res.url()} answered ${res.status()}: ${await res.text()}`
		);
	}
	return res;
}

/** The part of a Playwright Response the sign-in helpers hand back. */
export interface APIResponseLike {
	status(): number;
	url(): string;
}

/**
 * Signs in through the real sign-in form, as an admin would, and waits to leave /login.
 * The page lands wherever the app sends it (the first enterprise, or `?next=`).
 */
export async function signInWithForm(page: Page, email: string, password: string): Promise<void> {
	await submitSignInForm(page, email, password);
	await page.waitForURL((url) => url.pathname !== '/login', { timeout: 15_000 });
}

/**
 * Signs the page's browser context in through `POST /api/auth/login` (the session cookie lands in
 * the context's cookie jar, so the browser is signed in too). Faster than the form.
 */
export async function signIn(page: Page, email: string, password: string): Promise<Me> {
	const res = await page.request.post('/api/auth/login', { data: { email, password } });
	expect(res.status(), `sign in as ${email}`).toBe(200);
	return me(page.request);
}

/** A fresh API client (its own cookie jar), signed in as `admin`. Dispose it after use. */
export async function apiAs(admin: Admin): Promise<APIRequestContext> {
	const ctx = await playwrightRequest.newContext({ baseURL: BASE_URL });
	const res = await ctx.post('/api/auth/login', { data: admin });
	expect(res.status(), `sign in as ${admin.email}`).toBe(200);
	return ctx;
}

/** `GET /api/me` with whatever session the client holds. */
export async function me(api: APIRequestContext): Promise<Me> {
	const res = await api.get('/api/me');
	expect(res.status()).toBe(200);
	return (await res.json()) as Me;
}

/** The id of the enterprise with `slug` among the caller's enterprises. */
export async function enterpriseID(api: APIRequestContext, slug: string): Promise<string> {
	const found = (await me(api)).enterprises.find((e) => e.slug === slug);
	if (!found) throw new Error(`the signed-in admin has no enterprise ${slug}`);
	return found.id;
}

/** `GET /api/enterprises/:id/licenses` as JSON, asserting 200. */
export async function licensesOf(
	api: APIRequestContext,
	id: string,
	params: Record<string, string | number> = {}
): Promise<LicensesPage> {
	const res = await api.get(`/api/enterprises/${id}/licenses`, { params });
	expect(res.status()).toBe(200);
	return (await res.json()) as LicensesPage;
}

/** A number as the console prints it (`5,013`). */
export const fmt = (n: number): string => n.toLocaleString('en-US');

/** What the seat meter should show for the server's seat usage (R4). */
export function seatTexts(seats: LicensesPage['seats']) {
	return {
		figure: `${fmt(seats.used)} of ${fmt(seats.purchased)} seats used`,
		licensed: fmt(seats.licensed),
		pending: fmt(seats.pendingInvites),
		free: fmt(seats.free)
	};
}
