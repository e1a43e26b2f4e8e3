/** What `GET /api/client-config` answers: how this server wants the installed app to update. */
export interface ClientConfig {
	/** IT rolls versions out; the app never looks for or applies one by itself (R18). */
	managedUpdates: boolean;
	/** The build the server serves. */
	version: string;
}

const KEY = 'roster:client-config';

function isClientConfig(value: unknown): value is ClientConfig {
	const v = value as Partial<ClientConfig> | null;
	return typeof v?.managedUpdates === 'boolean' && typeof v.version === 'string';
}

/**
 * The server's client config, else the copy kept from its last answer (offline); null when
 * neither is known, in which case the app acts as if updates were managed and does nothing.
 */
export async function loadClientConfig(
	fetcher: typeof fetch = fetch
): Promise<ClientConfig | null> {
	try {
		const res = await fetcher('/api/client-config', { cache: 'no-store' });
		if (res.ok) {
			const config: unknown = await res.json();
			if (isClientConfig(config)) {
				try {
					localStorage.setItem(KEY, JSON.stringify(config));
				} catch {
					// storage unavailable: use the answer without keeping it
				}
				return config;
			}
		}
	} catch {
		// offline: fall back to the kept copy
	}
	try {
		const kept: unknown = JSON.parse(localStorage.getItem(KEY) ?? 'null');
		return isClientConfig(kept) ? kept : null;
	} catch {
		return null;
	}
}
