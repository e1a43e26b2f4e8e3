import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		// The service worker answers every in-app URL with one cached shell page, so its asset URLs
		// must be absolute: relative ones (`../../_app/…`) only work at the depth they were rendered for.
		paths: { relative: false },
		// The PWA registers its own Workbox service worker (see ARCHITECTURE.md).
		serviceWorker: { register: false },
		// SvelteKit's cross-site form check answers a bare 403; Roster runs the same check itself
		// (src/lib/server/origin-check.ts) and answers with what went wrong and what to set.
		csrf: { trustedOrigins: ['*'] },
		// Content-Security-Policy on every page: only this origin's scripts, styles, workers and API.
		// Hashes, not nonces: the service worker serves one cached app-shell page (with the header it
		// was fetched with) for every URL, and a hash stays true for it where a nonce would be reused.
		// Svelte 5 animates with the Web Animations API and sets `style:` through the CSSOM, neither
		// of which CSP restricts, so styles need no 'unsafe-inline'; nothing needs 'unsafe-eval'.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self'],
				// One style attribute is allowed, by its hash: the visually-hidden style of SvelteKit's
				// route announcer (`#svelte-announcer` in its generated root component). A SvelteKit
				// upgrade that changes it shows up as a violation in tests/security/csp.e2e.ts.
				'style-src-attr': ['unsafe-hashes', 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'worker-src': ['self'],
				'manifest-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
