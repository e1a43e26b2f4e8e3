import type { ColumnType, Generated } from 'kysely';

// Timestamps are epoch milliseconds (bigint on PostgreSQL, integer on SQLite); booleans are 0/1.

/** Customer accounts (R1). */
export interface EnterpriseTable {
	id: string;
	name: string;
	slug: string;
	seats: number;
	version: Generated<number>;
	/** Cookies below this (and above 0) predate a restore: their consoles are reset (after-restore). */
	cookie_floor: Generated<number>;
	scim_enabled: Generated<number>;
	report_active_days: Generated<number>;
	report_na_days: Generated<number>;
	created_at: number;
}

/** People in the vendor's user base; admins are users with a password (R3). */
export interface UserTable {
	id: string;
	email: string;
	name: string;
	password_hash: string | null;
	last_login_at: number | null;
	created_at: number;
}

/** Console roles per enterprise (R2). */
export interface AccountRoleTable {
	enterprise_id: string;
	user_id: string;
	role: 'owner' | 'co-owner' | 'billing' | 'member';
	created_at: number;
	version: Generated<number>;
}

/** Managed users: a license is a seat held by a user (R3, R4, R7). */
export interface LicenseTable {
	enterprise_id: string;
	user_id: string;
	source: 'console' | 'scim' | 'capture' | 'invite' | 'seed';
	version: Generated<number>;
	created_at: number;
	/** A small number naming this license on the wire (assigned by the database on insert). */
	seq: Generated<number>;
	/** The enterprise version at which this user's Last Active date last changed (R19). */
	activity_version: Generated<number>;
	/** The user's Last Active UTC day as of `activity_version` (days since 1970-01-01; null: never). */
	last_active_day: number | null;
}

/** Organizations (R9). */
export interface OrganizationTable {
	id: string;
	enterprise_id: string;
	name: string;
	/** `nameKey(name)`: unique per enterprise (R26). */
	name_key: string;
	version: Generated<number>;
	created_at: number;
}

/** Direct organization memberships (R9, R11). */
export interface OrgMemberTable {
	org_id: string;
	user_id: string;
	enterprise_id: string;
	role: 'owner' | 'admin' | 'member';
	version: Generated<number>;
}

