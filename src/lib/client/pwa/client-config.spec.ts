import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadClientConfig } from './client-config';

function memoryStorage(): Storage {
	const items = new Map<string, string>();
	return {
		get length() {
			return items.size;
		},
		clear: () => items.clear(),
		getItem: (key) => items.get(key) ?? null,
		key: (i) => [...items.keys()][i] ?? null,
		removeItem: (key) => void items.delete(key),
		setItem: (key, value) => void items.set(key, value)
	};
}

const answer = (body: unknown, status = 200) =>
	(async () => new Response(JSON.stringify(body), { status })) as typeof fetch;
const offline = (async () => {
	throw new TypeError('Failed to fetch');
}) as typeof fetch;

describe('loadClientConfig (R18)', () => {
	beforeEach(() => vi.stubGlobal('localStorage', memoryStorage()));
	afterEach(() => vi.unstubAllGlobals());

	it("returns the server's answer and keeps it for offline starts", async () => {
		const managed = { managedUpdates: true, version: '1700000000000' };
		expect(await loadClientConfig(answer(managed))).toEqual(managed);
		expect(await loadClientConfig(offline)).toEqual(managed);
	});

	it('a newer answer replaces the kept one', async () => {
		await loadClientConfig(answer({ managedUpdates: true, version: '1' }));
		await loadClientConfig(answer({ managedUpdates: false, version: '2' }));
		expect(await loadClientConfig(offline)).toEqual({ managedUpdates: false, version: '2' });
	});

	it('is null when the server was never reached, so the app does not look for updates', async () => {
		expect(await loadClientConfig(offline)).toBeNull();
	});

	it('ignores an error or a malformed answer and falls back to the kept copy', async () => {
		await loadClientConfig(answer({ managedUpdates: false, version: '1' }));
		expect(await loadClientConfig(answer({ error: 'down' }, 503))).toEqual({
			managedUpdates: false,
			version: '1'
		});
		expect(await loadClientConfig(answer({ managedUpdates: 'yes' }))).toEqual({
			managedUpdates: false,
			version: '1'
		});
	});
});
