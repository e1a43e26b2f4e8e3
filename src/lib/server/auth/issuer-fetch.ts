import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// The server fetches an IdP's discovery document, keys and token endpoint at URLs an owner typed (or
// the IdP's metadata names). Unchecked, that reaches anything the server can: the cloud metadata
// service, a database admin page on the private network, the server itself. So every request to an
// IdP goes through `issuerFetch`, which refuses private, loopback, link-local and other special
// addresses, checked on the addresses the connection actually uses (after DNS resolution, so a
// name that resolves, or later re-resolves, to such an address is refused too). Loopback is allowed
// with SSO_ALLOW_LOOPBACK_ISSUER=true (an IdP on the same machine, as in the tests).

/** The largest IdP answer read (discovery documents and key sets are a few kB). */
const MAX_BODY_BYTES = 1024 * 1024;

const special = new BlockList();
for (const [net, prefix] of [
	['0.0.0.0', 8], // "this network"
	['10.0.0.0', 8], // private
	['100.64.0.0', 10], // carrier-grade NAT
	['169.254.0.0', 16], // link-local (cloud metadata services)
	['172.16.0.0', 12], // private
	['192.0.0.0', 24], // IETF protocol assignments
	['192.0.2.0', 24], // documentation
	['192.168.0.0', 16], // private
	['198.18.0.0', 15], // benchmarking
	['198.51.100.0', 24], // documentation
	['203.0.113.0', 24], // documentation
	['192.88.99.0', 24], // 6to4 relay anycast
	['224.0.0.0', 4], // multicast
	['240.0.0.0', 4] // reserved, broadcast
] as const) {
	special.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
	['::', 128], // unspecified
	['64:ff9b::', 96], // IPv4/IPv6 translation
	['64:ff9b:1::', 48], // IPv4/IPv6 translation, local use
	['2001::', 32], // Teredo (tunnels to an IPv4 address)
	['2002::', 16], // 6to4 (tunnels to an IPv4 address)
	['100::', 64], // discard
	['2001:db8::', 32], // documentation
	['fc00::', 7], // unique local (private)
	['fe80::', 10], // link-local
	['ff00::', 8] // multicast
] as const) {
	special.addSubnet(net, prefix, 'ipv6');
}
// IPv6 outside global unicast (2000::/3) is special in one way or another (IPv4-compatible ::/96,
// site-local fec0::/10, …): refused whole rather than listed.
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Whether IdP requests may go to loopback addresses (SSO_ALLOW_LOOPBACK_ISSUER=true). */
export function loopbackIssuerAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
	return env.SSO_ALLOW_LOOPBACK_ISSUER?.trim() === 'true';
}

/**
 * Why `address` (an IP) may not be reached for an IdP, or null when it may: 'loopback' or
 * 'private' (private, link-local and every other special-purpose range).
 */
export function refusedAddress(
	address: string,
	allowLoopback = loopbackIssuerAllowed()
): 'loopback' | 'private' | null {
	let ip = address.replace(/^\[|\]$/g, '');
	let family = isIP(ip);
	if (family === 0) return 'private';
	// An IPv4 address written as IPv6 (::ffff:127.0.0.1) is the IPv4 address.
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
	if (mapped) {
		ip = mapped[1]!;
		family = 4;
	}
	const type = family === 4 ? 'ipv4' : 'ipv6';
	if (loopback.check(ip, type)) return allowLoopback ? null : 'loopback';
	if (type === 'ipv6' && !globalUnicast.check(ip, type)) return 'private';
	return special.check(ip, type) ? 'private' : null;
}

/** A request to an IdP refused for the address it would reach. */
export class RefusedAddressError extends Error {
	constructor(
		readonly host: string,
		readonly address: string
	) {
		super(
			`The identity provider's address ${host === address ? `${host} is` : `${host} leads to ${address},`} on a private, loopback or link-local network. Roster does not contact such addresses: use the identity provider's public address.`
		);
	}
}

/** `dns.lookup` that refuses special addresses: used by the connection itself, so no re-resolution escapes it. */
function guardedLookup(allowLoopback: boolean): LookupFunction {
	return (hostname, options, callback) => {
		dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
			if (err) return callback(err, '', 0);
			const refused = addresses.find((a) => refusedAddress(a.address, allowLoopback) !== null);
			if (refused) return callback(new RefusedAddressError(hostname, refused.address), '', 0);
			if (options.all)
				return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
			const first = addresses[0];
			if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
			callback(null, first.address, first.family);
		});
	};
}

/** A request as openid-client's `customFetch` hands it over. */
export interface IssuerRequest {
	method?: string;
	headers?: Record<string, string>;
	body?: string | URLSearchParams | Uint8Array | ArrayBuffer | ReadableStream | null;
	signal?: AbortSignal | null;
}

/**
 * A `fetch` for openid-client's `customFetch`: plain http(s) requests, no redirects followed, to
 * public addresses only (see above). Answers a Fetch API Response.
 */
export function issuerFetch(
	allowLoopback = loopbackIssuerAllowed()
): (url: string, init: IssuerRequest) => Promise<Response> {
	return async (url, init) => {
		const target = new URL(url);
		if (target.protocol !== 'https:' && target.protocol !== 'http:') {
			throw new TypeError(`only http and https are fetched, not ${target.protocol}`);
		}
		const host = target.hostname.replace(/^\[|\]$/g, '');
		// An address in the URL is not looked up, so it is checked here.
		if (isIP(host) && refusedAddress(host, allowLoopback)) {
			throw new RefusedAddressError(host, host);
		}
		const body =
			init.body == null
				? undefined
				: typeof init.body === 'string'
					? init.body
					: init.body instanceof URLSearchParams
						? init.body.toString()
						: Buffer.from(await new Response(init.body as BodyInit).arrayBuffer());
		const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
		return new Promise<Response>((resolve, reject) => {
			const req = send(
				target,
				{
					method: init.method ?? 'GET',
					headers: init.headers ?? {},
					lookup: guardedLookup(allowLoopback),
					signal: init.signal ?? undefined
				},
				(res: IncomingMessage) => {
					const chunks: Buffer[] = [];
					let size = 0;
					res.on('data', (chunk: Buffer) => {
						size += chunk.length;
						if (size > MAX_BODY_BYTES) {
							res.destroy(new Error('the identity provider answered more than 1 MB'));
							return;
						}
						chunks.push(chunk);
					});
					res.on('error', reject);
					res.on('end', () => {
						const responseHeaders = new Headers();
						for (const [name, value] of Object.entries(res.headers)) {
							if (value === undefined) continue;
							for (const v of Array.isArray(value) ? value : [value])
								responseHeaders.append(name, v);
						}
						const status = res.statusCode ?? 502;
						const empty = status === 204 || status === 304 || (status >= 100 && status < 200);
						resolve(
							new Response(empty ? null : Buffer.concat(chunks), {
								status,
								statusText: res.statusMessage,
								headers: responseHeaders
							})
						);
					});
				}
			);
			req.on('error', reject);
			req.end(body);
		});
	};
}

/** The refused address behind an error, if a refusal is what it is (openid-client may wrap it). */
export function refusalIn(err: unknown): RefusedAddressError | null {
	for (let e = err, depth = 0; e && depth < 5; depth++) {
		if (e instanceof RefusedAddressError) return e;
		e = (e as { cause?: unknown }).cause;
	}
	return null;
}
