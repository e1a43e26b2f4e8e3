import type { Invite, Team } from '../entities';
import type { DomainCheck } from '../domains';
import { canAccess, type AccountRole, type ConsoleArea } from '../roles';

/** A licensed user in the mirror (R4). */
export interface MirrorLicense {
	id: string;
	email: string;
	name: string;
	lastActiveAt: number | null;
	/** The license's number, which pulled Last Active changes name it by (absent until the server's row). */
	seq?: number;
	/** How the license was given (absent from rows pulled before the server sent it: shown as unknown). */
	source?: LicenseSource;
	/** When the license was given, epoch ms (absent like `source`). */
	since?: number;
}

/** How a person got their license: an accepted invite, the console (a claim or a team), SCIM, domain capture, or imported data. */
export type LicenseSource = 'console' | 'scim' | 'capture' | 'invite' | 'seed';

/** The enterprise row of the mirror. */
export interface MirrorEnterprise {
	id: string;
	name: string;
	slug: string;
	seats: number;
	/** Report thresholds (R20): active within this many days; absent from older servers (90). */
	activeDays?: number;
	/** N/A after more than this many days; absent from older servers (100). */
	naAfterDays?: number;
}

/** A team membership in the mirror, keyed `teamID:userID`. */
export interface MirrorTeamMember {
	key: string;
	teamID: string;
	userID: string;
}

/** An organization in the mirror (R9). */
export interface MirrorOrganization {
	id: string;
	name: string;
}

/** A user's direct membership of an organization with its role (R9, R11), keyed `orgID:userID`. */
export interface MirrorOrgMember {
	key: string;
	orgID: string;
	userID: string;
	role: 'owner' | 'admin' | 'member';
}

/** A team's link to an organization with its role (R10), keyed `teamID:orgID`. */
export interface MirrorTeamOrgLink {
	key: string;
	teamID: string;
	orgID: string;
	role: 'admin' | 'member';
}

/**
 * A domain in the mirror (R13–R15). The server computes `effectiveVerified` (itself or a verified
 * parent) and `unclaimedCount` (null while unverified); `verificationValue` is null until the
 * server's value arrives.
 */
export interface MirrorDomain {
	id: string;
	domain: string;
	verificationValue: string | null;
	verifiedAt: number | null;
	effectiveVerified: boolean;
	captureEnabled: boolean;
	unclaimedCount: number | null;
	/** R13: what the last DNS check of a pending verification found (absent from older servers). */
	lastCheck?: DomainCheck | null;
	/** R13: until when the server re-checks DNS on its own. */
	recheckUntil?: number | null;
}

/**
 * A storage rule in the mirror (R17): the global rule (key `global`, orgID null) or an
 * organization's override (key = orgID).
 */
export interface MirrorStoragePolicy {
	key: string;
	orgID: string | null;
	local: boolean;
	cloud: boolean;
	git: boolean;
}

/** An admin with a console role (R2), keyed by lower-case email; userID '' until the server's arrives. */
export interface MirrorAdmin {
	email: string;
	userID: string;
	name: string;
	role: 'owner' | 'co-owner' | 'billing';
}

/** How the mirror holds one table: its primary key, who sees it, and what else a deletion takes. */
interface MirrorTableDef<Row> {
	/** The row field the mirror keys it by; a pulled change's `key` is its value. */
	key: keyof Row & string;
	/** Only roles that may use this console area receive it (R2); every role when absent. */
	area?: ConsoleArea;
	/** The mirror holds it on top of the roster chunks (roster.ts), not as plain rows. */
	roster?: true;
	/** Rows of other tables the mirror drops with a deleted row: `table` rows whose `by` is its key. */
	cascade?: readonly { table: string; by: string }[];
	/** Phantom: the row's shape, for the types below. */
	row?: Row;
}

function table<Row>(def: MirrorTableDef<Row>): MirrorTableDef<Row> {
	return def;
}

/**
 * Every table the server's pull patches into the mirror, declared once: the server pull, the
 * tombstones and the client's apply read it. In the order a pull sends its rows.
 */
export const MIRROR = {
	enterprise: table<MirrorEnterprise>({ key: 'id' }),
	licenses: table<MirrorLicense>({ key: 'id', roster: true }),
	invites: table<Invite>({ key: 'id' }),
	teams: table<Team>({
		key: 'id',
		area: 'teams',
		cascade: [
			{ table: 'teamMembers', by: 'teamID' },
			{ table: 'teamOrgLinks', by: 'teamID' }
		]
	}),
	teamMembers: table<MirrorTeamMember>({ key: 'key', area: 'teams' }),
	organizations: table<MirrorOrganization>({
		key: 'id',
		area: 'organizations',
		cascade: [
			{ table: 'orgMembers', by: 'orgID' },
			{ table: 'teamOrgLinks', by: 'orgID' },
			{ table: 'storagePolicies', by: 'key' }
		]
	}),
	orgMembers: table<MirrorOrgMember>({ key: 'key', area: 'organizations' }),
	teamOrgLinks: table<MirrorTeamOrgLink>({ key: 'key', area: 'organizations' }),
	domains: table<MirrorDomain>({ key: 'id', area: 'domains' }),
	admins: table<MirrorAdmin>({ key: 'email', area: 'co-owners' }),
	storagePolicies: table<MirrorStoragePolicy>({ key: 'key', area: 'storage' })
} as const;

/** Tables of the mirror that pull patches. */
export type MirrorTable = keyof typeof MIRROR;

/** The row a mirror table holds. */
export type MirrorRow<T extends MirrorTable> = NonNullable<(typeof MIRROR)[T]['row']>;

/**
 * A row as a pull sends it: a composite `key` (`teamID:userID`, …) may be left out, the change's
 * `key` carries it and the client puts it back.
 */
export type MirrorValue<T extends MirrorTable> = Omit<MirrorRow<T>, 'key'> & { key?: string };

/** The mirror's tables, in the order a pull sends their rows. */
export const MIRROR_TABLES = Object.keys(MIRROR) as MirrorTable[];

/** Whether a table name is one of the mirror's. */
export function isMirrorTable(name: string): name is MirrorTable {
	return Object.hasOwn(MIRROR, name);
}

/** Whether an admin with `role` receives the rows of `table` (R2: billing sees no teams). */
export function seesTable(role: AccountRole | null | undefined, table: MirrorTable): boolean {
	const area: ConsoleArea | undefined = MIRROR[table].area;
	return area === undefined || canAccess(role, area);
}
