import { isAccountRole } from '../../domain/roles';
import { RosterDB } from '../db';
import { SyncEngine } from '../sync-engine';
// A service worker cannot import() on demand: the mutators come in statically.
import { runMutation } from '../../domain/mutations';

/** The admin and enterprise of a mirror database, from its name (`roster:<userID>:<enterpriseID>`). */
export function parseMirrorName(name: string): { userID: string; enterpriseID: string } | null {
	const [prefix, userID, enterpriseID, ...rest] = name.split(':');
	if (prefix !== 'roster' || !userID || !enterpriseID || rest.length > 0) return null;
	return { userID, enterpriseID };
}

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
			mutations: async () => ({ runMutation })
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

/**
 * Pushes the queued changes of every mirror on this device, for the service worker's Background
 * Sync event while no Roster window is open. Pushes run under the same Web Lock as the app's, so a
 * window opened meanwhile never pushes the same rows at the same time. Rejects when a push failed
 * for a reason that may pass (the network), so that the browser fires the event again later.
 */
export async function pushQueuedChanges(): Promise<void> {
	const databases = (await indexedDB.databases?.()) ?? [];
	let retry = false;
	for (const { name } of databases) {
		const mirror = name ? parseMirrorName(name) : null;
		if (!name || !mirror) continue;
		if (!(await pushMirror(name, mirror.userID, mirror.enterpriseID))) retry = true;
	}
	if (retry) throw new Error('some queued changes could not be pushed yet');
}
