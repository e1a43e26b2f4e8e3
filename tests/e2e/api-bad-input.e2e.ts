import { randomUUID } from 'node:crypto';
import { expect, test, type APIResponse } from '@playwright/test';
import { ADMINS, apiAs, enterpriseID } from './support/auth';

// Failed sign-ins in this file: 2 (wrong password, unknown email) + 5 (rate limit) = 7. Every
// failure also counts against the per-IP limit (30 per 15 minutes) that all test files share.

interface ErrorBody {
	error: string;
	message: string;
}

async function expectJsonError(res: APIResponse, status: number): Promise<ErrorBody> {
	expect(res.status()).toBe(status);
	expect(res.headers()['content-type']).toMatch(/^application\/json/);
	const body = (await res.json()) as ErrorBody;
	expect(typeof body.error).toBe('string');
	expect(typeof body.message).toBe('string');
	expect(body.message.length).toBeGreaterThan(0);
	return body;
}

const unknownEmail = () => `nobody-${randomUUID().slice(0, 8)}@acme.test`;

test.describe('POST /api/auth/login with bad input (R2)', () => {
	test('R2: malformed JSON → 400 {error, message}', async ({ request }) => {
		const res = await request.post('/api/auth/login', {
			headers: { 'content-type': 'application/json' },
			// A Buffer is sent byte for byte (a string would be JSON-encoded by Playwright).
			data: Buffer.from('{"email": "owner@acme.test", "password": ')
		});
		const body = await expectJsonError(res, 400);
		expect(body.message).toMatch(/JSON/);
	});

	test('R2: missing email → 400 naming "email"', async ({ request }) => {
		const res = await request.post('/api/auth/login', { data: { password: 'roster-demo' } });
		const body = await expectJsonError(res, 400);
		expect(body.message).toMatch(/\bemail\b/);
	});

	test('R2: missing password → 400 naming "password"', async ({ request }) => {
		const res = await request.post('/api/auth/login', { data: { email: ADMINS.owner.email } });
		const body = await expectJsonError(res, 400);
		expect(body.message).toMatch(/\bpassword\b/);
	});

	test('R2: an email that is not an email → 400 naming "email"', async ({ request }) => {
		const res = await request.post('/api/auth/login', { data: { email: 'owner', password: 'x' } });
		const body = await expectJsonError(res, 400);
		expect(body.message).toMatch(/\bemail\b/);
	});

	test('R2: wrong password and unknown email → the same 401 and generic message', async ({
		request
	}) => {
		const wrong = await request.post('/api/auth/login', {
			data: { email: ADMINS.initechOwner.email, password: 'not-the-password' }
		});
		const a = await expectJsonError(wrong, 401);
		expect(a.message).toBe('Email or password is incorrect.');
		expect(wrong.headers()['set-cookie'] ?? '').not.toContain('roster_session=');

		const unknown = await request.post('/api/auth/login', {
			data: { email: unknownEmail(), password: 'whatever-it-is' }
		});
		const b = await expectJsonError(unknown, 401);
		expect(b).toEqual(a);
	});

	test('R2: after 5 wrong passwords for one account the 6th attempt → 429 with Retry-After', async ({
		request
	}) => {
		// A made-up account, so no other test's sign-in is locked out.
		const email = `ratelimit-${randomUUID().slice(0, 8)}@acme.test`;
		for (let i = 1; i <= 5; i++) {
			const res = await request.post('/api/auth/login', {
				data: { email, password: `guess-${i}` }
			});
			expect(res.status(), `attempt ${i}`).toBe(401);
		}
		const sixth = await request.post('/api/auth/login', { data: { email, password: 'guess-6' } });
		const body = await expectJsonError(sixth, 429);
		expect(body.error).toBe('rateLimited');
		const retryAfter = Number(sixth.headers()['retry-after']);
		expect(Number.isInteger(retryAfter)).toBe(true);
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(15 * 60);
		// Another account from the same address is not locked by it.
		const other = await request.post('/api/auth/login', { data: ADMINS.initechOwner });
		expect(other.status()).toBe(200);
	});
});

test.describe('Other endpoints with bad input', () => {
	test('R2: GET /api/me without a session → 401 JSON', async ({ request }) => {
		const body = await expectJsonError(await request.get('/api/me'), 401);
		expect(body.error).toBe('unauthorized');
	});

	test('R2: GET /api/me with a forged session cookie → 401', async ({ request }) => {
		const res = await request.get('/api/me', {
			headers: { cookie: 'roster_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
		});
		await expectJsonError(res, 401);
	});

	test('unknown API endpoints → 404 JSON for GET and POST', async ({ request }) => {
		const get = await expectJsonError(await request.get('/api/does-not-exist'), 404);
		expect(get.error).toBe('notFound');
		const post = await expectJsonError(
			await request.post('/api/does-not-exist', { data: { any: 'thing' } }),
			404
		);
		expect(post.error).toBe('notFound');
	});

	test('a known API endpoint with the wrong method → 405 JSON with Allow', async ({ request }) => {
		const res = await request.get('/api/auth/login');
		expect(res.headers()['allow']).toBe('POST');
		const body = await expectJsonError(res, 405);
		expect(body.message).toMatch(/GET/);
	});

	test('an unknown page → 404 "Page not found"', async ({ page }) => {
		const res = await page.goto('/nope');
		expect(res?.status()).toBe(404);
		expect(res?.headers()['content-type']).toMatch(/^text\/html/);
		await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
		await expect(page).toHaveTitle('404 · Roster');
	});

	test('R2: licenses API without a session → 401', async ({ request }) => {
		const res = await request.get('/api/enterprises/00000000-0000-4000-8000-000000000000/licenses');
		await expectJsonError(res, 401);
	});

	test('R4: licenses API: limit=abc → 400 naming "limit"; limit=5 → 5 users', async () => {
		const api = await apiAs(ADMINS.owner);
		try {
			const id = await enterpriseID(api, 'acme');
			const bad = await api.get(`/api/enterprises/${id}/licenses?limit=abc`);
			const body = await expectJsonError(bad, 400);
			expect(body.message).toMatch(/\blimit\b/);
			for (const query of ['limit=0', 'limit=100000', 'offset=-1', 'sort=sideways']) {
				const res = await api.get(`/api/enterprises/${id}/licenses?${query}`);
				expect(res.status(), query).toBe(400);
			}

			const ok = await api.get(`/api/enterprises/${id}/licenses?limit=5`);
			expect(ok.status()).toBe(200);
			const page = (await ok.json()) as { users: unknown[]; total: number };
			expect(page.users).toHaveLength(5);
			expect(page.total).toBeGreaterThan(5);
		} finally {
			await api.dispose();
		}
	});
});
