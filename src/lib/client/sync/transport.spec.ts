import { describe, expect, it } from 'vitest';
import type { SyncState } from './context';
import { expectOK, failedState, throwIfRefused, TransientError } from './transport';

function recorder() {
	const states: Partial<SyncState>[] = [];
	return { states, set: (patch: Partial<SyncState>) => states.push(patch) };
}

describe('transport: what the server and the network answered becomes the sync state', () => {
	it('a refused session stops syncing until the admin signs in again; a lost role until access returns', () => {
		const r = recorder();
		expect(() => throwIfRefused(r.set, 401)).toThrow(TransientError);
		expect(() => throwIfRefused(r.set, 403)).toThrow(TransientError);
		expect(r.states).toEqual([
			{ signedOut: true, lastError: 'Signed out: sign in again to send queued changes.' },
			{ forbidden: true, lastError: 'You no longer have access to this enterprise.' }
		]);
	});

	it('any other failure is one to retry, with the state left alone', () => {
		const r = recorder();
		expect(() => throwIfRefused(r.set, 503)).not.toThrow();
		expect(() => expectOK(r.set, { status: 503, body: null }, 'pull')).toThrow(
			'pull failed with 503'
		);
		expect(() => expectOK(r.set, { status: 200, body: {} }, 'pull')).not.toThrow();
		expect(r.states).toEqual([]);
	});

	it('a request that never reached a server means offline; a server error does not', () => {
		expect(failedState(new TypeError('Failed to fetch'), 1, true)).toEqual({
			syncing: false,
			failures: 1,
			online: false,
			lastError: 'Failed to fetch'
		});
		expect(failedState(new TransientError('pull failed with 500'), 3, true)).toMatchObject({
			online: true,
			failures: 3,
			lastError: 'pull failed with 500'
		});
		// The browser knows it is offline whatever the error says.
		expect(failedState(new TransientError('pull failed with 500'), 1, false).online).toBe(false);
	});
});
