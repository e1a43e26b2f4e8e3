/** Where the built service worker is served (SvelteKit builds `src/service-worker.ts` there). */
export const SW_URL = '/service-worker.js';

/** The page the service worker precaches and answers every in-app navigation with. */
export const SHELL_URL = '/app-shell';

/** The Background Sync tag that asks the service worker to push queued changes. */
export const OUTBOX_SYNC_TAG = 'roster-outbox';

/** The message that tells a waiting service worker to take over (workbox-window's format). */
export const SKIP_WAITING = 'SKIP_WAITING';
