import { expect, test } from '@playwright/test';
import { startServer, type Server } from './support/server';

// Behind a proxy, every request comes from the proxy's address unless ADDRESS_HEADER says which
// header carries the client's; the per-address sign-in limit is then one limit for everybody. The
// server cannot tell a proxy it should trust, so it says so in its log, once.

const WARNING = 'requests carry x-forwarded-for but ADDRESS_HEADER is unset';

/** How many times `text` appears in the server's output so far. */
const count = (server: Server, text: string) => server.output().split(text).length - 1;

const servers: Server[] = [];

test.afterAll(async () => {
	for (const server of servers) await server.stop();
});

test.describe('An untrusted proxy header is pointed out (R2)', () => {
	test('R2: requests with x-forwarded-for and no ADDRESS_HEADER log one warning', async () => {
		const server = await startServer();
		servers.push(server);
		expect(count(server, WARNING)).toBe(0);
		// Requests without the header say nothing.
		expect((await server.api.get('/login')).status()).toBe(200);
		for (let i = 0; i < 3; i++) {
			const res = await server.api.post('/api/auth/login', {
				data: { email: 'nobody@proxy.test', password: 'wrong' },
				headers: { 'x-forwarded-for': `203.0.113.${10 + i}` }
			});
			expect(res.status()).toBe(401);
		}
		await expect.poll(() => count(server, WARNING)).toBe(1);
		// A later request is answered and logged (its access line), still without a second warning.
		expect(
			(await server.api.get('/login', { headers: { 'x-forwarded-for': '1.2.3.4' } })).ok()
		).toBe(true);
		await expect.poll(() => count(server, '"path":"/login"')).toBe(2);
		expect(count(server, WARNING)).toBe(1);
	});

	test('R2: with ADDRESS_HEADER set, the same requests log no warning', async () => {
		const server = await startServer({ env: { ADDRESS_HEADER: 'x-forwarded-for' } });
		servers.push(server);
		const res = await server.api.post('/api/auth/login', {
			data: { email: 'nobody@proxy.test', password: 'wrong' },
			headers: { 'x-forwarded-for': '203.0.113.10' }
		});
		expect(res.status()).toBe(401);
		await expect.poll(() => count(server, '"path":"/api/auth/login"')).toBe(1);
		expect(count(server, WARNING)).toBe(0);
	});
});
