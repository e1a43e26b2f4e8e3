import type { SessionUser } from '$lib/server/auth/session';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			sessionSecret: string | null;
			requestID: string;
		}
		interface Error {
			message: string;
			/** A machine-readable code, as API errors carry (`unavailable`, `payloadTooLarge`). */
			error?: string;
			requestID?: string;
			/** A sign-out made on this device is waiting for the server (the page says so). */
			signingOut?: boolean;
		}
	}
}

export {};
