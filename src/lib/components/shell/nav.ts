import { canAccess, type AccountRole, type ConsoleArea } from '../../domain/roles';

/** One entry of the sidebar. */
export interface NavItem {
	area: ConsoleArea;
	label: string;
	path: NavPath;
}

/** The path segment of each console page under `/e/[slug]/`. */
export type NavPath =
	| 'licenses'
	| 'teams'
	| 'organizations'
	| 'domains'
	| 'storage'
	| 'co-owners'
	| 'audit'
	| 'scim'
	| 'settings';

const ITEMS: NavItem[] = [
	{ area: 'licenses', label: 'Licenses', path: 'licenses' },
	{ area: 'teams', label: 'Teams', path: 'teams' },
	{ area: 'organizations', label: 'Organizations', path: 'organizations' },
	{ area: 'domains', label: 'Domains', path: 'domains' },
	{ area: 'storage', label: 'Storage', path: 'storage' },
	{ area: 'co-owners', label: 'Co-owners', path: 'co-owners' },
	{ area: 'audit', label: 'Audit log', path: 'audit' },
	{ area: 'scim', label: 'SCIM', path: 'scim' },
	{ area: 'settings', label: 'Settings', path: 'settings' }
];

/** The sidebar entries a role may use (R2: the UI hides what a role cannot do). */
export function navFor(role: AccountRole): NavItem[] {
	return ITEMS.filter((item) => canAccess(role, item.area));
}
