import type { AccountRole } from '../domain/roles';
import { pendingSignOut, settleSignOut } from './sign-out';

/** Who is signed in and where they hold roles, as `GET /api/me` answers. */
export interface Profile {
	user: { id: string; email: string; name: string };
	enterprises: {
		id: string;
		name: string;
		slug: string;
		role: AccountRole;
		/** This session may not act there: why, in plain words (sign in to that enterprise). */
		signInRequired?: string;
	}[];
}

const KEY = 'roster:profile';

/**
 * The signed-in admin's profile: from the server when it answers, else the copy kept from the last
 * answer, so the console opens offline (`offline: true`). `null` when the server says signed out;
 * `signingOut` while a sign-out made on this device has not reached the server yet (nothing of
 * the previous admin may show then, not even from the kept copy).
 */
export async function loadProfile(
	fetcher: typeof fetch
): Promise<(Profile & { offline: boolean }) | null | 'unknown' | 'signingOut'> {
	if (await pendingSignOut().catch(() => null)) {
		forgetProfile();
		return (await settleSignOut(fetcher).catch(() => false)) ? null : 'signingOut';
	}
	try {
		const res = await fetcher('/api/me', { cache: 'no-store' });
		if (res.status === 401) {
			forgetProfile();
			return null;
		}
		if (res.ok) {
			const profile = (await res.json()) as Profile;
			localStorage.setItem(KEY, JSON.stringify(profile));
			return { ...profile, offline: false };
		}
	} catch {
		// offline: fall back to the kept copy
	}
	const kept = localStorage.getItem(KEY);
	if (!kept) return 'unknown';
	try {
		return { ...(JSON.parse(kept) as Profile), offline: true };
	} catch {
		return 'unknown';
	}
}

/** Forgets the kept profile (on sign-out). */
export function forgetProfile(): void {
	try {
		localStorage.removeItem(KEY);
	} catch {
		// storage unavailable: nothing kept
	}
}

/** What the console says instead of itself while a sign-out waits for the server. */
export const SIGNING_OUT = {
	message:
		"This device is finishing a sign-out. It completes as soon as the device reaches Roster's server; then you can sign in.",
	signingOut: true
} as const;
