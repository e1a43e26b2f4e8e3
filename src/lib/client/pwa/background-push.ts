import { isAccountRole } from '../../domain/roles';
import { RosterDB } from '../db';
import { parseMirrorName } from '../mirror-name';
import { pendingSignOut, settleSignOut } from '../sign-out';
import { SyncEngine } from '../sync/engine';

export { parseMirrorName };

async function pushMirror(name: string, userID: string, enterpriseID: string): Promise<boolean> {
	const db = new RosterDB(name);
	try {
		if ((await db.outbox.count()) === 0) return true;
		// The role the mirror was last filled for; the server re-checks it on every change anyway.
		const role = (await db.meta.get('role'))?.value;
		if (!isAccountRole(role)) return true;
		const engine = new SyncEngine({
			db,
			enterpriseID,
			userID,
			role,
			// A service worker cannot import() on demand, and the mutators (with their schemas) would
			// double its size. It needs them only to re-apply changes the server has not confirmed;
			// then the pull stops before it changes anything and the console finishes it when it opens.
			mutations: () =>
				Promise.reject(
					new Error('Open Roster to finish syncing: some changes are not confirmed yet.')
				),
			halted: async () => (await pendingSignOut()) !== null
		});
		try {
			await engine.sync();
		} finally {
			engine.stop();
		}
		const { lastError, signedOut, forbidden, blocked } = engine.state;
		// Signed out, no access or refused: only the admin can help, so retrying later cannot.
		return lastError === null || signedOut || forbidden || blocked;
	} catch {
		// A mirror from another build's schema (an update in progress) is left to the app.
		return true;
	} finally {
		db.close();
	}
}

/** The id of the admin the browser's session cookie belongs to, or null when signed out. */
async function signedInUser(): Promise<string | null> {
	const res = await fetch('/api/me', { cache: 'no-store', credentials: 'same-origin' });
	if (res.status === 401) return null;
	if (!res.ok) throw new Error(`who is signed in is unknown (${res.status})`);
	return ((await res.json()) as { user: { id: string } }).user.id;
}

/**
 * Pushes the queued changes of the signed-in admin's mirrors on this device, for the service
 * worker's Background Sync event while no Roster window is open. Another admin's queue waits for
 * them (R2: the session pushes only what its own admin queued; the server refuses the rest too).
 * A sign-out recorded on the device is completed first, and nothing is pushed while it waits.
 * Pushes run under the same Web Lock as the app's, so a window opened meanwhile never pushes the
 * same rows at the same time. Rejects when a push failed for a reason that may pass (the
 * network), so that the browser fires the event again later.
 */
export async function pushQueuedChanges(): Promise<void> {
	if (!(await settleSignOut())) throw new Error('the sign-out has not reached the server yet');
	const userID = await signedInUser();
	if (!userID) return;
	const databases = (await indexedDB.databases?.()) ?? [];
	let retry = false;
	for (const { name } of databases) {
		const mirror = name ? parseMirrorName(name) : null;
		if (!name || !mirror || mirror.userID !== userID) continue;
		if (!(await pushMirror(name, mirror.userID, mirror.enterpriseID))) retry = true;
	}
	if (retry) throw new Error('some queued changes could not be pushed yet');
}
