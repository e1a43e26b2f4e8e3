import { proxy, wrap, type Remote } from 'comlink';
import { createSubscriber } from 'svelte/reactivity';
import type { Loading } from '../feature-state.svelte';
import type { SyncController } from '../sync-context.svelte';
import type { LicenseListApi } from './license-list-api';
import type { LicenseListWorkerApi } from './license-list.worker';

/** How the page reaches the list: the worker's API, or the same API run in the page. */
type Backend = Pick<LicenseListApi, 'open' | 'window' | 'matchingIDs' | 'activeCounts'> & {
	dispose(): void;
};

/**
 * Where the list runs: in its worker, or in the page when there are no workers (specs) or when
 * asked for (`?list=main` in the address, or `roster-list` = `main` in session storage): the
 * benchmark's baseline, the same index held and searched on the main thread (not the list's code
 * from before the worker).
 */
function startBackend(onError: (error: unknown) => void): Backend {
	const inPage =
		typeof Worker === 'undefined' ||
		(typeof location !== 'undefined' &&
			(new URLSearchParams(location.search).get('list') === 'main' ||
				sessionStorage.getItem('roster-list') === 'main'));
	if (inPage) {
		// Loaded only here, so the index, its search and Dexie's live query stay out of the page's
		// own bundle (the worker has its copy).
		const loading = import('./license-list-api').then((m) => m.createLicenseListApi());
		return {
			open: async (mirror, onChange) => (await loading).open(mirror, onChange),
			window: async (q, from, to) => (await loading).window(q, from, to),
			matchingIDs: async (q) => (await loading).matchingIDs(q),
			activeCounts: async (now, windows) => (await loading).activeCounts(now, windows),
			dispose: () => void loading.then((api) => api.close())
		};
	}
	const raw = new Worker(new URL('./license-list.worker.ts', import.meta.url), { type: 'module' });
	// A worker that cannot load or throws outside a call would leave every call waiting.
	raw.addEventListener('error', (event) => onError(event.message || 'the list worker failed'));
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
 * window again; it never goes back (a worker started again counts on), and `run` names the
 * worker that answers, so an answer is never taken for one of a later run.
 */
export class LicenseListConnection {
	readonly mirror: string;
	#backend: Backend | null = null;
	#opened: Promise<void> | null = null;
	#version = 0;
	#run = 0;
	#loaded = false;
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
		const backend = startBackend((error) => this.#fail(backend, error));
		this.#backend = backend;
		this.#run++;
		this.#loaded = false;
		this.#failed = false;
		this.#opened = backend.open(this.mirror, () => {
			if (this.#backend !== backend) return;
			this.#loaded = true;
			this.#version++;
			this.#update();
		});
		this.#opened.catch((error: unknown) => this.#fail(backend, error));
	}

	#fail(backend: Backend, error: unknown) {
		if (this.#backend !== backend || this.#failed) return;
		console.error('the licensed-user list could not read the mirror', error);
		this.#failed = true;
		this.#update();
	}

	#stop() {
		this.#backend?.dispose();
		this.#backend = null;
		this.#opened = null;
		this.#loaded = false;
	}

	/**
	 * Moves after each change the list applied; 0 until it has first loaded. Reading it keeps the
	 * list open.
	 */
	get version(): number {
		this.#subscribe();
		return this.#version;
	}

	/** Which start of the list's worker is answering (answers of an earlier one are not current). */
	get run(): number {
		this.#subscribe();
		return this.#run;
	}

	/** Whether the worker now running has loaded the list. */
	get loaded(): boolean {
		this.#subscribe();
		return this.#loaded;
	}

	/** Whether the list could not be read (the mirror, or its worker, failed): `retry` starts it again. */
	get failed(): boolean {
		this.#subscribe();
		return this.#failed;
	}

	/** Starts the list's worker again (after it failed). */
	retry(): void {
		this.#stop();
		this.#start();
		this.#update();
	}

	/**
	 * Asks the list (once it has loaded); null when nothing reads the list any more, or when it
	 * failed (then `failed` says so).
	 */
	async ask<T>(question: (api: Backend) => Promise<T>): Promise<T | null> {
		const backend = this.#backend;
		if (!backend || !this.#opened) return null;
		try {
			await this.#opened;
			return this.#backend === backend ? await question(backend) : null;
		} catch (error) {
			this.#fail(backend, error);
			return null;
		}
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
	 * of the list's current worker (never an empty list that is really still loading, nor an
	 * answer of another enterprise's list or of a worker since stopped). `key` names what
	 * `question` asks for, so a new question is asked when it changes.
	 */
	asked<T>(key: () => string, question: (api: Backend) => Promise<T>): Loading<T> {
		// eslint-disable-next-line @typescript-eslint/no-this-alias -- read from the getter below
		const list = this;
		let held = $state.raw<{
			conn: LicenseListConnection;
			run: number;
			id: string;
			value: T;
		} | null>(null);
		let asking: { conn: LicenseListConnection; id: string } | null = null;
		return {
			get current() {
				const conn = list.connection;
				if (!conn) return null;
				const version = conn.version;
				const run = conn.run;
				if (version === 0) return null;
				const id = `${run}\u0000${version}\u0000${key()}`;
				const mine = held?.conn === conn && held.id === id;
				if (!mine && (asking?.conn !== conn || asking.id !== id)) {
					const ask = { conn, id };
					asking = ask;
					void conn.ask(question).then((value) => {
						if (asking === ask && value !== null) held = { conn, run, id, value };
					});
				}
				return held?.conn === conn && held.run === run ? held.value : null;
			}
		};
	}
}
