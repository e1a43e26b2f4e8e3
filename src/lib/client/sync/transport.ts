import type { PushBody } from '../../domain/sync/protocol';
import type { decodeRosterPage as Decode } from '../../domain/sync/roster-wire';
import { ROSTER_BINARY_TYPE } from '../../domain/sync/roster-type';
import type { SyncState } from './context';

/** Loads the binary roster form's decoder (the console loads it with the first roster page). */
export type RosterDecoderLoader = () => Promise<typeof Decode>;

/** An HTTP answer, as the engine needs it. */
export interface TransportResponse {
	status: number;
	body: unknown;
}

/** How the engine reaches the server (fetch in the app; anything in tests). */
export interface SyncTransport {
	push(body: PushBody): Promise<TransportResponse>;
	pull(query: {
		enterpriseID: string;
		clientID: string;
		cookie: number;
		after?: number;
		/** Ask a full pull to leave licensed users out (they come from `roster`). */
		licenses?: 'chunked';
		/** A full pull that keeps the roster chunks taken at this version: licenses changed since. */
		licensesSince?: number;
		/** Last Active changes in the compact `activity` field (this engine applies it). */
		activity?: 'delta';
	}): Promise<TransportResponse>;
	/**
	 * One page of the licensed users in columns (`GET /api/sync/roster`), as a `RosterPage` whichever
	 * form it came in; optional for tests.
	 */
	roster?(query: {
		enterpriseID: string;
		after: string;
		through?: string;
	}): Promise<TransportResponse>;
}

/**
 * The app's transport: same-origin fetch with the session cookie. Roster pages come in the binary
 * form when it is given the decoder's loader (the console's engine), else as JSON (the service
 * worker: a classic script, which can load no module later).
 */
export function fetchTransportWith(rosterDecoder?: RosterDecoderLoader): SyncTransport {
	let decoder: Promise<typeof Decode> | null = null;
	return {
		...fetchTransport,
		roster: (args) => roster(args, rosterDecoder && (() => (decoder ??= rosterDecoder())))
	};
}

async function roster(
	{ enterpriseID, after, through }: { enterpriseID: string; after: string; through?: string },
	decoder: RosterDecoderLoader | undefined
): Promise<TransportResponse> {
	const q = new URLSearchParams({ enterpriseID, after, ...(decoder ? { format: 'binary' } : {}) });
	if (through !== undefined) q.set('through', through);
	const res = await fetch(`/api/sync/roster?${q}`, { cache: 'no-store' });
	// A server from before the binary form ignores `format` and answers JSON.
	if (decoder && res.ok && res.headers.get('content-type') === ROSTER_BINARY_TYPE) {
		const [decode, bytes] = await Promise.all([decoder(), res.arrayBuffer()]);
		return { status: res.status, body: decode(bytes) };
	}
	return { status: res.status, body: await res.json().catch(() => null) };
}

/** Same-origin fetch with the session cookie, roster pages as JSON (see fetchTransportWith). */
export const fetchTransport: SyncTransport = {
	async push(body) {
		const res = await fetch('/api/sync/push', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body)
		});
		return { status: res.status, body: await res.json().catch(() => null) };
	},
	async pull({ enterpriseID, clientID, cookie, after, licenses, licensesSince, activity }) {
		const q = new URLSearchParams({ enterpriseID, clientID, cookie: String(cookie) });
		if (after !== undefined) q.set('after', String(after));
		if (licenses) q.set('licenses', licenses);
		if (licensesSince !== undefined) q.set('licensesSince', String(licensesSince));
		if (activity) q.set('activity', activity);
		const res = await fetch(`/api/sync/pull?${q}`, { cache: 'no-store' });
		return { status: res.status, body: await res.json().catch(() => null) };
	},
	roster: (args) => roster(args, undefined)
};

/** A sync step failed in a way a later attempt may not (the engine backs off and tries again). */
export class TransientError extends Error {}

/**
 * After an answer refusing the session (401) or the role (403): says so in the state, which stops
 * syncing until the admin acts, and ends the step. Any other status passes.
 */
export function throwIfRefused(set: (patch: Partial<SyncState>) => void, status: number): void {
	if (status === 401) {
		set({ signedOut: true, lastError: 'Signed out: sign in again to send queued changes.' });
		throw new TransientError('signed out');
	}
	if (status === 403) {
		set({ forbidden: true, lastError: 'You no longer have access to this enterprise.' });
		throw new TransientError('forbidden');
	}
}

/** Ends a step whose request was not answered 200 (a refused session or role says so first). */
export function expectOK(
	set: (patch: Partial<SyncState>) => void,
	res: TransportResponse,
	what: string
): void {
	throwIfRefused(set, res.status);
	if (res.status !== 200) throw new TransientError(`${what} failed with ${res.status}`);
}

/** The state after a failed sync: offline when the request never reached a server. */
export function failedState(
	err: unknown,
	failures: number,
	browserOnline = typeof navigator === 'undefined' || navigator.onLine
): Partial<SyncState> {
	const offline = err instanceof TypeError || !browserOnline;
	return {
		syncing: false,
		failures,
		online: !offline,
		lastError: err instanceof Error ? err.message : String(err)
	};
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s … up to a minute. */
export function backoff(failures: number, random = Math.random): number {
	const base = Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
	return Math.round(base * (0.5 + random()));
}

/**
 * Calls `on` for the browser's reasons to sync: back online, the page shown again, a server poke
 * (SSE at `pokeURL`), a slow heartbeat. Returns what stops listening.
 */
export function watchSignals(on: {
	online(): void;
	offline(): void;
	visible(): void;
	poke(): void;
	heartbeat(): void;
	pokeURL?: string;
}): () => void {
	if (typeof window === 'undefined') return () => {};
	const onVisible = () => {
		if (document.visibilityState === 'visible') on.visible();
	};
	window.addEventListener('online', on.online);
	window.addEventListener('offline', on.offline);
	document.addEventListener('visibilitychange', onVisible);
	let source: EventSource | null = null;
	if (on.pokeURL && typeof EventSource !== 'undefined') {
		source = new EventSource(on.pokeURL);
		source.onmessage = on.poke;
	}
	// A slow heartbeat keeps retrying after recovery even when nothing new was written.
	const beat = setInterval(on.heartbeat, 30_000);
	return () => {
		window.removeEventListener('online', on.online);
		window.removeEventListener('offline', on.offline);
		document.removeEventListener('visibilitychange', onVisible);
		source?.close();
		clearInterval(beat);
	};
}
