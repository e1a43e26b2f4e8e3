import { ScimError, scimJson } from './errors';
import {
	ENTERPRISE_USER_SCHEMA,
	GROUP_SCHEMA,
	LIST_SCHEMA,
	MAX_PAGE,
	USER_SCHEMA
} from './resource';

type Json = Record<string, unknown>;

function attr(
	name: string,
	type: string,
	opts: Partial<{
		multiValued: boolean;
		required: boolean;
		caseExact: boolean;
		mutability: string;
		returned: string;
		uniqueness: string;
		subAttributes: Json[];
		referenceTypes: string[];
		canonicalValues: string[];
		description: string;
	}> = {}
): Json {
	return {
		name,
		type,
		multiValued: opts.multiValued ?? false,
		description: opts.description ?? '',
		required: opts.required ?? false,
		// RFC 7643 §7: caseExact applies to strings and references only.
		...(type === 'string' || type === 'reference' ? { caseExact: opts.caseExact ?? false } : {}),
		...(opts.canonicalValues ? { canonicalValues: opts.canonicalValues } : {}),
		...(opts.referenceTypes ? { referenceTypes: opts.referenceTypes } : {}),
		mutability: opts.mutability ?? 'readWrite',
		returned: opts.returned ?? 'default',
		uniqueness: opts.uniqueness ?? 'none',
		...(opts.subAttributes ? { subAttributes: opts.subAttributes } : {})
	};
}

/** A string attribute of the enterprise extension (RFC 7643 §4.3). */
const enterpriseString = (name: string, description: string) =>
	attr(name, 'string', { description });

function schemaResource(
	baseURL: string,
	id: string,
	name: string,
	attributes: Json[],
	description = `${name} as Roster keeps it`
): Json {
	return {
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
		id,
		name,
		description,
		attributes,
		meta: { resourceType: 'Schema', location: `${baseURL}/Schemas/${id}` }
	};
}

function schemas(baseURL: string): Json[] {
	return [
		schemaResource(baseURL, USER_SCHEMA, 'User', [
			attr('userName', 'string', {
				required: true,
				uniqueness: 'server',
				description: "The person's email address, unique case-insensitively"
			}),
			attr('name', 'complex', {
				description: 'Kept as sent; Roster always keeps a name, so it cannot be removed',
				subAttributes: [
					attr('formatted', 'string'),
					attr('familyName', 'string'),
					attr('givenName', 'string')
				]
			}),
			attr('displayName', 'string', {
				description: 'Kept as sent, apart from name.formatted; it cannot be removed'
			}),
			attr('emails', 'complex', {
				multiValued: true,
				description: 'The sign-in email, the only one Roster keeps (type work, primary)',
				subAttributes: [
					attr('value', 'string'),
					attr('type', 'string', { canonicalValues: ['work', 'home', 'other'] }),
					attr('primary', 'boolean')
				]
			}),
			attr('active', 'boolean', { description: 'false removes the license SCIM gave' }),
			attr('externalId', 'string', { caseExact: true })
		]),
		schemaResource(baseURL, GROUP_SCHEMA, 'Group', [
			attr('displayName', 'string', { required: true, uniqueness: 'server' }),
			attr('externalId', 'string', { caseExact: true }),
			attr('members', 'complex', {
				multiValued: true,
				description: 'Users only; adding one takes no seat',
				subAttributes: [
					attr('value', 'string', { mutability: 'immutable' }),
					attr('$ref', 'reference', {
						mutability: 'immutable',
						referenceTypes: ['User', 'Group']
					}),
					attr('type', 'string', {
						mutability: 'immutable',
						canonicalValues: ['User', 'Group']
					}),
					attr('display', 'string', {
						mutability: 'readOnly',
						description: "The member's email"
					})
				]
			})
		]),
		schemaResource(
			baseURL,
			ENTERPRISE_USER_SCHEMA,
			'EnterpriseUser',
			[
				enterpriseString('employeeNumber', 'Kept as sent'),
				enterpriseString('costCenter', 'Kept as sent'),
				enterpriseString('organization', 'Kept as sent'),
				enterpriseString('division', 'Kept as sent'),
				enterpriseString('department', 'Kept as sent'),
				attr('manager', 'complex', {
					description: "The manager's id as the identity provider sent it",
					subAttributes: [
						attr('value', 'string'),
						attr('$ref', 'reference', { referenceTypes: ['User'] }),
						attr('displayName', 'string', { mutability: 'readOnly' })
					]
				})
			],
			'Enterprise User, kept as the identity provider sends it'
		)
	];
}

function resourceTypes(baseURL: string): Json[] {
	return [
		{
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
			id: 'User',
			name: 'User',
			endpoint: '/Users',
			description: 'People with a license in the enterprise',
			schema: USER_SCHEMA,
			schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
			meta: { resourceType: 'ResourceType', location: `${baseURL}/ResourceTypes/User` }
		},
		{
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
			id: 'Group',
			name: 'Group',
			endpoint: '/Groups',
			description: 'Teams provisioned by SCIM',
			schema: GROUP_SCHEMA,
			meta: { resourceType: 'ResourceType', location: `${baseURL}/ResourceTypes/Group` }
		}
	];
}

function list(resources: Json[]): Json {
	return {
		schemas: [LIST_SCHEMA],
		totalResults: resources.length,
		startIndex: 1,
		itemsPerPage: resources.length,
		Resources: resources
	};
}

/** `GET /Schemas` and `GET /Schemas/:id` (RFC 7643 §7). */
export function getSchemas(baseURL: string, id?: string): Response {
	const all = schemas(baseURL);
	if (id === undefined) return scimJson(list(all));
	const found = all.find((s) => s.id === id);
	if (!found) throw new ScimError(404, `Schema ${id.slice(0, 200)} not found`);
	return scimJson(found);
}

/** `GET /ResourceTypes` and `GET /ResourceTypes/:id` (RFC 7643 §6). */
export function getResourceTypes(baseURL: string, id?: string): Response {
	const all = resourceTypes(baseURL);
	if (id === undefined) return scimJson(list(all));
	const found = all.find((s) => s.id === id);
	if (!found) throw new ScimError(404, `ResourceType ${id.slice(0, 200)} not found`);
	return scimJson(found);
}

/** `GET /ServiceProviderConfig` (RFC 7643 §5): what this server supports. */
export function getServiceProviderConfig(baseURL: string): Response {
	return scimJson({
		schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
		documentationUri: `${baseURL.replace(/\/scim\/v2$/, '')}/`,
		patch: { supported: true },
		bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
		filter: { supported: true, maxResults: MAX_PAGE },
		changePassword: { supported: false },
		sort: { supported: false },
		etag: { supported: false },
		authenticationSchemes: [
			{
				type: 'oauthbearertoken',
				name: 'Bearer token',
				description: 'A token generated on the SCIM page of the Roster console',
				primary: true
			}
		],
		meta: { resourceType: 'ServiceProviderConfig', location: `${baseURL}/ServiceProviderConfig` }
	});
}
