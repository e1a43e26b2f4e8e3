import Dexie, { type EntityTable, type Table } from 'dexie';
import type { Invite, Team } from '../domain/entities';
import {
	MIRROR_TABLES,
	type MirrorAdmin,
	type MirrorDomain,
	type MirrorEnterprise,
	type MirrorLicense,
	type MirrorOrganization,
	type MirrorOrgMember,
	type MirrorStoragePolicy,
	type MirrorTeamMember,
	type MirrorTeamOrgLink
} from '../domain/sync/tables';

export { MIRROR_TABLES };
export type {
	MirrorAdmin,
	MirrorDomain,
	MirrorEnterprise,
	MirrorLicense,
	MirrorOrganization,
	MirrorOrgMember,
	MirrorStoragePolicy,
	MirrorTeamMember,
	MirrorTeamOrgLink
};

/**
 * A row of the `licenses` table: a change on top of the roster chunks (see roster.ts). `removed`
 * marks a license taken away since the chunks were written; `inBase` says whether the chunks hold
 * this user, so the count needs no scan. Mirrors from before the chunks hold plain rows (neither).
 */
export interface LicenseOverlayRow extends MirrorLicense {
	removed?: boolean;
	inBase?: boolean;
}

/**
 * Up to 10,000 licensed users in columns: one IndexedDB record instead of 10,000 (ARCHITECTURE.md,
 * storage measurements). Written by a full sync under a new generation `gen`, never edited after.
 */
export interface RosterChunk {
	gen: number;
	seq: number;
	ids: string[];
	emails: string[];
	names: string[];
	/** Last Active, epoch ms; NaN when never (R20). Pulled date changes rewrite this column. */
	lastActive: Float64Array;
	/** Each license's number (see MirrorLicense.seq). */
	seqs?: Float64Array;
	/** How and when each license was given (see MirrorLicense.source); absent from older chunks. */
	sources?: string[];
	since?: Float64Array;
}

/** The key of the enterprise's global storage rule in `storagePolicies`. */
export const GLOBAL_POLICY = 'global';

/** A queued admin change waiting to be pushed. */
export interface OutboxRow {
	mutationID: number;
	name: string;
	args: unknown;
	createdAt: number;
	/** Made while offline: the audit log marks it as a queued offline change (R24). */
	offline?: boolean;
}

/** A change the server refused, kept until the admin retries, edits or discards it. */
export interface RejectionRow {
	mutationID: number;
	name: string;
	args: unknown;
	code: string;
	message: string;
	details?: Record<string, unknown>;
	at: number;
}

/** Sync bookkeeping: clientGroupID, clientID, cookie, lastMutationID, nextMutationID. */
export interface MetaRow {
	key: string;
	value: unknown;
}

/**
 * The IndexedDB mirror of one enterprise for one signed-in admin, with the outbox of queued
 * changes. Schema versions are appended, never edited; the outbox is never dropped by an upgrade.
 */
export class RosterDB extends Dexie {
	enterprise!: EntityTable<MirrorEnterprise, 'id'>;
	teams!: EntityTable<Team, 'id'>;
	teamMembers!: EntityTable<MirrorTeamMember, 'key'>;
	licenses!: EntityTable<LicenseOverlayRow, 'id'>;
	rosterChunks!: Table<RosterChunk, [number, number]>;
	invites!: EntityTable<Invite, 'id'>;
	organizations!: EntityTable<MirrorOrganization, 'id'>;
	teamOrgLinks!: EntityTable<MirrorTeamOrgLink, 'key'>;
	orgMembers!: EntityTable<MirrorOrgMember, 'key'>;
	domains!: EntityTable<MirrorDomain, 'id'>;
	storagePolicies!: EntityTable<MirrorStoragePolicy, 'key'>;
	admins!: EntityTable<MirrorAdmin, 'email'>;
	outbox!: EntityTable<OutboxRow, 'mutationID'>;
	rejections!: EntityTable<RejectionRow, 'mutationID'>;
	meta!: EntityTable<MetaRow, 'key'>;

	constructor(name: string, options?: ConstructorParameters<typeof Dexie>[1]) {
		super(name, options);
		this.version(1).stores({
			enterprise: 'id',
			teams: 'id, name',
			teamMembers: 'key, teamID, userID',
			licenses: 'id, email, lastActiveAt',
			invites: 'id, email',
			outbox: 'mutationID',
			rejections: 'mutationID',
			meta: 'key',
			organizations: 'id, name',
			teamOrgLinks: 'key, teamID, orgID'
		});
		// The roster of licensed users in columnar chunks; `licenses` becomes the changes on top.
		this.version(2).stores({ rosterChunks: '[gen+seq], gen' });
		// Direct organization members, for effective roles (R11).
		this.version(3).stores({ orgMembers: 'key, orgID, userID' });
		// Domains with their verification, capture and unclaimed counts (R13–R15).
		// A mirror from before this version pulls everything once, so its domains arrive.
		this.version(4)
			.stores({ domains: 'id, domain' })
			.upgrade((tx) => tx.table('meta').delete('cookie'));
		// Storage rules (R17). A mirror from before pulls everything once, so its rules arrive.
		this.version(5)
			.stores({ storagePolicies: 'key' })
			.upgrade((tx) => tx.table('meta').delete('cookie'));
		// Admins and their console roles (R2). A mirror from before pulls everything once.
		this.version(6)
			.stores({ admins: 'email, userID' })
			.upgrade((tx) => tx.table('meta').delete('cookie'));
		// Pulled Last Active changes name licenses by number: chunks from before have none, so the
		// roster is paged again (the cookie and the chunks' version go).
		this.version(7)
			.stores({ licenses: 'id, email, lastActiveAt, seq' })
			.upgrade((tx) => tx.table('meta').bulkDelete(['cookie', 'rosterCookie']));
	}

	/** Every table a mutation may touch, for one read-write transaction. */
	get mutationTables(): Table[] {
		return [...MIRROR_TABLES.map((t) => this.table(t)), this.rosterChunks, this.outbox, this.meta];
	}
}

export { mirrorName } from './mirror-name';
