import { proxy, wrap, type Remote } from 'comlink';
import { createSubscriber } from 'svelte/reactivity';
import type { Loading } from '../feature-state.svelte';
import type { SyncController } from '../sync-context.svelte';
import { createLicenseListApi, type LicenseListApi } from './license-list-api';
import type { LicenseListWorkerApi } from './license-list.worker';

/** How the page reaches the list: the worker's API, or the same API run in the page. */
type Backend = Pick<LicenseListApi, 'open' | 'window' | 'matchingIDs' | 'activeCounts'> & {
	dispose(): void;
};

/**
 * Where the list runs: in its worker, or in the page when there are no workers (specs) or when
 * asked for (`?list=main` in the address, or `roster-list` = `main` in session storage): the
 * benchmark's baseline, every licensed user held and searched on the main thread as before.
 */
function startBackend(): Backend {
	const inPage =
		typeof Worker === 'undefined' ||
		(typeof location !== 'undefined' &&
			(new URLSearchParams(location.search).get('list') === 'main' ||
				sessionStorage.getItem('roster-list') === 'main'));
	if (inPage) {
		const api = createLicenseListApi();
		return Object.assign(api, { dispose: () => api.close() });
	}
	const raw = new Worker(new URL('./license-list.worker.ts', import.meta.url), { type: 'module' });
	const api: Remote<LicenseListWorkerApi> = wrap<LicenseListWorkerApi>(raw);
	return {
		open: (mirror, onChange) => api.open(mirror, proxy(onChange)),
		window: (q, from, to) => api.window(q, from, to),
		matchingIDs: (q) => api.matchingIDs(q),
		activeCounts: (now, windows) => api.activeCounts(now, windows),
		dispose: () => raw.terminate()
	};
}

/** How long the worker is kept once nothing reads the list (a tab switched back to keeps it). */
const IDLE_MS = 60_000;

/**
 * The licensed-user list of one mirror, in the list worker while anything on the page reads it
 * (the worker starts on first read and is terminated a minute after nothing reads it any more).
 * `version` moves after each change of the mirror's licensed users, so readers ask for their
 * window again.
 */
export class LicenseListConnection {
	readonly mirror: string;
	#backend: Backend | null = null;
	#opened: Promise<void> | null = null;
	#version = 0;
	#failed = false;
	#idle: ReturnType<typeof setTimeout> | undefined;
	#update: () => void = () => undefined;
	#subscribe: () => void;

	constructor(mirror: string) {
		this.mirror = mirror;
		this.#subscribe = createSubscriber((update) => {
			this.#update = update;
			clearTimeout(this.#idle);
			if (!this.#backend) this.#start();
			return () => {
				clearTimeout(this.#idle);
				this.#idle = setTimeout(() => this.#stop(), IDLE_MS);
			};
		});
	}

	#start() {
		const backend = startBackend();
		this.#backend = backend;
		this.#opened = backend.open(this.mirror, (v) => {
			if (this.#backend !== backend) return;
			this.#version = v;
			this.#update();
		});
		this.#opened.catch((error: unknown) => {
			console.error('the licensed-user list could not open the mirror', error);
			this.#failed = true;
			this.#update();
		});
	}

	#stop() {
		this.#backend?.dispose();
		this.#backend = null;
		this.#opened = null;
		this.#version = 0;
	}

	/** Moves after each change the list applied; 0 until it has loaded. Reading it keeps the list open. */
	get version(): number {
		this.#subscribe();
		return this.#version;
	}

	/** Whether the mirror could not be read. */
	get failed(): boolean {
		this.#subscribe();
		return this.#failed;
	}

	/** Asks the list (once it has loaded); null when nothing reads the list any more. */
	async ask<T>(question: (api: Backend) => Promise<T>): Promise<T | null> {
		const backend = this.#backend;
		if (!backend || !this.#opened) return null;
		await this.#opened;
		return this.#backend === backend ? question(backend) : null;
	}
}

/** The list of the current enterprise's mirror, once it has been filled (null before). */
export class LicenseList {
	readonly #sync: SyncController;
	readonly #connection = $derived.by(() => {
		const name = this.#sync.engine?.db.name;
		return name ? new LicenseListConnection(name) : null;
	});

	constructor(sync: SyncController) {
		this.#sync = sync;
	}

	/** The open mirror's list, null until the mirror has been filled once (a first sync is loading). */
	get connection(): LicenseListConnection | null {
		return this.#sync.ready ? this.#connection : null;
	}

	/**
	 * An answer of the list that is asked again after every change: null until the first answer
	 * (never an empty list that is really still loading). `key` names what `question` asks for,
	 * so a new question is asked when it changes.
	 */
	asked<T>(key: () => string, question: (api: Backend) => Promise<T>): Loading<T> {
		// eslint-disable-next-line @typescript-eslint/no-this-alias -- read from the getter below
		const list = this;
		let held = $state.raw<{ conn: LicenseListConnection; id: string; value: T } | null>(null);
		let asking: string | null = null;
		return {
			get current() {
				const conn = list.connection;
				if (!conn) return null;
				const version = conn.version;
				if (version === 0) return null;
				const id = `${version}\u0000${key()}`;
				if (asking !== id && (held?.conn !== conn || held.id !== id)) {
					asking = id;
					void conn.ask(question).then((value) => {
						if (asking === id && value !== null) held = { conn, id, value };
					});
				}
				return held?.conn === conn ? held.value : null;
			}
		};
	}
}
