import { parseMirrorName } from './mirror-name';
import { OUTBOX_SYNC_TAG } from './pwa/constants';

/**
 * A sign-out made on this device that the server has not confirmed yet (the tablet was offline).
 * While one is recorded, no mirror is shown or synced, and the first request that can reach the
 * server ends the session there (the page, or the service worker before anything else).
 */
export interface PendingSignOut {
	/** The admin who signed out: only their session is ended, only their data removed. */
	userID: string;
	at: number;
	/** "Sign out and remove this device's data": their mirrors and data caches go too. */
	removeData: boolean;
}

// Plain IndexedDB, not Dexie: the page, every tab and the service worker read it, and it must stay
// small enough for the first script of every page.
const DEVICE_DB = 'roster-device';
const STORE = 'state';
const KEY = 'signOut';

/** The channel on which a tab that signs out tells the other tabs of Roster to leave the console. */
export const SESSION_CHANNEL = 'roster-session';

function request<T>(req: IDBRequest<T>): Promise<T> {
	return new Promise((resolve, reject) => {
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(req.error);
	});
}

function openDevice(): Promise<IDBDatabase> {
	const req = indexedDB.open(DEVICE_DB, 1);
	req.onupgradeneeded = () => req.result.createObjectStore(STORE);
	return request(req);
}

async function withStore<T>(
	mode: IDBTransactionMode,
	fn: (store: IDBObjectStore) => IDBRequest<T>
): Promise<T> {
	const db = await openDevice();
	try {
		const tx = db.transaction(STORE, mode);
		const result = await request(fn(tx.objectStore(STORE)));
		await new Promise<void>((resolve, reject) => {
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error);
			tx.onabort = () => reject(tx.error);
		});
		return result;
	} finally {
		db.close();
	}
}

/** The sign-out waiting to reach the server, if any. */
export async function pendingSignOut(): Promise<PendingSignOut | null> {
	if (typeof indexedDB === 'undefined') return null;
	const value = (await withStore('readonly', (s) => s.get(KEY))) as PendingSignOut | undefined;
	return value && typeof value.userID === 'string' ? value : null;
}

/**
 * A page's quick hint that a sign-out may be pending (localStorage answers at once, IndexedDB does
 * not): a page load waits for the sign-out only when the hint says so, so an ordinary load is not
 * held up. The record in IndexedDB stays the truth; a stale hint costs one check.
 */
const HINT = 'roster:sign-out-pending';

/** Whether this page should check for a pending sign-out before it loads anything. */
export function signOutMayBePending(): boolean {
	try {
		return localStorage.getItem(HINT) !== null;
	} catch {
		return true;
	}
}

function setHint(pending: boolean): void {
	try {
		if (pending) localStorage.setItem(HINT, '1');
		else localStorage.removeItem(HINT);
	} catch {
		// no localStorage (the service worker): pages check IndexedDB themselves
	}
}

/** Records a sign-out on the device before anything else happens, so it survives a failed request. */
export async function recordSignOut(signOut: PendingSignOut): Promise<void> {
	setHint(true);
	await withStore('readwrite', (s) => s.put(signOut, KEY));
}

async function clearSignOut(userID: string): Promise<void> {
	const db = await openDevice();
	try {
		const tx = db.transaction(STORE, 'readwrite');
		const store = tx.objectStore(STORE);
		// Only the sign-out this call completed: another one recorded meanwhile stays.
		const current = (await request(store.get(KEY))) as PendingSignOut | undefined;
		if (current?.userID === userID && !current.removeData) store.delete(KEY);
		await new Promise<void>((resolve, reject) => {
			tx.oncomplete = () => resolve();
			tx.onerror = () => reject(tx.error);
		});
	} finally {
		db.close();
	}
}

/** Names of this admin's mirror databases on the device. */
export async function mirrorsOf(userID: string): Promise<string[]> {
	const databases = (await indexedDB.databases?.()) ?? [];
	return databases
		.map((d) => d.name ?? '')
		.filter((name) => parseMirrorName(name)?.userID === userID);
}

/** How many changes wait in this admin's outboxes on the device, across every enterprise. */
export async function queuedChangesOf(userID: string): Promise<number> {
	let total = 0;
	for (const name of await mirrorsOf(userID)) {
		const db = await request(indexedDB.open(name));
		try {
			if (db.objectStoreNames.contains('outbox')) {
				total += await request(db.transaction('outbox').objectStore('outbox').count());
			}
		} finally {
			db.close();
		}
	}
	return total;
}

/**
 * Removes an admin's data from the device: their mirrors (queued changes included) and every cache
 * but the app shell's precache (which holds no data). The kept profile is the page's to forget.
 */
export async function removeDeviceData(userID: string): Promise<void> {
	for (const name of await mirrorsOf(userID)) {
		// Other tabs' Dexie connections close on `versionchange`, so the deletion goes through.
		await request(indexedDB.deleteDatabase(name));
	}
	if (typeof caches !== 'undefined') {
		for (const key of await caches.keys()) {
			if (!key.startsWith('workbox-precache')) await caches.delete(key);
		}
	}
}

/**
 * Completes a recorded sign-out: removes the data when asked (at once, offline too), then ends the
 * session on the server. The server ends it only while it still belongs to that admin, so someone
 * who signed in since stays signed in. Resolves true once nothing is pending, false while the
 * server cannot be reached (then nothing may use the session: the caller shows "Signing out").
 */
export async function settleSignOut(fetcher: typeof fetch = fetch): Promise<boolean> {
	const pending = await pendingSignOut();
	if (!pending) {
		setHint(false);
		return true;
	}
	if (pending.removeData) {
		await removeDeviceData(pending.userID);
		await recordSignOut({ ...pending, removeData: false });
	}
	try {
		const res = await fetcher('/api/auth/logout', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ userID: pending.userID }),
			credentials: 'same-origin',
			cache: 'no-store'
		});
		if (!res.ok) return false;
	} catch {
		return false;
	}
	await clearSignOut(pending.userID);
	if (!(await pendingSignOut())) setHint(false);
	return true;
}

/** Tells the other tabs of Roster on this device that the admin signed out. */
export function announceSignOut(): void {
	if (typeof BroadcastChannel === 'undefined') return;
	const channel = new BroadcastChannel(SESSION_CHANNEL);
	channel.postMessage({ type: 'signed-out' });
	channel.close();
}

/**
 * Signs the admin out of this device. The sign-out is recorded first, so it holds even when the
 * request to the server fails (offline); the other tabs leave the console; the data goes at once
 * when asked; the server ends the session now, or the service worker does when the network comes
 * back (Background Sync), or the next page that opens does, whichever comes first.
 */
export async function signOut(userID: string, { removeData = false } = {}): Promise<void> {
	try {
		await recordSignOut({ userID, at: Date.now(), removeData });
	} catch {
		// No IndexedDB here (a private window, say): sign out the plain way.
		await fetch('/api/auth/logout', { method: 'POST' }).catch(() => {});
		return;
	}
	announceSignOut();
	if (await settleSignOut().catch(() => false)) return;
	try {
		const registration = (await navigator.serviceWorker?.getRegistration()) as
			(ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }) | undefined;
		await registration?.sync?.register(OUTBOX_SYNC_TAG);
	} catch {
		// No Background Sync (Firefox, Safari): the next page that opens ends the session.
	}
}
