/** The `scimType` values of RFC 7644 §3.12 this server answers with. */
export type ScimType =
	| 'invalidFilter'
	| 'tooMany'
	| 'uniqueness'
	| 'mutability'
	| 'invalidSyntax'
	| 'invalidPath'
	| 'noTarget'
	| 'invalidValue'
	| 'invalidVers'
	| 'sensitive';

/** The content type of every SCIM response (RFC 7644 §3.1). */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** The schema URN of SCIM error bodies. */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A failure a SCIM handler answers with an RFC 7644 §3.12 error body. */
export class ScimError extends Error {
	constructor(
		readonly status: number,
		readonly detail: string,
		readonly scimType?: ScimType
	) {
		super(detail);
	}
}

/** A SCIM JSON response. */
export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}) {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers }
	});
}

/** The response for a ScimError: `{schemas, status, scimType?, detail}` (status as a string). */
export function scimErrorResponse(err: ScimError): Response {
	const body: Record<string, unknown> = {
		schemas: [ERROR_SCHEMA],
		status: String(err.status),
		detail: err.detail
	};
	if (err.scimType) body.scimType = err.scimType;
	const headers: Record<string, string> = {};
	if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="roster-scim"';
	return scimJson(body, err.status, headers);
}
