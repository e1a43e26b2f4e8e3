import {
	expect,
	request as playwrightRequest,
	test,
	type APIRequestContext
} from '@playwright/test';
import { startServer, type Server } from './support/server';

// Anyone who knows an admin's email could lock them out: five wrong passwords from any address
// refused the right password for 15 minutes. The strict limit is per (account, address); the
// account as a whole only slows down, much later. The server trusts x-forwarded-for here
// (ADDRESS_HEADER), so one test can speak from several addresses.

const OWNER = { email: 'owner@lockout.test', password: 'the-right-password' };
const ATTACKER = '203.0.113.66';
const ADMIN = '198.51.100.7';

let server: Server;
const contexts: APIRequestContext[] = [];

/** An API client whose requests come from `address` (as the proxy reports it). */
async function from(address: string): Promise<APIRequestContext> {
	const ctx = await playwrightRequest.newContext({
		baseURL: server.url,
		extraHTTPHeaders: { 'x-forwarded-for': address }
	});
	contexts.push(ctx);
	return ctx;
}

test.describe('Sign-in limits cannot lock an admin out (R2)', () => {
	test.beforeAll(async () => {
		server = await startServer({ env: { ADDRESS_HEADER: 'x-forwarded-for' } });
		server.seed([
			'--enterprise',
			'Lockout',
			'--users',
			'3',
			'--owner',
			OWNER.email,
			'--password',
			OWNER.password
		]);
	});

	test.afterAll(async () => {
		for (const ctx of contexts) await ctx.dispose();
		await server?.stop();
	});

	test('R2: wrong passwords from another address do not keep the admin from signing in with the right one', async () => {
		const attacker = await from(ATTACKER);
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) {
			const res = await attacker.post('/api/auth/login', {
				data: { email: OWNER.email, password: `guess-${i}` }
			});
			statuses.push(res.status());
		}
		// The attacker's own address is refused after five failures for this account…
		expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
		const refused = await attacker.post('/api/auth/login', { data: OWNER });
		expect(refused.status(), 'the attacking address is limited, even with the password').toBe(429);
		expect(Number(refused.headers()['retry-after'])).toBeGreaterThan(0);

		// Someone else mistyping from a third address is told the password is wrong, not locked out…
		const other = await from('192.0.2.44');
		const mistyped = await other.post('/api/auth/login', {
			data: { email: OWNER.email, password: 'still-wrong' }
		});
		expect(mistyped.status()).toBe(401);
		expect(await mistyped.json()).toMatchObject({ error: 'invalidCredentials' });

		// …and the admin, from their own address, signs in through the API and through the form.
		const admin = await from(ADMIN);
		const signedIn = await admin.post('/api/auth/login', { data: OWNER });
		expect(signedIn.status(), await signedIn.text()).toBe(200);
		expect((await admin.get('/api/me')).status()).toBe(200);

		const browserless = await from(ADMIN);
		const form = await browserless.post('/login', {
			form: OWNER,
			headers: { origin: server.url, accept: 'text/html' },
			maxRedirects: 0
		});
		expect(form.status()).toBe(303);
		expect(form.headers()['set-cookie']).toContain('roster_session=');
	});
});
