import { build, files, version } from '$service-worker';
import {
	cleanupOutdatedCaches,
	createHandlerBoundToURL,
	precacheAndRoute
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { pushQueuedChanges } from '$lib/client/pwa/background-push';
import { SIGNING_OUT } from '$lib/client/profile';
import { settleSignOut } from '$lib/client/sign-out';
import { OUTBOX_SYNC_TAG, SHELL_URL, SKIP_WAITING } from '$lib/client/pwa/constants';

const sw = globalThis.self as unknown as ServiceWorkerGlobalScope;

/** Background Sync's event (Chromium only, so not in TypeScript's lib). */
interface SyncEvent extends ExtendableEvent {
	readonly tag: string;
}

// The app shell and every asset of this build. Hashed build files never change under one URL;
// static files and the shell page are revisioned by the build version. Workbox downloads only what
// changed, serves it cache-first, and on activation drops what the new build no longer lists. The
// manifest's screenshots are only for the browser's install dialog, which fetches them online.
precacheAndRoute([
	...build.map((url) => ({ url, revision: null })),
	...files
		.filter((url) => !url.startsWith('/screenshots/'))
		.map((url) => ({ url, revision: version })),
	{ url: SHELL_URL, revision: version }
]);
cleanupOutdatedCaches();

// Every in-app URL opens offline, deep links and never-visited pages included: the shell page
// boots the client router, which renders the URL from the mirror. The API, SCIM and health
// endpoints are never answered from a cache; other requests (API calls, form posts) are not
// routed here at all and go to the network untouched.
// A sign-out this device recorded offline is completed first, before anything reaches the server
// with the session it ends (the shell itself holds no data, so it opens either way).
// The IdP's redirect back from single sign-on goes to the server itself: it carries the one-time
// code, exchanged exactly once, and sets the session cookie on that very response.
const shell = createHandlerBoundToURL(SHELL_URL);
registerRoute(
	new NavigationRoute(
		async (options) => {
			await settleSignOut().catch(() => false);
			return shell(options);
		},
		{
			denylist: [
				/^\/api\//,
				/^\/scim\//,
				/^\/healthz(?:\/|$)/,
				/\/__data\.json$/,
				/^\/login\/sso\/callback(?:\/|$)/
			]
		}
	)
);

// Pages that still load data from the server get it straight from the network, never from a
// cache. Offline, SvelteKit shows the app's error page with these words instead of a network error.
registerRoute(
	({ url }) => url.pathname.endsWith('/__data.json'),
	async ({ request }) => {
		// The JSON body becomes the page's error (App.Error): a message, or the sign-out state.
		const unavailable = (body: App.Error | string) =>
			new Response(JSON.stringify(body), {
				status: 503,
				headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
			});
		// While a sign-out waits for the server, no page data is asked for with its session.
		if (!(await settleSignOut().catch(() => false))) {
			return unavailable(SIGNING_OUT);
		}
		try {
			return await fetch(request);
		} catch {
			return unavailable(
				"You are offline, and this page needs Roster's server. It opens again once you are back online."
			);
		}
	}
);

sw.addEventListener('message', (event) => {
	// The admin chose "Apply update" (workbox-window's messageSkipWaiting); nothing else skips waiting.
	if ((event.data as { type?: string } | null)?.type === SKIP_WAITING) void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
	// The first install takes charge of the page that installed it, so it opens offline from then on.
	event.waitUntil(sw.clients.claim());
});

sw.addEventListener('sync', (event) => {
	const sync = event as SyncEvent;
	if (sync.tag !== OUTBOX_SYNC_TAG) return;
	sync.waitUntil(
		(async () => {
			// A sign-out made offline ends the session on the server as soon as the network is back,
			// whether or not Roster is open.
			if (!(await settleSignOut())) throw new Error('the sign-out has not reached the server yet');
			// An open Roster window pushes by itself when the network comes back; the worker only
			// stands in for an app that is closed.
			const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
			if (windows.length === 0) await pushQueuedChanges();
		})()
	);
});
