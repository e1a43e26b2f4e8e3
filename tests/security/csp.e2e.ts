import { expect, test, type Page } from '@playwright/test';
import { ADMINS, signInWithForm } from '../e2e/support/auth';
import { LicensesPage } from '../e2e/support/licenses-page';

// A strict Content-Security-Policy (svelte.config.js kit.csp): scripts, styles, workers and
// connections from this origin only, inline scripts by hash, no eval, no framing. The journey an
// admin takes — signing in, Licenses, the activity report's web worker, the service worker's
// offline shell — runs under it without a single violation.

/** Collects every CSP violation the page sees: the DOM event and the console's report. */
async function watchViolations(page: Page): Promise<string[]> {
	const seen: string[] = [];
	await page.exposeFunction('__reportCspViolation', (text: string) => seen.push(text));
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			const report = (window as unknown as { __reportCspViolation(t: string): void })
				.__reportCspViolation;
			const where = e.target instanceof Element ? e.target.outerHTML.slice(0, 120) : '';
			report(
				`${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber} ${where}`
			);
		});
	});
	page.on('console', (msg) => {
		if (
			/Content Security Policy|Refused to (load|execute|apply|connect|create|frame)/i.test(
				msg.text()
			)
		)
			seen.push(`console: ${msg.text()}`);
	});
	page.on('worker', (worker) => {
		worker.on('console', (msg) => {
			if (/Content Security Policy|Refused to/i.test(msg.text()))
				seen.push(`worker console: ${msg.text()}`);
		});
	});
	return seen;
}

/** The policy a response carries, checked for the directives that matter. */
function expectStrictPolicy(policy: string | undefined) {
	expect(policy, 'content-security-policy header').toBeTruthy();
	const directives = new Map(
		policy!.split(';').map((d) => {
			const [name, ...values] = d.trim().split(/\s+/);
			return [name, values.join(' ')] as const;
		})
	);
	expect(policy).not.toContain('unsafe-eval');
	expect(directives.get('default-src')).toBe("'self'");
	expect(directives.get('script-src')).toMatch(/^'self'( 'sha256-[A-Za-z0-9+/=]+')*$/);
	expect(directives.get('style-src')).toBe("'self'");
	// No inline style attribute but SvelteKit's route announcer, by its hash.
	expect(directives.get('style-src-attr')).toMatch(/^'unsafe-hashes' 'sha256-[A-Za-z0-9+/=]+'$/);
	expect(directives.get('connect-src')).toBe("'self'");
	expect(directives.get('worker-src')).toBe("'self'");
	expect(directives.get('img-src')).toBe("'self' data:");
	expect(directives.get('object-src')).toBe("'none'");
	expect(directives.get('base-uri')).toBe("'self'");
	expect(directives.get('form-action')).toBe("'self'");
	expect(directives.get('frame-ancestors')).toBe("'none'");
}

test('the console runs under a strict CSP: sign-in, Licenses, the report worker and the offline shell', async ({
	browser
}) => {
	test.setTimeout(180_000);
	const context = await browser.newContext();
	const page = await context.newPage();
	const violations = await watchViolations(page);

	const login = await page.goto('/login');
	expectStrictPolicy(login!.headers()['content-security-policy']);
	await signInWithForm(page, ADMINS.owner.email, ADMINS.owner.password);

	const licenses = new LicensesPage(page);
	const opened = await page.goto('/e/acme/licenses');
	expectStrictPolicy(opened!.headers()['content-security-policy']);
	await expect(page.getByRole('status').filter({ hasText: 'All changes synced' })).toBeVisible({
		timeout: 60_000
	});
	await expect(licenses.count).toBeVisible();

	// The activity report: built in a module web worker (comlink), downloaded from a blob: URL.
	await licenses.lastActiveHeader.getByRole('button', { name: 'Download activity report' }).click();
	const dialog = page.getByRole('dialog', { name: 'Activity report' });
	const [file] = await Promise.all([
		page.waitForEvent('download', { timeout: 60_000 }),
		dialog.getByRole('button', { name: 'Download CSV' }).click()
	]);
	expect(file.suggestedFilename()).toMatch(/^activity-report-acme-all-\d{4}-\d{2}-\d{2}\.csv$/);
	await expect(dialog.getByRole('status')).toHaveText(/^Downloaded the activity report/);
	await dialog
		.getByRole('button', { name: /close|done/i })
		.first()
		.click()
		.catch(() => {});

	// Offline: the service worker answers with the cached shell, which keeps its policy.
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
			timeout: 20_000
		})
		.toMatch(/\/service-worker\.js$/);
	await context.setOffline(true);
	const offline = await page.reload();
	expect(offline!.fromServiceWorker()).toBe(true);
	expectStrictPolicy(offline!.headers()['content-security-policy']);
	await expect(page.getByRole('heading', { level: 1, name: 'Licenses' })).toBeVisible();
	await expect(licenses.count).toBeVisible();
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
	await context.setOffline(false);

	expect(violations).toEqual([]);
	await context.close();
});
