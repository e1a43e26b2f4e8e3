import { createHash } from 'node:crypto';

/** The stored form of a bearer token such as a SCIM token (R23: stored hashed, never in clear). */
export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}
