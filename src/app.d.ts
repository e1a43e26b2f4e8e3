import type { SessionOrigin, SessionUser } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			sessionSecret: string | null;
			/**
			 * How the session was made (password or SSO through one enterprise's IdP); the hooks set
			 * it with `user`. Left out (handlers called directly in tests), a password session.
			 */
			sessionOrigin?: SessionOrigin | null;
			requestID: string;
		}
		interface Error {
			message: string;
			/** A machine-readable code, as API errors carry (`unavailable`, `payloadTooLarge`). */
			error?: string;
			requestID?: string;
			/** A sign-out made on this device is waiting for the server (the page says so). */
			signingOut?: boolean;
			/** The session cannot act here: the page to come back to once signed in again. */
			signIn?: string;
		}
	}
}

export {};
