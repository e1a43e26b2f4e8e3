/** Where an admin goes after signing in when `next` is missing or leads elsewhere. */
export const DEFAULT_LANDING = '/';

/**
 * The page of this console that `next` (from `/login?next=…`) names, as a path, or the default
 * landing. `next` is resolved against `origin` the way a browser resolves a Location header
 * (backslashes read as slashes, tabs and newlines dropped), so `/\evil.example` or `/\t/evil.example`
 * are seen for the other hosts they are; only a path on this origin is kept.
 */
export function safeNext(next: string | null | undefined, origin: string): string {
	if (!next) return DEFAULT_LANDING;
	let target: URL;
	try {
		target = new URL(next, origin);
	} catch {
		return DEFAULT_LANDING;
	}
	if (target.origin !== new URL(origin).origin) return DEFAULT_LANDING;
	const path = target.pathname + target.search + target.hash;
	// A path that itself starts with two slashes (`/.//evil.example` resolves to `//evil.example`)
	// would be read as another host once it is a Location again.
	return path.startsWith('/') && !path.startsWith('//') ? path : DEFAULT_LANDING;
}
