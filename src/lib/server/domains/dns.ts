import { Resolver } from 'node:dns/promises';
import type { TxtLookup } from '../../domain/domains';

/** How long a verification may wait for DNS before it says so (R13). */
export const DNS_TIMEOUT_MS = 5_000;

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
