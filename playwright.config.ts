import { defineConfig, devices } from '@playwright/test';
import { chromiumPath, CHROMIUM_ARGS } from './scripts/chromium.js';

const port = Number(process.env.E2E_PORT ?? 4173);
const executablePath = chromiumPath() ?? undefined;
// Domain verification (R13) asks this DNS server, which tests/e2e/domains.e2e.ts runs on loopback, so
// the journey can publish a TXT record and watch verification succeed. Set in the environment, it
// reaches the e2e server and every test worker alike.
process.env.DNS_SERVERS ??= `127.0.0.1:${port + 2}`;

export default defineConfig({
	// Journeys (tests/e2e) and attacks on the production build (tests/security), one server for both.
	testDir: 'tests',
	testMatch: ['e2e/**/*.e2e.ts', 'security/**/*.e2e.ts'],
	timeout: 60_000,
	expect: { timeout: 10_000 },
	fullyParallel: false,
	workers: process.env.CI ? 1 : 2,
	retries: 0,
	forbidOnly: !!process.env.CI,
	reporter: [
		['list'],
		['json', { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ?? 'test-results/results.json' }]
	],
	use: {
		baseURL: `http://localhost:${port}`,
		trace: { mode: 'retain-on-failure', screenshots: false },
		launchOptions: { executablePath, args: CHROMIUM_ARGS }
	},
	projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
	webServer: {
		// The test script builds first; `npm run test:e2e` alone expects a build in build/.
		command: `node scripts/e2e-server.js`,
		env: { PORT: String(port) },
		url: `http://127.0.0.1:${port + 1}/`,
		timeout: 180_000,
		// A fresh server (and database, and sign-in rate limits) for every run.
		reuseExistingServer: false,
		stdout: 'pipe'
	}
});
