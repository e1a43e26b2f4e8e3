import { hasControlCharacter, NO_CONTROL_CHARACTERS, plural, timeAgo } from './text';

/** Whether `domain` is `root` or one of its subdomains (R13, R15). */
export function isWithin(domain: string, root: string): boolean {
	return domain === root || domain.endsWith(`.${root}`);
}

/** Whether a domain counts as verified: itself, or a verified root above it (R13). */
export function isEffectivelyVerified(domain: string, verifiedDomains: readonly string[]): boolean {
	return verifiedDomains.some((root) => isWithin(domain, root));
}

/** The most a domain name may be (RFC 1035). */
export const MAX_DOMAIN_LENGTH = 253;

/** The TXT value an admin publishes to prove they control a domain (R13). */
export const VERIFICATION_PREFIX = 'roster-verification=';

/** A domain as the mutators see it (R13, R14). */
export interface DomainState {
	id: string;
	domain: string;
	/** `roster-verification=<32 hex>`; null in the browser until the server's value arrives. */
	verificationValue: string | null;
	verifiedAt: number | null;
	captureEnabled: boolean;
	/** R13: the last DNS check of an unverified domain; null before the first. */
	lastCheck?: DomainCheck | null;
	/** R13: until when Roster re-checks DNS for this pending verification; null when it does not. */
	recheckUntil?: number | null;
}

/** What the last DNS check of an unverified domain found (R13): when, the records, or an error. */
export interface DomainCheck {
	at: number;
	records: string[];
	error: string | null;
}

/** R13 decision: a pending verification is re-checked every 10 minutes… */
export const RECHECK_EVERY_MS = 10 * 60_000;
/** …for 48 hours after the admin last asked to verify. */
export const RECHECK_FOR_MS = 48 * 3_600_000;

