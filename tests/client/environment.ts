import type { Environment } from 'vitest/environments';

/**
 * Node globals, with modules transformed for the browser: the rune state classes' `$effect`s and
 * live queries run as they do in the console (the server build of Svelte runs none).
 */
export default {
	name: 'svelte-client',
	viteEnvironment: 'client',
	setup: () => ({ teardown: () => {} })
} satisfies Environment;