/** Teams, manual or provisioned by SCIM (R10). */
export interface TeamTable {
	id: string;
	enterprise_id: string;
	name: string;
	/** `nameKey(name)`: unique per enterprise (R26). */
	name_key: string;
	source: 'manual' | 'scim';
	external_id: string | null;
	version: Generated<number>;
	created_at: number;
	/** Last change through SCIM (meta.lastModified); null when never changed after creation. */
	updated_at: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Team members (R10). */
export interface TeamMemberTable {
	team_id: string;
	user_id: string;
	enterprise_id: string;
	version: Generated<number>;
}

/** Team–organization links with the role the team's members get there (R10). */
export interface TeamOrgLinkTable {
	team_id: string;
	org_id: string;
	enterprise_id: string;
	role: 'admin' | 'member';
	version: Generated<number>;
}

/** Pending invites; each holds a seat until it expires or is revoked (R5). */
export interface InviteTable {
	id: string;
	enterprise_id: string;
	email: string;
	role: 'admin' | 'member';
	team_ids: string;
	invited_by: string | null;
	sent_at: number;
	expires_at: number;
	version: Generated<number>;
}

/** Domains and their verification and capture state (R13, R14). */
export interface DomainTable {
	id: string;
	enterprise_id: string;
	domain: string;
	verification_value: string;
	verified_at: number | null;
	capture_enabled: Generated<number>;
	version: Generated<number>;
	created_at: number;
	/** R13: the last DNS check of a pending verification: when, the records (JSON), any error. */
	checked_at: number | null;
	check_records: string | null;
	check_error: string | null;
	/** R13: re-checked on a schedule until then (null: not pending). */
	recheck_until: number | null;
}

/** Storage policies: the global rule (org_id null) and per-organization overrides (R17). */
export interface StoragePolicyTable {
	id: string;
	enterprise_id: string;
	org_id: string | null;
	local: number;
	cloud: number;
	git: number;
	version: Generated<number>;
	updated_at: number;
}

/** Raw "app opened" events, kept 90 days (R19). */
export interface ActivityEventTable {
	id: Generated<number>;
	user_id: string;
	at: number;
}

/** Per-user last activity (R19). */
export interface ActivitySummaryTable {
	user_id: string;
	last_active_at: number;
}

/** Activity requests already stored, by their `Idempotency-Key`, with the answer they got. */
export interface IngestRequestTable {
	key: string;
	result: string;
	created_at: number;
	/** SHA-256 (hex) of the request body the key was first used with; null for keys from before. */
	body_hash: string | null;
}

/** High-water marks of numbers SQLite hands out (licenses.seq); PostgreSQL uses sequences. */
export interface SeqCounterTable {
	name: string;
	value: number;
}

/** Every change, who made it and how (R24). */
export interface AuditLogTable {
	id: Generated<number>;
	enterprise_id: string;
	at: number;
	actor_user_id: string | null;
	actor_kind: 'console' | 'scim' | 'capture' | 'system';
	action: string;
	target: string | null;
	before: string | null;
	after: string | null;
	queued: Generated<number>;
}

/** Sync clients: one per browser profile and enterprise (ARCHITECTURE.md, sync). */
export interface SyncClientTable {
	client_id: string;
	client_group_id: string;
	enterprise_id: string;
	user_id: string;
	last_mutation_id: Generated<number>;
	updated_at: number;
}

/** Outcomes of pushed mutations that were rejected, returned on pull. */
export interface SyncResultTable {
	client_id: string;
	mutation_id: number;
	status: 'applied' | 'rejected';
	code: string | null;
	message: string | null;
	details: string | null;
	at: number;
}

/** Deleted rows, so pull can send tombstones. */
export interface TombstoneTable {
	id: Generated<number>;
	enterprise_id: string;
	table_name: string;
	row_key: string;
	version: number;
}

/** SCIM bearer tokens, stored hashed (R23). */
export interface ScimTokenTable {
	id: string;
	enterprise_id: string;
	token_hash: string;
	created_at: number;
	expires_at: number | null;
	revoked_at: number | null;
	last_used_at: ColumnType<number | null, number | null | undefined, number | null>;
}

/** What the identity provider says about a user it provisions in an enterprise (R22). */
export interface ScimUserTable {
	enterprise_id: string;
	user_id: string;
	external_id: string | null;
	given_name: string | null;
	family_name: string | null;
	/** The IdP's displayName for the person, this enterprise's view only (R25). */
	display_name: string | null;
	/** The IdP's `name.formatted`, kept apart from displayName (R25). */
	formatted_name: string | null;
	/** The enterprise extension (RFC 7643 §4.3), as the IdP sent it. */
	employee_number: string | null;
	cost_center: string | null;
	organization: string | null;
	division: string | null;
	department: string | null;
	/** `manager.value`: the manager's id as the IdP knows it. */
	manager_id: string | null;
	/** The IdP's `active`; the license follows it for users SCIM provisioned (R22). */
	active: number;
	created_at: number;
	updated_at: number;
}

/** The SCIM request log (R23). */
export interface ScimRequestTable {
	id: Generated<number>;
	enterprise_id: string;
	method: string;
	path: string;
	status: number;
	at: number;
}

/** Server-side sessions; the cookie carries a secret whose hash is the id. */
export interface SessionTable {
	id: string;
	user_id: string;
	created_at: number;
	expires_at: number;
	last_seen_at: number;
	ip: string | null;
	user_agent: string | null;
	/** How the session was made: a password, or single sign-on. */
	method: Generated<'password' | 'sso'>;
	/** For an SSO session, the enterprise whose IdP vouched for it: the only one it reaches. */
	sso_enterprise_id: string | null;
}

/** An enterprise's OpenID Connect settings; the client secret is encrypted (see auth/secret-box). */
export interface SsoConfigTable {
	enterprise_id: string;
	issuer: string;
	client_id: string;
	client_secret: string;
	required: number;
	tested_at: number | null;
	updated_at: number;
}

/** An IdP subject linked to an account, per enterprise and issuer. */
export interface SsoIdentityTable {
	enterprise_id: string;
	issuer: string;
	subject: string;
	user_id: string;
	created_at: number;
}

/** An SSO sign-in under way: its id is the hash of the browser's cookie; used once. */
export interface SsoLoginTable {
	id: string;
	enterprise_id: string;
	state: string;
	nonce: string;
	code_verifier: string;
	redirect_uri: string;
	next: string;
	expires_at: number;
}

/** Fixed-window counters for rate limits, shared by every app instance. */
export interface RateLimitTable {
	key: string;
	count: number;
	reset_at: number;
}

/** Email waiting to be sent, sent, or being retried (invites, password resets). */
export interface MailQueueTable {
	id: string;
	kind: 'invite' | 'reset';
	enterprise_id: string | null;
	invite_id: string | null;
	user_id: string | null;
	recipient: string;
	/** Where the link in the message points (ORIGIN, or the address the request came to). */
	link_origin: string;
	created_at: number;
	next_attempt_at: number;
	attempts: Generated<number>;
	/** An instance sending it holds it until then, so two instances never send it twice. */
	claimed_until: number | null;
	/** The delivery run holding it (with `claimed_until`): only that run marks it sent or failed. */
	claim_token: ColumnType<string | null, string | null | undefined, string | null>;
	sent_at: number | null;
	last_error: string | null;
}

/** Links that accept an invite, stored hashed; any of them is spent when the invite is accepted. */
export interface InviteTokenTable {
	token_hash: string;
	invite_id: string;
	enterprise_id: string;
	created_at: number;
	/**
	 * How the link reached its holder: in the invite email (proof of the mailbox: it may create the
	 * account or set its first password) or copied from the console (it never sets a credential).
	 */
	delivery: ColumnType<InviteDelivery, InviteDelivery | undefined, InviteDelivery>;
}

/** How an invite link was delivered. */
export type InviteDelivery = 'email' | 'copy';

/** Password reset links, stored hashed, single-use, time-limited. */
export interface PasswordResetTable {
	token_hash: string;
	user_id: string;
	created_at: number;
	expires_at: number;
	used_at: number | null;
}

/** The whole database as Kysely sees it. */
export interface Database {
	enterprises: EnterpriseTable;
	users: UserTable;
	account_roles: AccountRoleTable;
	licenses: LicenseTable;
	organizations: OrganizationTable;
	org_members: OrgMemberTable;
	teams: TeamTable;
	team_members: TeamMemberTable;
	team_org_links: TeamOrgLinkTable;
	invites: InviteTable;
	domains: DomainTable;
	storage_policies: StoragePolicyTable;
	activity_events: ActivityEventTable;
	activity_summary: ActivitySummaryTable;
	ingest_requests: IngestRequestTable;
	seq_counters: SeqCounterTable;
	audit_log: AuditLogTable;
	sync_clients: SyncClientTable;
	sync_results: SyncResultTable;
	tombstones: TombstoneTable;
	scim_tokens: ScimTokenTable;
	scim_requests: ScimRequestTable;
	scim_users: ScimUserTable;
	sessions: SessionTable;
	rate_limits: RateLimitTable;
	mail_queue: MailQueueTable;
	invite_tokens: InviteTokenTable;
	password_resets: PasswordResetTable;
	sso_configs: SsoConfigTable;
	sso_identities: SsoIdentityTable;
	sso_logins: SsoLoginTable;
}
