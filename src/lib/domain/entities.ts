import type { AccountRole } from './roles';

/** A team as the mirror and the mutators see it (R10). */
export interface Team {
	id: string;
	name: string;
	source: 'manual' | 'scim';
}

/** An organization (R9). */
export interface Organization {
	id: string;
	name: string;
}

/** Roles a team link carries into an organization (R10). */
export type TeamOrgRole = 'admin' | 'member';

/** Organization roles, highest first (R9, R11). */
export type OrgRole = 'owner' | 'admin' | 'member';

/** A user of the vendor's API client, as an enterprise sees them (R3). */
export interface User {
	id: string;
	email: string;
	name: string;
}

/** A pending invite (R5). */
export interface Invite {
	id: string;
	email: string;
	role: 'admin' | 'member';
	teamIDs: string[];
	sentAt: number;
	expiresAt: number;
}

/** Who runs a mutation, and when. */
export interface MutationContext {
	userID: string;
	role: AccountRole;
	now: number;
}
