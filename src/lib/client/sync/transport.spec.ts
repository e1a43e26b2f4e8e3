import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RosterPage } from '../../domain/sync/protocol';
import { encodeRosterPage, ROSTER_BINARY_TYPE } from '../../domain/sync/roster-wire';
import type { SyncState } from './context';
import {
	expectOK,
	failedState,
	fetchTransport,
	fetchTransportWith,
	throwIfRefused,
	TransientError
} from './transport';
import { decodeRosterPage } from '../../domain/sync/roster-wire';

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

describe('transport: roster pages', () => {
	const page: RosterPage = {
		ids: ['0b6f3c1e-1d2a-4c3b-9e4f-5a6b7c8d9e0f', '7d1e2f3a-4b5c-4d6e-8f7a-1b2c3d4e5f6a'],
		emails: ['ada.lovelace@acme.test', 'zoe@b.example'],
		names: ['Ada Lovelace', 'Zoë Núñez'],
		lastActive: [1_760_000_000_123, null],
		seqs: [4, 9],
		sources: ['scim', 'console'],
		since: [1_750_000_000_000, 1_750_000_000_007],
		next: null
	};
	afterEach(() => vi.unstubAllGlobals());

	const console_ = fetchTransportWith(async () => decodeRosterPage);

	it('asks for the binary form and reads it, or the JSON of a server from before it, as the same page', async () => {
		const asked: string[] = [];
		for (const answer of [
			() =>
				new Response(encodeRosterPage(page), { headers: { 'content-type': ROSTER_BINARY_TYPE } }),
			() => Response.json(page)
		]) {
			vi.stubGlobal('fetch', async (url: string) => {
				asked.push(url);
				return answer();
			});
			const res = await console_.roster!({ enterpriseID: 'e1', after: '', through: '7' });
			expect(res).toEqual({ status: 200, body: page });
		}
		expect(
			asked.every((url) => new URL(url, 'http://x').searchParams.get('format') === 'binary')
		).toBe(true);
	});

	it('reads a refusal as JSON whichever form was asked for', async () => {
		vi.stubGlobal('fetch', async () =>
			Response.json({ error: 'forbidden', message: 'no' }, { status: 403 })
		);
		const res = await console_.roster!({ enterpriseID: 'e1', after: '' });
		expect(res).toEqual({ status: 403, body: { error: 'forbidden', message: 'no' } });
	});

	it('without a decoder (the service worker) asks for JSON pages', async () => {
		const asked: string[] = [];
		vi.stubGlobal('fetch', async (url: string) => {
			asked.push(url);
			return Response.json(page);
		});
		const res = await fetchTransport.roster!({ enterpriseID: 'e1', after: '' });
		expect(res).toEqual({ status: 200, body: page });
		expect(new URL(asked[0]!, 'http://x').searchParams.has('format')).toBe(false);
	});
});
