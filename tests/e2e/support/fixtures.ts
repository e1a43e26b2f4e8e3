import {
	test as base,
	expect,
	type BrowserContext,
	type BrowserContextOptions,
	type Page
} from '@playwright/test';
import { ADMINS, BASE_URL } from './auth';

interface WorkerFixtures {
	/**
	 * Browser contexts signed in as the Acme owner, one per set of context options, kept for the
	 * worker's lifetime. Opening the console fills the enterprise's IndexedDB mirror (seconds of CPU
	 * for Acme's 5,000 users); sharing the context fills it once per worker instead of once per test.
	 * Tests only read through these contexts and never sign them out (the sign-out test has its own).
	 */
	ownerContexts: (options: BrowserContextOptions) => Promise<BrowserContext>;
}

interface TestFixtures {
	/** Context options of `ownerPage` (viewport, touch…); desktop by default. */
	ownerContextOptions: BrowserContextOptions;
	/** A fresh tab in the owner's shared context for `ownerContextOptions`, closed after the test. */
	ownerPage: Page;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
	ownerContexts: [
		async ({ browser }, use) => {
			const made = new Map<string, Promise<BrowserContext>>();
			await use((options) => {
				const key = JSON.stringify(options);
				let context = made.get(key);
				if (!context) {
					context = (async () => {
						const ctx = await browser.newContext({ ...options, baseURL: BASE_URL });
						const res = await ctx.request.post('/api/auth/login', { data: ADMINS.owner });
						expect(res.status(), `sign in as ${ADMINS.owner.email}`).toBe(200);
						return ctx;
					})();
					made.set(key, context);
				}
				return context;
			});
			for (const context of made.values()) await (await context).close();
		},
		{ scope: 'worker' }
	],
	ownerContextOptions: [{ viewport: { width: 1280, height: 720 } }, { option: true }],
	ownerPage: async ({ ownerContexts, ownerContextOptions }, use) => {
		const page = await (await ownerContexts(ownerContextOptions)).newPage();
		await use(page);
		await page.close();
	}
});

export { expect };
