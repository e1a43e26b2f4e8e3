/** Whether `domain` is `root` or one of its subdomains (R13, R15). */
export function isWithin(domain: string, root: string): boolean {
	return domain === root || domain.endsWith(`.${root}`);
}

/** Whether a domain counts as verified: itself, or a verified root above it (R13). */
export function isEffectivelyVerified(domain: string, verifiedDomains: readonly string[]): boolean {
	return verifiedDomains.some((root) => isWithin(domain, root));
}
