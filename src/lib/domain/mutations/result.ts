/** Business rejection codes a mutation can end with (ARCHITECTURE.md: errors are values). */
export type RejectionCode =
	| 'NEEDS_TO_INCREASE_SEATS'
	| 'NOT_PERMITTED'
	| 'NOT_FOUND'
	| 'ALREADY_EXISTS'
	| 'INVALID_ARGS'
	| 'CANNOT_REMOVE_OWNER'
	| 'CANNOT_REMOVE_SELF'
	| 'UNKNOWN_MUTATION'
	| 'CONFLICT'
	| 'SEATS_IN_USE'
	| 'VERIFICATION_FAILED'
	| 'DOMAIN_NOT_VERIFIED'
	| 'TRY_AGAIN_LATER'
	| 'SCIM_MANAGED';

/** What applying a mutation came to. */
export type MutationResult =
	| { ok: true }
	| { ok: false; code: RejectionCode; message: string; details?: Record<string, unknown> };

/** A successful result. */
export const OK: MutationResult = { ok: true };

/** A rejection with a message an admin can act on. */
export function reject(
	code: RejectionCode,
	message: string,
	details?: Record<string, unknown>
): MutationResult {
	return details ? { ok: false, code, message, details } : { ok: false, code, message };
}
