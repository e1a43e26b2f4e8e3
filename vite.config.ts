import { sveltekit } from '@sveltejs/kit/vite';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * After adapter-node has written build/, makes Roster's own entry (scripts/serve.js: HTTPS with
 * TLS_CERT/TLS_KEY, the request's own protocol when ORIGIN is unset) the one `node build` runs.
 */
function serverEntry(): Plugin {
	return {
		name: 'roster-server-entry',
		apply: 'build',
		closeBundle: {
			sequential: true,
			order: 'post',
			handler() {
				if (!existsSync('build/handler.js')) return;
				copyFileSync('scripts/serve.js', 'build/serve.js');
				writeFileSync('build/package.json', '{ "type": "module", "main": "serve.js" }\n');
			}
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), serverEntry()],
	server: { port: 5173 },
	test: {
		testTimeout: 60_000,
		hookTimeout: 60_000,
		// Database specs create their own databases; run files one at a time on 2 cores.
		fileParallelism: false,
		projects: [
			{
				extends: true,
				test: {
					name: 'node',
					include: [
						'src/**/*.spec.ts',
						'scripts/**/*.spec.ts',
						'tests/unit/**/*.spec.ts',
						'tests/sync/**/*.spec.ts'
					],
					exclude: ['src/**/*.svelte.spec.ts'],
					environment: 'node'
				}
			},
			{
				// State classes with runes: compiled and resolved for the browser, so effects run.
				extends: true,
				resolve: { conditions: ['browser'] },
				test: {
					name: 'client',
					include: ['src/**/*.svelte.spec.ts'],
					environment: './tests/client/environment.ts',
					setupFiles: ['./tests/client/setup.ts']
				}
			}
		]
	}
});
