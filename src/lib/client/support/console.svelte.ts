import Dexie from 'dexie';
import { flushSync } from 'svelte';
import { runMutation } from '../../domain/mutations';
import { RosterDB } from '../db';
import { putLicenses } from '../roster';
import { SyncController } from '../sync-context.svelte';
import { SyncEngine, type SyncTransport } from '../sync/engine';

let seq = 0;

/** A network that never answers: changes stay queued in the outbox, as on a device offline. */
const offline: SyncTransport = {
	push: () => Promise.reject(new TypeError('Failed to fetch')),
	pull: () => Promise.reject(new TypeError('Failed to fetch'))
};

const ids = new Map<string, string>();

/** The same UUID for the same name within a run: `id('team Web')`, `id('ada@acme.test')`. */
export function id(name: string): string {
	if (!ids.has(name))
		ids.set(name, `00000000-0000-4000-8000-${String(ids.size + 1).padStart(12, '0')}`);
	return ids.get(name)!;
}

/** The signed-in admin of every console these helpers open. */
export const ME = { id: id('me@acme.test'), email: 'me@acme.test', name: 'Me' };

/**
 * An enterprise's mirror on fake-indexeddb with a real engine and the real mutators behind it,
 * offline, holding the admin (a co-owner unless `role` says), a license each for `users`, and
 * `seats` seats.
 */
export async function openMirror(
	opts: { users?: string[]; seats?: number; role?: 'owner' | 'co-owner' } = {}
) {
	const n = ++seq;
	const db = new RosterDB(`console-${process.pid}-${n}`);
	await db.open();
	await db.meta.bulkPut([
		{ key: 'clientID', value: `client-${n}` },
		{ key: 'clientGroupID', value: `group-${n}` }
	]);
	await db.enterprise.put({ id: 'acme', name: 'Acme', slug: 'acme', seats: opts.seats ?? 10 });
	await db.admins.put({
		email: ME.email,
		userID: ME.id,
		name: ME.name,
		role: opts.role ?? 'co-owner'
	});
	await putLicenses(db, [
		{ ...ME, lastActiveAt: null },
		...(opts.users ?? []).map((email) => ({
			id: id(email),
			email,
			name: email.split('@')[0]!,
			lastActiveAt: null
		}))
	]);
	const engine = new SyncEngine({
		db,
		enterpriseID: 'acme',
		userID: ME.id,
		role: opts.role ?? 'co-owner',
		transport: offline,
		mutations: async () => ({ runMutation })
	});
	return {
		db,
		engine,
		async close() {
			engine.stop();
			db.close();
			await Dexie.delete(db.name);
		}
	};
}

/** The enterprise layout's sync controller, with this mirror open (or none yet). */
export function controllerFor(
	mirror?: { engine: SyncEngine },
	opts: { synced?: boolean } = {}
): SyncController {
	const sync = new SyncController();
	sync.engine = mirror?.engine ?? null;
	// A mirror these helpers fill stands for one a sync has filled, unless told otherwise.
	sync.ready = !!mirror && opts.synced !== false;
	return sync;
}

/**
 * Reads `read()` inside an effect, as a component does, so live queries run; `until` waits for a
 * value that passes `ok` (the mirror answers asynchronously).
 */
export function watch<T>(read: () => T) {
	let latest = $state.raw<T>();
	const stop = $effect.root(() => {
		$effect(() => {
			latest = read();
		});
	});
	flushSync();
	return {
		get value(): T {
			flushSync();
			return latest as T;
		},
		async until(ok: (value: T) => boolean): Promise<T> {
			for (let i = 0; i < 200; i++) {
				flushSync();
				if (ok(latest as T)) return latest as T;
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
			throw new Error(`never became as expected: ${JSON.stringify(latest)}`);
		},
		stop
	};
}
