import { rmSync } from 'node:fs';
import { chromium, expect, request, test, type Page } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from '../../scripts/chromium.js';
import { makeCertificate, startEntry } from './support/https';

// Reaching Roster from a tablet: over HTTPS (TLS_CERT/TLS_KEY, a certificate from `npm run cert`)
// on an address other than localhost, and over plain HTTP on any address when ORIGIN is unset.
// When ORIGIN is set, a form from another address is refused (R2's sign-in stays same-site) with a
// page that says why, not a bare 403 that looks like the sign-in page reloading.

const OWNER = { email: 'owner@acme.test', password: 'roster-demo' };

async function signInWithForm(page: Page, origin: string): Promise<void> {
	await page.goto(`${origin}/login`);
	await page.getByLabel('Email').fill(OWNER.email);
	await page.getByLabel('Password').fill(OWNER.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => url.pathname !== '/login', { timeout: 15_000 });
}

test('over HTTPS on 127.0.0.2 with a certificate from npm run cert: sign-in, service worker, offline reload and an installable manifest', async () => {
	test.setTimeout(120_000);
	const tls = makeCertificate(['127.0.0.2']);
	const server = await startEntry({ host: '127.0.0.2', tls });
	// Chromium trusts this server's key as a tablet would trust the CA (the SPKI allow-list, unlike
	// ignoreHTTPSErrors, also lets the service worker register).
	const browser = await chromium.launch({
		executablePath: chromiumPath() ?? undefined,
		args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${tls.spki}`]
	});
	try {
		const context = await browser.newContext();
		const page = await context.newPage();
		await signInWithForm(page, server.url);
		expect(new URL(page.url()).origin).toBe(server.url);
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible({
			timeout: 30_000
		});
		expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
		// HTTP/2 where the browser offers it.
		expect(
			await page.evaluate(
				() =>
					(performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming)
						.nextHopProtocol
			)
		).toBe('h2');
		// The session cookie is Secure over HTTPS.
		const session = (await context.cookies()).find((c) => c.name === 'roster_session');
		expect(session?.secure).toBe(true);

		await expect
			.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
				timeout: 30_000
			})
			.toBe(`${server.url}/service-worker.js`);
		await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });

		await context.setOffline(true);
		const offline = await page.reload();
		expect(offline?.fromServiceWorker()).toBe(true);
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
		await context.setOffline(false);

		// Installable: the page links a manifest with a name, a start URL in scope, a standalone
		// display and 192 and 512 px PNG icons that load.
		const manifest = await page.evaluate(async () => {
			const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
			if (!link) return null;
			const res = await fetch(link.href);
			const body = await res.json();
			const icons: { src: string; sizes: string; type: string; ok: boolean }[] = [];
			for (const icon of body.icons ?? []) {
				const r = await fetch(new URL(icon.src, link.href));
				icons.push({ ...icon, ok: r.ok && r.headers.get('content-type') === icon.type });
			}
			return { status: res.status, ...body, icons };
		});
		expect(manifest).not.toBeNull();
		expect(manifest.status).toBe(200);
		expect(manifest.name).toBeTruthy();
		expect(manifest.start_url).toBe('/');
		expect(['standalone', 'fullscreen', 'minimal-ui']).toContain(manifest.display);
		for (const size of ['192x192', '512x512']) {
			expect(manifest.icons).toContainEqual(
				expect.objectContaining({ sizes: size, type: 'image/png', ok: true })
			);
		}
		await context.close();
	} finally {
		await browser.close();
		await server.stop();
		// SIGTERM: the HTTPS server closes and the app shuts down cleanly.
		expect(server.process.exitCode).toBe(0);
		rmSync(tls.dir, { recursive: true, force: true });
	}
});

test('with ORIGIN unset, the sign-in form works from http://127.0.0.1 (any address Roster is reached at)', async ({
	browser
}) => {
	const server = await startEntry({ host: '127.0.0.1' });
	const context = await browser.newContext();
	try {
		const page = await context.newPage();
		await signInWithForm(page, server.url);
		await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible({
			timeout: 30_000
		});
		// Plain HTTP: the session cookie is not Secure (a browser would drop it).
		const session = (await context.cookies()).find((c) => c.name === 'roster_session');
		expect(session?.secure).toBe(false);
	} finally {
		await context.close();
		await server.stop();
	}
});

test('with ORIGIN set, a form from another address gets a page saying why and what to set; an API form gets JSON 403 (R2)', async ({
	browser
}) => {
	const server = await startEntry({ host: '127.0.0.1', env: { ORIGIN: 'http://localhost:1' } });
	const from = server.url;
	const expected = 'http://localhost:1';
	try {
		// Without JavaScript: the form posts as a page, and the answer is a page.
		const plain = await browser.newContext({ javaScriptEnabled: false });
		const page = await plain.newPage();
		await page.goto(`${from}/login`);
		await page.getByLabel('Email').fill(OWNER.email);
		await page.getByLabel('Password').fill(OWNER.password);
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.request().method() === 'POST'),
			page.getByRole('button', { name: 'Sign in' }).click()
		]);
		expect(res.status()).toBe(403);
		await expect(page.getByRole('heading', { level: 1 })).toHaveText(
			'This form came from another address'
		);
		await expect(page.locator('body')).toContainText(
			`This form was sent from ${from}, but Roster is set up for ${expected}.`
		);
		await expect(page.locator('body')).toContainText(`Open Roster at ${expected}`);
		await expect(page.locator('body')).toContainText(`set ORIGIN=${from}`);
		expect((await plain.cookies()).find((c) => c.name === 'roster_session')).toBeUndefined();
		await plain.close();

		// With JavaScript: the sign-in page stays, with the explanation as its error message.
		const scripted = await browser.newContext();
		const spa = await scripted.newPage();
		await spa.goto(`${from}/login`);
		await spa.getByLabel('Email').fill(OWNER.email);
		await spa.getByLabel('Password').fill(OWNER.password);
		await spa.getByRole('button', { name: 'Sign in' }).click();
		await expect(spa.getByRole('alert')).toContainText(
			`This form was sent from ${from}, but Roster is set up for ${expected}.`
		);
		await expect(spa).toHaveURL(`${from}/login`);
		await expect(spa.getByRole('button', { name: 'Sign in' })).toBeEnabled();
		await scripted.close();

		// A cross-site form-encoded API call: JSON, like every API error.
		const api = await request.newContext();
		const answer = await api.post(`${from}/api/auth/login`, {
			headers: { origin: 'https://attacker.example', 'content-type': 'text/plain' },
			data: JSON.stringify(OWNER)
		});
		expect(answer.status()).toBe(403);
		expect(answer.headers()['content-type']).toContain('application/json');
		const body = await answer.json();
		expect(body.error).toBe('crossSiteForm');
		expect(body.message).toContain('This form was sent from https://attacker.example');
		await api.dispose();
	} finally {
		await server.stop();
	}
});

test('a client cannot claim the protocol: a spoofed protocol header does not change the origin Roster checks', async () => {
	const server = await startEntry({ host: '127.0.0.1' });
	try {
		const api = await request.newContext();
		const answer = await api.post(`${server.url}/login`, {
			headers: {
				origin: server.url.replace('http:', 'https:'),
				'x-roster-served-over': 'https',
				'x-forwarded-proto': 'https'
			},
			form: OWNER
		});
		expect(answer.status()).toBe(403);
		await api.dispose();
	} finally {
		await server.stop();
	}
});
