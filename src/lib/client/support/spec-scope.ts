import { afterEach } from 'vitest';
import { openMirror, watch } from './console.svelte';

/**
 * Mirrors and watchers a spec file opens, closed after each test: `mirror()` opens one,
 * `watched(read)` reads state as a component would.
 */
export function specScope() {
	const open: { close(): Promise<void> }[] = [];
	const stops: (() => void)[] = [];
	afterEach(async () => {
		for (const stop of stops.splice(0)) stop();
		for (const m of open.splice(0)) await m.close();
	});
	return {
		async mirror(opts: Parameters<typeof openMirror>[0] = {}) {
			const m = await openMirror(opts);
			open.push(m);
			return m;
		},
		watched<T>(read: () => T) {
			const w = watch(read);
			stops.push(w.stop);
			return w;
		}
	};
}
