import { canAccess, type AccountRole, type ConsoleArea } from '../roles';

/**
 * Whether a role may change things in an area (R2): owner and co-owners everywhere, billing only
 * the seat count; `ownerOnly` changes (co-owners) are the owner's alone. Free of the mutators and
 * their schemas, so pages can ask without loading them.
 */
export function mayChange(role: AccountRole, area: ConsoleArea, ownerOnly?: boolean): boolean {
	if (ownerOnly && role !== 'owner') return false;
	return canAccess(role, area) && (role !== 'billing' || area === 'seats');
}
