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

/** What an admin may do to one person from a list of people (R2, R8). */
export type PersonAction = 'removeLicense' | 'removeAdmin' | 'endSessions';

/** The admin looking at a list of people: their role here and their account. */
export interface Viewer {
	role: AccountRole;
	userID: string;
}

/** The person an action would touch: their account (when known) and their role here (if any). */
export interface PersonTarget {
	userID?: string | null;
	email: string;
	/** Their account role here (R2) as the store knows it; only `owner` matters to R8. */
	role?: string | null;
}

/** Why an action on a person is refused: the mutators' code, a message, and a short label for a list. */
export interface PersonRefusal {
	code: 'NOT_PERMITTED' | 'CANNOT_REMOVE_OWNER' | 'CANNOT_REMOVE_SELF';
	message: string;
	/** What a list shows instead of the button ("Owner", "You"); empty when the column is hidden. */
	label: string;
}

const PERSON_ACTIONS: Record<PersonAction, { area: ConsoleArea; ownerOnly?: true }> = {
	removeLicense: { area: 'licenses' },
	removeAdmin: { area: 'co-owners', ownerOnly: true },
	endSessions: { area: 'co-owners', ownerOnly: true }
};

/**
 * The one rule for what a viewer may do to a person (R2, R8): the mutators refuse with it and the
 * lists offer only the actions it allows. The owner keeps their license and role; nobody removes
 * their own license or role, or ends their own sessions from the admins list (they sign out).
 */
export function personActionRefusal(
	viewer: Viewer,
	action: PersonAction,
	target: PersonTarget
): PersonRefusal | null {
	const { area, ownerOnly } = PERSON_ACTIONS[action];
	if (!mayChange(viewer.role, area, ownerOnly)) {
		return {
			code: 'NOT_PERMITTED',
			label: '',
			message:
				action === 'removeLicense'
					? 'Only the owner and co-owners can remove licenses.'
					: 'Only the owner can change admins. Ask the owner.'
		};
	}
	if (target.role === 'owner') {
		return {
			code: 'CANNOT_REMOVE_OWNER',
			label: 'Owner',
			message:
				action === 'removeLicense'
					? `${target.email} is the enterprise owner and keeps their license.`
					: `${target.email} is the owner and keeps every right.`
		};
	}
	if (target.userID != null && target.userID === viewer.userID) {
		return {
			code: 'CANNOT_REMOVE_SELF',
			label: 'You',
			message:
				action === 'removeLicense'
					? 'You cannot remove your own license. Ask the owner or another co-owner.'
					: action === 'removeAdmin'
						? 'You cannot remove your own role.'
						: 'To end your own sessions, sign out.'
		};
	}
	return null;
}

/** Whether a viewer may do `action` to a person: what a list offers (R2, R8). */
export function mayActOn(viewer: Viewer, action: PersonAction, target: PersonTarget): boolean {
	return personActionRefusal(viewer, action, target) === null;
}
