import { dev, version as build } from '$app/environment';
import type { Workbox } from 'workbox-window';
import { version as release } from '../../../../package.json';
import { reloadBlocker, watchUnsavedInput } from './busy';
import { loadClientConfig } from './client-config';
import { OUTBOX_SYNC_TAG, SW_URL } from './constants';

/** Chromium's install offer (`beforeinstallprompt`), which TypeScript's DOM lib does not type. */
export interface BeforeInstallPromptEvent extends Event {
	prompt(): Promise<void>;
	readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
}

/** The outcome of the last "Check for updates" the admin asked for. */
export type UpdateCheck = 'idle' | 'checking' | 'up-to-date' | 'found' | 'offline' | 'failed';

const CHECK_EVERY_MS = 60 * 60_000;
const CHECK_WHEN_SHOWN_AFTER_MS = 10 * 60_000;
const IDLE_POLL_MS = 500;

type Listen = (target: EventTarget, type: string, listener: (event: Event) => void) => void;

/**
 * The installed app: its service worker (registered through workbox-window, loaded lazily), new
 * versions and the "Update available" prompt, managed updates (R18), and the install offer.
 * One per page: the root layout starts it.
 */
export class PwaController {
	/** The release the running code was built from (package.json). */
	readonly release = release;
	/** The build of the running code (SvelteKit's version, a timestamp unless configured). */
	readonly build = build;
	/** Whether this browser runs service workers: the offline app and updates need one. */
	supported = $state(false);
	/** Whether a service worker controls this page, so that it opens offline. */
	controlled = $state(false);
	/** IT rolls versions out (R18); null until the server, or the copy kept from it, says. */
	managed = $state<boolean | null>(null);
	/** The outcome of the admin's last "Check for updates". */
	check = $state<UpdateCheck>('idle');
	/** An update is being applied: the page reloads once nothing would be lost. */
	applying = $state(false);
	/** The new version already controls this page; the reload only waits for a safe moment. */
	takenOver = $state(false);
	/** What the update is waiting for (a sync in flight, unsaved input), in words. */
	heldBy = $state<string | null>(null);
	/** The admin chose "Later" on the prompt; Settings still offers the update. */
	dismissed = $state(false);
	/** The browser's install offer, when it made one and the app is not installed. */
	installPrompt = $state.raw<BeforeInstallPromptEvent | null>(null);
	/** The app runs installed (standalone window or home-screen app). */
	installed = $state(false);
	#waiting = $state(false);
	#wb: Workbox | null = null;
	#lastCheck = 0;
	#attempt = 0;

	/** A new version is downloaded and waits for the admin to apply it (never when managed). */
	get updateReady(): boolean {
		return this.#waiting && this.managed === false;
	}

