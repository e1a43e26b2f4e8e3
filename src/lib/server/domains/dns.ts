import { Resolver } from 'node:dns/promises';
import type { TxtLookup } from '../../domain/domains';

/** How long a verification may wait for DNS before it says so (R13). */
export const DNS_TIMEOUT_MS = 5_000;

/** Most TXT lookups one enterprise may start at once (R13): a token bucket's size… */
export const DNS_LOOKUP_BURST = 10;
/** …and how many more it earns per minute. */
export const DNS_LOOKUPS_PER_MINUTE = 10;

/**
 * Token buckets, one per key (an enterprise): each lookup takes a token, tokens come back at a
 * steady rate up to the burst. Kept in this process: with several app instances each has its own.
 */
export class LookupBudget {
	readonly #buckets = new Map<string, { tokens: number; at: number }>();

	constructor(
		readonly burst = DNS_LOOKUP_BURST,
		readonly perMinute = DNS_LOOKUPS_PER_MINUTE
	) {}

	/** Takes a token for `key` at `now`; false when there is none left. */
	take(key: string, now = Date.now()): boolean {
		const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
		const earned = (Math.max(0, now - bucket.at) / 60_000) * this.perMinute;
		bucket.tokens = Math.min(this.burst, bucket.tokens + earned);
		bucket.at = now;
		if (bucket.tokens < 1) {
			this.#buckets.set(key, bucket);
			return false;
		}
		bucket.tokens -= 1;
		this.#buckets.set(key, bucket);
		// Full buckets carry no information: forget the ones that have refilled, so the map stays small.
		if (this.#buckets.size > 1000) {
			for (const [k, b] of this.#buckets) {
				if (b.tokens + ((now - b.at) / 60_000) * this.perMinute >= this.burst)
					this.#buckets.delete(k);
			}
		}
		return true;
	}
}

/** The server's DNS lookup budget per enterprise (R13). */
export const dnsLookupBudget = new LookupBudget();

/** The DNS servers `DNS_SERVERS` names (comma-separated `host[:port]`), or null for the system's. */
export function dnsServersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | null {
	const servers = (env.DNS_SERVERS ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	return servers.length ? servers : null;
}

/**
 * Looks up the TXT records of a name (R13), each record's strings joined as RFC 7208 says. A name
 * with no TXT record (or no such name) answers no records; a timeout or a failing server answers
 * an error, so the admin can tell "not published yet" from "could not ask".
 */
export async function lookupTxt(
	domain: string,
	{
		servers = dnsServersFromEnv(),
		timeoutMs = DNS_TIMEOUT_MS
	}: { servers?: string[] | null; timeoutMs?: number } = {}
): Promise<TxtLookup> {
	const resolver = new Resolver({ timeout: Math.min(2_000, timeoutMs), tries: 2 });
	if (servers) resolver.setServers(servers);
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, rejectWith) => {
		timer = setTimeout(() => {
			resolver.cancel();
			rejectWith(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' }));
		}, timeoutMs);
	});
	try {
		const records = await Promise.race([resolver.resolveTxt(domain), timeout]);
		return { records: records.map((chunks) => chunks.join('')) };
	} catch (err) {
		const code = (err as { code?: string }).code;
		if (code === 'ENODATA' || code === 'ENOTFOUND') return { records: [] };
		const reason =
			code === 'ETIMEOUT' || code === 'ECANCELLED'
				? `no answer from DNS within ${Math.round(timeoutMs / 1000)} s`
				: `DNS error ${code ?? (err instanceof Error ? err.message : String(err))}`;
		return { records: [], error: reason };
	} finally {
		clearTimeout(timer);
	}
}
