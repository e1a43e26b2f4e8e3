import { randomUUID } from 'node:crypto';
import { expect, type APIRequestContext, type BrowserContext, type Page } from '@playwright/test';

// Helpers for the shared-tablet attacks: one browser profile used by several admins, its service
// worker's Background Sync, and the server-sent poke stream.

/** Resolves once a Roster service worker controls the page (it then opens offline). */
export async function controlledByServiceWorker(page: Page): Promise<void> {
	await expect
		.poll(() => page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null), {
			timeout: 20_000
		})
		.toMatch(/\/service-worker\.js$/);
}

/** Names of the IndexedDB databases the page's origin holds. */
export function databaseNames(page: Page): Promise<string[]> {
	return page.evaluate(async () =>
		(await indexedDB.databases()).map((d) => d.name ?? '').filter(Boolean)
	);
}

/**
 * Writes a change straight into a mirror's outbox, as someone with the browser's developer tools
 * (or any script of the origin) could: the next mutation id, the named mutation, its args.
 */
export async function plantQueuedChange(
	page: Page,
	database: string,
	name: string,
	args: unknown
): Promise<void> {
	await page.evaluate(
		async ({ database, name, args }) => {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const req = indexedDB.open(database);
				req.onsuccess = () => resolve(req.result);
				req.onerror = () => reject(req.error);
			});
			await new Promise<void>((resolve, reject) => {
				const tx = db.transaction(['outbox', 'meta'], 'readwrite');
				const meta = tx.objectStore('meta');
				const next = meta.get('nextMutationID');
				next.onsuccess = () => {
					const id = ((next.result as { value?: number } | undefined)?.value ?? 1) as number;
					tx.objectStore('outbox').add({ mutationID: id, name, args, createdAt: Date.now() });
					meta.put({ key: 'nextMutationID', value: id + 1 });
				};
				tx.oncomplete = () => resolve();
				tx.onerror = () => reject(tx.error);
			});
			db.close();
		},
		{ database, name, args }
	);
}

/** How many changes wait in a mirror's outbox. */
export function queuedCount(page: Page, database: string): Promise<number> {
	return page.evaluate(async (database) => {
		const db = await new Promise<IDBDatabase>((resolve, reject) => {
			const req = indexedDB.open(database);
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		const count = await new Promise<number>((resolve, reject) => {
			const req = db.transaction('outbox').objectStore('outbox').count();
			req.onsuccess = () => resolve(req.result);
			req.onerror = () => reject(req.error);
		});
		db.close();
		return count;
	}, database);
}

/**
 * Fires the Background Sync event `roster-outbox` at the origin's service worker, as Chromium does
 * when the network comes back, and resolves with how the worker's handling of it ended (`done`, or
 * `failed: …`). Call it with no window of the origin open: the worker only stands in for a closed
 * app. (Playwright's offline mode does not change the network state Chromium fires the event
 * from, so it is fired through the DevTools protocol, from a page of another origin.)
 */
export async function fireOutboxSync(context: BrowserContext, origin: string): Promise<string> {
	const worker = context.serviceWorkers().find((w) => w.url().startsWith(origin));
	if (!worker) throw new Error(`no service worker of ${origin} is running`);
	// Keeps the promise the worker hands to the event's waitUntil, to learn when its work is over.
	await worker.evaluate(() => {
		// The worker's global scope: ExtendableEvent is not in the DOM typings of the tests.
		interface Extendable extends Event {
			waitUntil(promise: Promise<unknown>): void;
			patched?: boolean;
		}
		const scope = globalThis as unknown as {
			outboxSyncs?: Promise<string>[];
			ExtendableEvent: { prototype: Extendable };
		};
		const proto = scope.ExtendableEvent.prototype;
		scope.outboxSyncs = [];
		if (proto.patched) return;
		const original = proto.waitUntil;
		proto.waitUntil = function (this: Extendable, promise: Promise<unknown>) {
			if (this.type === 'sync') {
				scope.outboxSyncs?.push(
					Promise.resolve(promise).then(
						() => 'done',
						(err: unknown) => `failed: ${String(err)}`
					)
				);
			}
			return original.call(this, promise);
		};
		proto.patched = true;
	});
	const other = await context.newPage();
	const url = new URL(origin);
	url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
	await other.goto(`${url.origin}/healthz`);
	const cdp = await context.newCDPSession(other);
	const registrationID = new Promise<string>((resolve) => {
		cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
			const ours = registrations.find(
				(r: { scopeURL: string; isDeleted: boolean }) => r.scopeURL === `${origin}/` && !r.isDeleted
			);
			if (ours) resolve(ours.registrationId as string);
		});
	});
	await cdp.send('ServiceWorker.enable');
	await cdp.send('ServiceWorker.dispatchSyncEvent', {
		origin,
		registrationId: await registrationID,
		tag: 'roster-outbox',
		lastChance: false
	});
	await expect
		.poll(() =>
			worker.evaluate(
				() => (globalThis as unknown as { outboxSyncs?: unknown[] }).outboxSyncs?.length ?? 0
			)
		)
		.toBe(1);
	const outcome = await worker.evaluate(
		() => (globalThis as unknown as { outboxSyncs: Promise<string>[] }).outboxSyncs[0]!
	);
	await other.close();
	return outcome;
}

