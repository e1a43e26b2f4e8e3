/** The lifetimes an admin can give a SCIM token (R23). */
export const TOKEN_EXPIRIES = ['30d', '90d', '180d', '1y', '2y', 'never'] as const;

/** One of the token lifetimes of R23. */
export type TokenExpiry = (typeof TOKEN_EXPIRIES)[number];

/** How each lifetime reads in the console. */
export const TOKEN_EXPIRY_LABELS: Record<TokenExpiry, string> = {
	'30d': '30 days',
	'90d': '90 days',
	'180d': '180 days',
	'1y': '1 year',
	'2y': '2 years',
	never: 'Never'
};

/** The console warns about a token from this many days before it expires (R23). */
export const EXPIRY_WARNING_DAYS = 20;

/** The request log keeps this many requests per enterprise (R23). */
export const REQUEST_LOG_SIZE = 100;

/** A token's metadata as the console lists it; the secret itself is never stored (R23). */
export interface ScimTokenInfo {
	id: string;
	createdAt: number;
	expiresAt: number | null;
	lastUsedAt: number | null;
	expired: boolean;
	/** Within 20 days of expiry and not yet expired (R23). */
	expiresSoon: boolean;
}

/** A SCIM request as the console's log shows it (R23). */
export interface ScimRequestInfo {
	id: number;
	method: string;
	path: string;
	status: number;
	at: number;
}

/** Everything the console's SCIM page shows (`GET /api/enterprises/:id/scim`). */
export interface ScimOverview {
	enabled: boolean;
	hasVerifiedDomain: boolean;
	tokens: ScimTokenInfo[];
	requests: ScimRequestInfo[];
	/** `https://host/scim/v2`: what the IdP is configured with; rotating tokens keeps it. */
	baseURL: string;
}

/** What the IdP is handed when a token is made: the secret, once (R23). */
export interface IssuedToken {
	token: string;
	info: ScimTokenInfo;
	baseURL: string;
}
