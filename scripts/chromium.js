// Finds the system Chromium that Playwright drives (Playwright cannot download its own here).
import { existsSync } from 'node:fs';

/** Path of the Chromium to launch: CHROMIUM_PATH, else Debian's /usr/bin/chromium; null if none. */
export function chromiumPath() {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
	return candidates.find((p) => p && existsSync(p)) ?? null;
}

/** Flags headless Chromium needs on these machines (root, no GPU, closed network). */
export const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-quic',
	'--no-first-run'
];
