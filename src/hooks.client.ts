import type { ClientInit } from '@sveltejs/kit';
import {
	SESSION_CHANNEL,
	pendingSignOut,
	settleSignOut,
	signOutMayBePending
} from '$lib/client/sign-out';

/** Whether the page shows (or is about to show) an admin's console or the start page. */
function inConsole(): boolean {
	const path = location.pathname;
	return path === '/' || path.startsWith('/e/');
}

export const init: ClientInit = async () => {
	// A sign-out this device recorded while offline completes before any page loads its data. Only
	// when one may be pending: the check holds up hydration, and a form typed into before hydration
	// would lose its input.
	if (signOutMayBePending()) await settleSignOut().catch(() => false);
	addEventListener('online', () => {
		void (async () => {
			if (!(await pendingSignOut().catch(() => null))) return;
			// Back online: the session ends now, and the page that said "Signing out…" moves on.
			if (await settleSignOut().catch(() => false)) location.assign('/login');
		})();
	});
	if (typeof BroadcastChannel !== 'undefined') {
		// Another tab signed out: this one leaves the console too (a full load drops its state).
		new BroadcastChannel(SESSION_CHANNEL).onmessage = (event: MessageEvent<{ type?: string }>) => {
			if (event.data?.type === 'signed-out' && inConsole()) location.assign('/login');
		};
	}
};