/** `GET /api/me` of a signed-in API client. */
export async function whoAmI(api: APIRequestContext): Promise<{
	user: { id: string; email: string };
	enterprises: { id: string; slug: string; role: string }[];
}> {
	const res = await api.get('/api/me');
	expect(res.status()).toBe(200);
	return (await res.json()) as Awaited<ReturnType<typeof whoAmI>>;
}

/**
 * A console client of one admin pushing straight to `POST /api/sync/push` (its own client ids,
 * mutation ids counted up). `send` answers the HTTP status and body.
 */
export function pushClient(
	api: APIRequestContext,
	enterpriseID: string,
	extra: Record<string, unknown> = {}
) {
	const clientID = randomUUID();
	const clientGroupID = randomUUID();
	let next = 1;
	return {
		clientID,
		async send(name: string, args: unknown): Promise<{ status: number; body: unknown }> {
			const res = await api.post('/api/sync/push', {
				data: {
					enterpriseID,
					clientGroupID,
					clientID,
					...extra,
					mutations: [{ id: next, name, args, createdAt: Date.now() }]
				}
			});
			if (res.status() === 200) next++;
			return { status: res.status(), body: await res.json().catch(() => null) };
		}
	};
}

/** The session cookie header of a signed-in API client, to open a stream with plain fetch. */
export async function cookieHeader(api: APIRequestContext): Promise<string> {
	const { cookies } = await api.storageState();
	return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** An open `GET /api/sync/poke` stream: `next()` is its next poke, or `ended` when it closes. */
export async function openPokeStream(
	origin: string,
	cookie: string,
	enterpriseID: string
): Promise<{ next(): Promise<'poke' | 'ended'>; close(): Promise<void> }> {
	const res = await fetch(
		`${origin}/api/sync/poke?enterpriseID=${encodeURIComponent(enterpriseID)}`,
		{ headers: { cookie } }
	);
	expect(res.status).toBe(200);
	const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
	let buffered = '';
	return {
		async next() {
			for (;;) {
				let end: number;
				while ((end = buffered.indexOf('\n\n')) >= 0) {
					const event = buffered.slice(0, end);
					buffered = buffered.slice(end + 2);
					// Comment lines (": keep-alive") are no pokes.
					if (event.split('\n').some((line) => line.startsWith('data:'))) return 'poke';
				}
				const { done, value } = await reader.read();
				if (done) return 'ended';
				buffered += value;
			}
		},
		async close() {
			await reader.cancel().catch(() => {});
		}
	};
}
