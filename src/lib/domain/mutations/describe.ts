// Types only from the mutators: descriptions ship with the console's first pages, zod does not.
import type { MutationArgs, MutationName } from './types';
import { plural } from '../text';

/** Names the admin can recognise, looked up from the mirror. */
export interface IntentLookups {
	teamName?(id: string): string | undefined;
	userEmail?(id: string): string | undefined;
	orgName?(id: string): string | undefined;
	inviteEmail?(id: string): string | undefined;
	domainName?(id: string): string | undefined;
}

/** A field of mutation N's args. */
type ArgKey<N extends MutationName> = keyof MutationArgs<N> & string;

/**
 * What a description reads: the args as stored in the outbox or a rejection (so checked at run
 * time, never trusted to match the schema), and the names the mirror gives them.
 */
interface Reader<N extends MutationName> {
	/** A text field of the args, else undefined. */
	text(key: ArgKey<N>): string | undefined;
	/** Any field of the args, as stored. */
	value(key: ArgKey<N>): unknown;
	team(): string;
	user(): string;
	org(): string;
	invite(): string;
	domain(): string;
}

/**
 * Each mutation's words for the admin's intent ("Invite bob@acme.test"). Keyed by every
 * MutationName: a new mutation without a description does not compile.
 */
export type Descriptions = { [N in MutationName]: (r: Reader<N>) => string };

/** "37 people", "1 person", "the selected people": the size of a bulk change's list. */
function people(ids: unknown): string {
	const n = Array.isArray(ids) ? ids.length : undefined;
	return n === undefined
		? 'the selected people'
		: `${n.toLocaleString('en-US')} ${n === 1 ? 'person' : 'people'}`;
}

const descriptions: Descriptions = {
	createTeam: (r) => `Create team “${r.text('name') ?? ''}”`,
	renameTeam: (r) => `Rename ${r.team()} to “${r.text('name') ?? ''}”`,
	deleteTeam: (r) => `Delete ${r.team()}`,
	addTeamMember: (r) => `Add ${r.user()} to ${r.team()}`,
	removeTeamMember: (r) => `Remove ${r.user()} from ${r.team()}`,
	removeLicense: (r) => `Remove the license of ${r.user()}`,
	removeLicenses: (r) => `Remove the licenses of ${people(r.value('userIDs'))}`,
	addTeamMembers: (r) => `Add ${people(r.value('userIDs'))} to ${r.team()}`,
	inviteUser: (r) => `Invite ${r.text('email') ?? 'someone'}`,
	createOrg: (r) => `Create organization “${r.text('name') ?? ''}”`,
	renameOrg: (r) => `Rename ${r.org()} to “${r.text('name') ?? ''}”`,
	deleteOrg: (r) => `Delete ${r.org()}`,
	linkTeamToOrg: (r) => `Link ${r.team()} to ${r.org()} as ${r.text('role') ?? 'member'}`,
	unlinkTeamFromOrg: (r) => `Unlink ${r.team()} from ${r.org()}`,
	resendInvite: (r) => `Resend ${r.invite()}`,
	changeInviteRole: (r) => `Make ${r.invite()} ${r.text('role') ?? 'member'}`,
	revokeInvite: (r) => `Revoke ${r.invite()}`,
	setSeatCount: (r) => {
		const seats = r.value('seats');
		return `Set the seat count to ${typeof seats === 'number' ? seats.toLocaleString('en-US') : '?'}`;
	},
	setActivityThresholds: (r) =>
		`Set the activity report to active within ${String(r.value('activeDays') ?? '?')} days and N/A after ${String(r.value('naAfterDays') ?? '?')} days`,
	addDomain: (r) => `Add domain ${r.text('domain') ?? ''}`,
	verifyDomain: (r) => `Verify ${r.domain()}`,
	deleteDomain: (r) => `Delete ${r.domain()}`,
	setDomainCapture: (r) =>
		r.value('enabled') ? 'Turn domain capture on' : 'Turn domain capture off',
	claimAccounts: (r) => {
		const n = (r.value('userIDs') as unknown[] | undefined)?.length;
		return n === undefined
			? 'Claim the selected unclaimed accounts'
			: `Claim ${plural(n, 'unclaimed account')}`;
	},
	addCoOwner: (r) =>
		`Make ${r.text('email') ?? 'someone'} ${r.text('role') === 'billing' ? 'a billing admin' : 'a co-owner'}`,
	removeCoOwner: (r) => `Remove the console role of ${r.text('email') ?? 'someone'}`,
	setStoragePolicy: (r) =>
		`Change the storage policy of ${r.text('orgID') ? r.org() : 'the enterprise'}`,
	clearStoragePolicyOverride: (r) => `Use the global storage rule for ${r.org()}`
};

