// The attribute characteristics RFC 7643 gives the attributes Roster keeps: §8.7.1 (the User, Group
// and Enterprise User schema representations) and §3.1 (externalId, common to every resource).
// Characteristics the RFC leaves out take their §2.2 defaults (see `withDefaults`).

/** One attribute's characteristics (RFC 7643 §7). */
export interface Characteristics {
	type: 'string' | 'boolean' | 'complex' | 'reference' | 'decimal' | 'integer' | 'dateTime';
	multiValued?: boolean;
	required?: boolean;
	caseExact?: boolean;
	mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
	returned?: 'always' | 'never' | 'default' | 'request';
	uniqueness?: 'none' | 'server' | 'global';
	referenceTypes?: string[];
	canonicalValues?: string[];
}

const str = (more: Partial<Characteristics> = {}): Characteristics => ({ type: 'string', ...more });

/** RFC 7643's attributes by schema URN, then by path (`name.givenName`). */
export const RFC7643: Record<string, Record<string, Characteristics>> = {
	'urn:ietf:params:scim:schemas:core:2.0:User': {
		userName: str({ required: true, uniqueness: 'server' }),
		name: { type: 'complex' },
		'name.formatted': str(),
		'name.familyName': str(),
		'name.givenName': str(),
		displayName: str(),
		active: { type: 'boolean' },
		emails: { type: 'complex', multiValued: true },
		'emails.value': str(),
		'emails.display': str(),
		'emails.type': str({ canonicalValues: ['work', 'home', 'other'] }),
		'emails.primary': { type: 'boolean' },
		externalId: str({ caseExact: true })
	},
	'urn:ietf:params:scim:schemas:core:2.0:Group': {
		displayName: str(),
		members: { type: 'complex', multiValued: true },
		'members.value': str({ mutability: 'immutable' }),
		'members.$ref': {
			type: 'reference',
			mutability: 'immutable',
			referenceTypes: ['User', 'Group']
		},
		'members.type': str({ mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
		externalId: str({ caseExact: true })
	},
	'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
		employeeNumber: str(),
		costCenter: str(),
		organization: str(),
		division: str(),
		department: str(),
		manager: { type: 'complex' },
		'manager.value': str(),
		'manager.$ref': { type: 'reference', referenceTypes: ['User'] },
		'manager.displayName': str({ mutability: 'readOnly' })
	}
};

/**
 * Where Roster's schema says more than the RFC's representation, and why; anything else that
 * differs is a defect.
 */
export const REFINEMENTS: Record<string, Partial<Characteristics>> = {
	// §4.2's text makes displayName REQUIRED (the §8.7.1 listing says false); R26 makes team names
	// unique within an enterprise.
	'urn:ietf:params:scim:schemas:core:2.0:Group:displayName': {
		required: true,
		uniqueness: 'server'
	},
	// §2.4: `display` is a sub-attribute every multi-valued attribute may carry; Roster fills it
	// with the member's email, so clients cannot write it.
	'urn:ietf:params:scim:schemas:core:2.0:Group:members.display': {
		type: 'string',
		mutability: 'readOnly'
	}
};

/** The characteristics with RFC 7643 §2.2's defaults filled in. */
export function withDefaults(c: Partial<Characteristics>): Characteristics {
	const out: Characteristics = {
		type: c.type ?? 'string',
		multiValued: c.multiValued ?? false,
		required: c.required ?? false,
		mutability: c.mutability ?? 'readWrite',
		returned: c.returned ?? 'default',
		uniqueness: c.uniqueness ?? 'none'
	};
	if (out.type === 'string' || out.type === 'reference') out.caseExact = c.caseExact ?? false;
	if (c.referenceTypes) out.referenceTypes = c.referenceTypes;
	if (c.canonicalValues) out.canonicalValues = c.canonicalValues;
	return out;
}