	/** Starts everything in the browser; returns the function that stops listening. */
	start(): () => void {
		const stops: (() => void)[] = [];
		const on: Listen = (target, type, listener) => {
			target.addEventListener(type, listener);
			stops.push(() => target.removeEventListener(type, listener));
		};
		this.installed =
			matchMedia('(display-mode: standalone)').matches ||
			(navigator as Navigator & { standalone?: boolean }).standalone === true;
		on(window, 'beforeinstallprompt', (event) => {
			// Keep the offer for the Install button instead of the browser's own mini-bar.
			event.preventDefault();
			this.installPrompt = event as BeforeInstallPromptEvent;
		});
		on(window, 'appinstalled', () => {
			this.installPrompt = null;
			this.installed = true;
		});
		stops.push(watchUnsavedInput(document));
		// Development serves modules unbundled: no service worker, so nothing is ever stale.
		if (!dev && 'serviceWorker' in navigator) {
			this.supported = true;
			void this.#register(on, stops).catch((err: unknown) => {
				console.warn('service worker registration failed', err);
			});
		}
		return () => {
			for (const stop of stops.splice(0)) stop();
		};
	}

	async #register(on: Listen, stops: (() => void)[]): Promise<void> {
		const container = navigator.serviceWorker;
		let controller = container.controller;
		this.controlled = controller !== null;
		on(container, 'controllerchange', () => {
			const replaced = controller !== null;
			controller = container.controller;
			this.controlled = controller !== null;
			// A new version took over (applied here or in another tab): run it once reloading loses
			// nothing. The first install taking charge of this page is not an update.
			if (replaced && this.managed === false) {
				this.#waiting = false;
				this.takenOver = true;
				void this.#reloadWhenIdle();
			}
		});

		// Ask the server before anything that could look for a new version (R18).
		const config = await loadClientConfig();
		this.managed = config?.managedUpdates ?? null;

		const { Workbox } = await import('workbox-window');
		const wb = new Workbox(SW_URL, { scope: '/', updateViaCache: 'none' });
		wb.addEventListener('waiting', () => {
			this.#waiting = true;
			this.dismissed = false;
		});
		this.#wb = wb;
		await wb.register({ immediate: true });
		this.#lastCheck = Date.now();
		void this.#askForBackgroundSync(on);

		if (this.managed === null) {
			// Never reached the server yet (first start offline): ask again once online.
			on(window, 'online', () => {
				if (this.managed !== null) return;
				void loadClientConfig().then((later) => {
					if (this.managed !== null || !later) return;
					this.managed = later.managedUpdates;
					if (!this.managed) this.#checkRegularly(on, stops);
				});
			});
		} else if (!this.managed) {
			this.#checkRegularly(on, stops);
		}
	}

	/** Unmanaged mode: looks for a new version every hour, and when the app comes back into view. */
	#checkRegularly(on: Listen, stops: (() => void)[]): void {
		const timer = setInterval(() => void this.#lookForUpdate().catch(() => false), CHECK_EVERY_MS);
		stops.push(() => clearInterval(timer));
		on(document, 'visibilitychange', () => {
			if (
				document.visibilityState === 'visible' &&
				Date.now() - this.#lastCheck > CHECK_WHEN_SHOWN_AFTER_MS
			) {
				void this.#lookForUpdate().catch(() => false);
			}
		});
	}

	async #askForBackgroundSync(on: Listen): Promise<void> {
		const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & {
			sync?: { register(tag: string): Promise<void> };
		};
		const sync = registration.sync;
		// Firefox and Safari have no Background Sync: the sync engine pushes when the app opens.
		if (!sync) return;
		// Queued changes made offline, or left behind when the app is closed, get pushed by the
		// service worker when the network is back, even with no Roster window open.
		const ask = () => void sync.register(OUTBOX_SYNC_TAG).catch(() => {});
		on(window, 'offline', ask);
		on(document, 'visibilitychange', () => {
			if (document.visibilityState === 'hidden') ask();
		});
		if (!navigator.onLine) ask();
	}

	/** Asks the server for a newer service worker; true when one is installing or waiting. */
	async #lookForUpdate(): Promise<boolean> {
		const wb = this.#wb;
		if (!wb || this.managed !== false || !navigator.onLine) return false;
		this.#lastCheck = Date.now();
		await wb.update();
		const registration = await navigator.serviceWorker.getRegistration();
		return Boolean(registration?.installing ?? registration?.waiting);
	}

	/** "Check for updates" in Settings (never in managed mode). */
	async checkForUpdate(): Promise<void> {
		if (this.managed !== false || !this.#wb) return;
		if (!navigator.onLine) {
			this.check = 'offline';
			return;
		}
		this.check = 'checking';
		try {
			this.check = (await this.#lookForUpdate()) ? 'found' : 'up-to-date';
		} catch {
			this.check = 'failed';
		}
	}

	/**
	 * "Apply update": once no sync is in flight and no form holds unsaved input, the waiting
	 * version takes over (`messageSkipWaiting`) and the page reloads on `controllerchange`.
	 * Queued changes stay in the outbox across the reload.
	 */
	async applyUpdate(): Promise<void> {
		const wb = this.#wb;
		if (this.managed !== false || !wb || this.applying) return;
		this.applying = true;
		if (!(await this.#idle()) || this.takenOver) return;
		if (!(await navigator.serviceWorker.getRegistration())?.waiting) {
			// The waiting version is gone (replaced by a newer one that is still installing).
			this.#waiting = false;
			this.applying = false;
			return;
		}
		wb.messageSkipWaiting();
	}

	/** Stops waiting to apply an update, before it takes over (the admin keeps working first). */
	cancelUpdate(): void {
		if (this.takenOver) return;
		this.#attempt++;
		this.applying = false;
		this.heldBy = null;
	}

	async #reloadWhenIdle(): Promise<void> {
		this.applying = true;
		if (await this.#idle()) location.reload();
	}

	/** Resolves true once reloading is safe, or false if the admin cancelled meanwhile. */
	async #idle(): Promise<boolean> {
		const attempt = ++this.#attempt;
		for (;;) {
			const blocker = await reloadBlocker();
			if (attempt !== this.#attempt) return false;
			this.heldBy = blocker;
			if (blocker === null) return true;
			await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
		}
	}

	/** Shows the browser's install dialog (Chromium's `beforeinstallprompt`). */
	async install(): Promise<void> {
		const offer = this.installPrompt;
		if (!offer) return;
		// An offer can be shown only once.
		this.installPrompt = null;
		await offer.prompt();
		if ((await offer.userChoice).outcome === 'accepted') this.installed = true;
	}
}

/** The page's PWA state (truly global: one service worker per origin). */
export const pwa = new PwaController();