function isDescribed(name: string): name is MutationName {
	return Object.hasOwn(descriptions, name);
}

/** Words a queued or rejected mutation as the admin's intent ("Invite bob@acme.test"). */
export function describeIntent(name: string, args: unknown, lookups: IntentLookups = {}): string {
	if (!isDescribed(name)) return name;
	const value = (key: string): unknown => (args as Record<string, unknown> | null)?.[key];
	const text = (key: string): string | undefined => {
		const v = value(key);
		return typeof v === 'string' ? v : undefined;
	};
	const reader = {
		text,
		value,
		team: () => {
			const id = text('teamID');
			return (id && lookups.teamName?.(id)) ?? 'a team';
		},
		user: () => {
			const id = text('userID');
			return (id && lookups.userEmail?.(id)) ?? 'a user';
		},
		org: () => {
			const id = text('orgID');
			return (id && lookups.orgName?.(id)) ?? 'an organization';
		},
		invite: () => {
			const id = text('inviteID');
			return `the invite of ${(id && lookups.inviteEmail?.(id)) ?? 'someone'}`;
		},
		domain: () => {
			const id = text('domainID');
			return (id && lookups.domainName?.(id)) ?? 'a domain';
		}
	};
	return descriptions[name](reader);
}

/** The argument an admin may edit before retrying a rejected mutation, by mutation. */
const editable: { [N in MutationName]?: { key: ArgKey<N>; label: string } } = {
	inviteUser: { key: 'email', label: 'Email' },
	createTeam: { key: 'name', label: 'Team name' },
	renameTeam: { key: 'name', label: 'Team name' },
	createOrg: { key: 'name', label: 'Organization name' },
	renameOrg: { key: 'name', label: 'Organization name' }
};

/** Which argument an admin edits before retrying a rejected mutation, if any. */
export function editableArg(name: string): { key: string; label: string } | null {
	const field = isDescribed(name) ? editable[name] : undefined;
	return field ? { ...field } : null;
}

/**
 * Refusals that sending the same change again cannot turn into success (the person or team is
 * gone, the role may not, the name is taken): they offer Discard, and Edit where a field can change.
 */
const FINAL_CODES: ReadonlySet<string> = new Set([
	'NOT_PERMITTED',
	'NOT_FOUND',
	'ALREADY_EXISTS',
	'INVALID_ARGS',
	'CANNOT_REMOVE_OWNER',
	'CANNOT_REMOVE_SELF',
	'UNKNOWN_MUTATION',
	'SCIM_MANAGED'
]);

/** Whether a refused change may succeed if sent again unchanged (seats bought, DNS published…). */
export function mayRetry(code: string): boolean {
	return !FINAL_CODES.has(code);
}

/**
 * The page where a refused change is an expected outcome, told where the admin acted rather than
 * as a server refusal on every page: admins' changes on the co-owners page, verifications on the
 * domains page. Null: the change is listed among the sync issues.
 */
export function rejectionPage(name: string): 'co-owners' | 'domains' | null {
	if (name === 'addCoOwner' || name === 'removeCoOwner') return 'co-owners';
	if (name === 'verifyDomain') return 'domains';
	return null;
}
