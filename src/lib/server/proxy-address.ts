import type { Handle } from '@sveltejs/kit';
import { log } from './log';

let warned = false;

/**
 * Logs once, on the first request that carries `x-forwarded-for` while `ADDRESS_HEADER` is unset:
 * the server then sees every client behind the proxy as the proxy's one address, and the
 * per-address sign-in limit becomes one limit for everybody.
 */
export const warnUntrustedForwarding: Handle = ({ event, resolve }) => {
	if (!warned && !process.env.ADDRESS_HEADER && event.request.headers.has('x-forwarded-for')) {
		warned = true;
		log(
			'warn',
			'requests carry x-forwarded-for but ADDRESS_HEADER is unset: every client behind the proxy ' +
				'shares its address and one sign-in limit; set ADDRESS_HEADER=x-forwarded-for (and ' +
				'XFF_DEPTH to the number of proxies) when a proxy you trust sets it',
			{ path: event.url.pathname }
		);
	}
	return resolve(event);
};

/**
 * The client's address, or null when it cannot be known (adapter-node throws when ADDRESS_HEADER
 * names a header the request lacks, e.g. one that reached the server without the proxy).
 */
export function clientAddress(getClientAddress: () => string): string | null {
	try {
		return getClientAddress();
	} catch {
		return null;
	}
}
