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
		serviceWorker: { register: false }
	}
};

export default config;
