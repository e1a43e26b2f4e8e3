/** Account roles an admin can hold in an enterprise (R2). */
export const ACCOUNT_ROLES = ['owner', 'co-owner', 'billing', 'member'] as const;

/** One of the account roles of R2. */
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

/** Console areas, used to decide what a role sees and may change (R2). */
export type ConsoleArea =
	| 'licenses'
	| 'reports'
	| 'seats'
	| 'teams'
	| 'organizations'
	| 'domains'
	| 'storage'
	| 'co-owners'
	| 'audit'
	| 'scim'
	| 'settings';

const BILLING_AREAS: ReadonlySet<ConsoleArea> = new Set([
	'licenses',
	'reports',
	'seats',
	'settings'
]);

/** Whether a role may open the console at all: members may not (R2). */
export function canUseConsole(role: AccountRole | null | undefined): boolean {
	return role === 'owner' || role === 'co-owner' || role === 'billing';
}

/** Whether a role may use a console area: owner and co-owners everything, billing a few (R2). */
export function canAccess(role: AccountRole | null | undefined, area: ConsoleArea): boolean {
	if (role === 'owner' || role === 'co-owner') return true;
	if (role === 'billing') return BILLING_AREAS.has(area);
	return false;
}

/** Whether a role may add or remove co-owners: only the owner (R2). */
export function canManageCoOwners(role: AccountRole | null | undefined): boolean {
	return role === 'owner';
}

/** Whether a value is one of the account roles. */
export function isAccountRole(value: unknown): value is AccountRole {
	return typeof value === 'string' && (ACCOUNT_ROLES as readonly string[]).includes(value);
}

/** The role of a team in an organization or of an invite, as a select offers it; null for any other text. */
export function memberOrAdmin(value: string): 'member' | 'admin' | null {
	return value === 'member' || value === 'admin' ? value : null;
}

const ROLE_PEOPLE: Record<AccountRole, string> = {
	owner: 'The owner',
	'co-owner': 'Co-owners',
	billing: 'Billing admins',
	member: 'Members'
};

/** What a page says to a role that may not open it (R2), in plain words. */
export function noAccessMessage(role: AccountRole, what: string): string {
	return `${ROLE_PEOPLE[role]} cannot open ${what}. Ask the enterprise owner if you need it.`;
}