/** What a DNS TXT lookup found for a name: the records (each joined from its strings), or an error. */
export interface TxtLookup {
	records: string[];
	/** Why no answer came (a timeout, a refused query); absent when DNS answered, even with none. */
	error?: string;
	/** DNS was not asked: the enterprise used up its lookups for now (R13); try again in a minute. */
	limited?: boolean;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Top-level names for private networks and special uses (RFC 6761, 6762, 7686, 9476, ICANN's
 * .internal, and the name-collision .home/.corp/.lan), which public DNS never delegates: verifying
 * them would only make the server read internal TXT records (R13).
 */
const INTERNAL_TLDS = new Set([
	'localhost',
	'local',
	'internal',
	'invalid',
	'arpa',
	'onion',
	'alt',
	'home',
	'corp',
	'lan'
]);

/**
 * Normalises what an admin typed as a domain (R13): trimmed, lower-case, internationalised names in
 * their ASCII (punycode) form, no trailing dot; or says what is wrong with it.
 */
export function normalizeDomain(
	input: string
): { ok: true; domain: string } | { ok: false; message: string } {
	if (hasControlCharacter(input)) {
		return { ok: false, message: `A domain name ${NO_CONTROL_CHARACTERS}. Type it again.` };
	}
	const raw = input.trim().replace(/\.$/, '');
	if (!raw) return { ok: false, message: 'Enter a domain name such as example.com.' };
	if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || /[/:?#@\\\s]/.test(raw)) {
		return {
			ok: false,
			message:
				'Enter the domain name only, such as example.com: without scheme, path, port or spaces.'
		};
	}
	let host: string;
	try {
		host = new URL(`http://${raw}`).hostname;
	} catch {
		return {
			ok: false,
			message: `“${raw}” is not a valid domain name. Enter one such as example.com.`
		};
	}
	if (host.length > MAX_DOMAIN_LENGTH) {
		return {
			ok: false,
			message: `A domain name is at most ${MAX_DOMAIN_LENGTH} characters. Enter a shorter one.`
		};
	}
	const labels = host.split('.');
	if (labels.length < 2) {
		return {
			ok: false,
			message: 'Enter a full domain name with at least two labels, such as example.com.'
		};
	}
	if (!labels.every((l) => LABEL.test(l))) {
		return {
			ok: false,
			message:
				'Each part of a domain is 1–63 letters, digits or hyphens, not starting or ending with a hyphen. Correct the name and try again.'
		};
	}
	const tld = labels[labels.length - 1]!;
	if (/^\d+$/.test(tld)) {
		return {
			ok: false,
			message: 'An IP address is not a domain. Enter a domain name such as example.com.'
		};
	}
	if (INTERNAL_TLDS.has(tld)) {
		return {
			ok: false,
			message: `.${tld} names are for internal networks. Enter a domain published in public DNS, such as example.com.`
		};
	}
	return { ok: true, domain: host };
}

/** Domains an email address is on: its own and every parent of it, e.g. a.b.c → a.b.c, b.c (R15). */
export function emailDomain(email: string): string {
	return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * The domain row that captures an email (R14), or null: the most specific row the email is on or
 * under decides. It captures when its own setting is on and it is effectively verified; a subdomain
 * with a row of its own follows that row (Off stays off under a capturing parent), one without
 * follows its nearest parent's row.
 */
export function capturingDomain<
	D extends Pick<DomainState, 'domain' | 'verifiedAt' | 'captureEnabled'>
>(domains: readonly D[], email: string): D | null {
	const host = emailDomain(email);
	let nearest: D | null = null;
	for (const d of domains) {
		if (isWithin(host, d.domain) && (!nearest || d.domain.length > nearest.domain.length))
			nearest = d;
	}
	if (!nearest?.captureEnabled) return null;
	const roots = domains.filter((d) => d.verifiedAt != null).map((d) => d.domain);
	return isEffectivelyVerified(nearest.domain, roots) ? nearest : null;
}

/**
 * Of the effectively verified domains, the ones not inside another: together they cover every
 * unclaimed account exactly once, since a subdomain's accounts are also its root's (R15).
 */
export function outermostVerified(
	domains: readonly string[],
	verifiedDomains: readonly string[]
): string[] {
	const effective = domains.filter((d) => isEffectivelyVerified(d, verifiedDomains));
	return effective.filter((d) => !effective.some((o) => o !== d && isWithin(d, o)));
}

/**
 * How many distinct people are unmanaged, from per-domain unclaimed counts (null: not verified): each
 * person once, unlike R15's per-domain sum, which counts a subdomain's people for its root too.
 */
export function distinctUnmanagedCount(
	domains: readonly { domain: string; unclaimedCount: number | null }[]
): number {
	const counted = domains.filter((d) => d.unclaimedCount != null);
	return counted
		.filter((d) => !counted.some((o) => o !== d && isWithin(d.domain, o.domain)))
		.reduce((n, d) => n + (d.unclaimedCount ?? 0), 0);
}

/** The most specific of `domains` an email is on (itself or a parent of it), or null (R15). */
export function matchedDomain(email: string, domains: readonly string[]): string | null {
	const own = emailDomain(email);
	let best: string | null = null;
	for (const d of domains) if (isWithin(own, d) && (!best || d.length > best.length)) best = d;
	return best;
}

/** What the domains page says about a pending verification (R13), or null when there is nothing to say. */
export function pendingVerificationText(
	d: Pick<DomainState, 'domain' | 'verifiedAt' | 'lastCheck' | 'recheckUntil'>,
	now: number
): { status: string; lastChecked: string | null } | null {
	if (d.verifiedAt != null || (d.recheckUntil == null && !d.lastCheck)) return null;
	const rechecking = d.recheckUntil != null && d.recheckUntil > now;
	const schedule = rechecking
		? `Roster re-checks every ${plural(RECHECK_EVERY_MS / 60_000, 'minute')} for ${plural(RECHECK_FOR_MS / 3_600_000, 'hour')}.`
		: 'Roster has stopped re-checking: check the record, then choose Verify domain.';
	const check = d.lastCheck;
	const lastChecked = check ? `Last checked ${timeAgo(check.at, now)}.` : null;
	if (!check)
		return {
			status: `Roster will look up the TXT record of ${d.domain} shortly. ${schedule}`,
			lastChecked
		};
	if (check.error)
		return {
			status: `Could not ask DNS about ${d.domain} (${check.error}). ${schedule}`,
			lastChecked
		};
	const found = check.records.length
		? ` (found: ${check.records.map((r) => `“${r}”`).join(', ')})`
		: '';
	return {
		status: `No TXT record found yet for ${d.domain}${found} — DNS changes can take up to an hour; ${schedule}`,
		lastChecked
	};
}
