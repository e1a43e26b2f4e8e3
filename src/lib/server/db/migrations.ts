import { sql, type Kysely, type Migration, type CreateTableBuilder } from 'kysely';
import { nameKey } from '../../domain/text';

/** Which SQL engine a database runs on. */
export type Dialect = 'sqlite' | 'postgres';

// Column types that mean the same on both engines.
const TS = 'bigint'; // epoch ms
const BOOL = 'integer'; // 0/1

function serialId<T extends string>(dialect: Dialect, t: CreateTableBuilder<T, never>) {
	return dialect === 'postgres'
		? t.addColumn('id', 'bigserial', (c) => c.primaryKey())
		: t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** The initial schema: every entity of RULES.md, with its constraints in the schema. */
function initial(dialect: Dialect): Migration {
	return {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('enterprises')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('name', 'text', (c) => c.notNull().check(sql`length(trim(name)) > 0`))
				.addColumn('slug', 'text', (c) => c.notNull().unique())
				.addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats >= 0`))
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('scim_enabled', BOOL, (c) => c.notNull().defaultTo(0))
				.addColumn('report_active_days', 'integer', (c) => c.notNull().defaultTo(90))
				.addColumn('report_na_days', 'integer', (c) => c.notNull().defaultTo(100))
				.addColumn('created_at', TS, (c) => c.notNull())
				.execute();

			await db.schema
				.createTable('users')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('email', 'text', (c) => c.notNull().check(sql`email like '%_@_%'`))
				.addColumn('name', 'text', (c) => c.notNull())
				.addColumn('password_hash', 'text')
				.addColumn('last_login_at', TS)
				.addColumn('created_at', TS, (c) => c.notNull())
				.execute();
			await sql`create unique index users_email_lower on users (lower(email))`.execute(db);

			await db.schema
				.createTable('account_roles')
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('role', 'text', (c) =>
					c.notNull().check(sql`role in ('owner', 'co-owner', 'billing', 'member')`)
				)
				.addColumn('created_at', TS, (c) => c.notNull())
				.addPrimaryKeyConstraint('account_roles_pk', ['enterprise_id', 'user_id'])
				.execute();
			// R2: exactly one owner per enterprise; the schema enforces "at most one".
			await sql`create unique index account_roles_one_owner on account_roles (enterprise_id) where role = 'owner'`.execute(
				db
			);
			await db.schema
				.createIndex('account_roles_user')
				.on('account_roles')
				.column('user_id')
				.execute();

			await db.schema
				.createTable('licenses')
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('source', 'text', (c) =>
					c.notNull().check(sql`source in ('console', 'scim', 'capture', 'invite', 'seed')`)
				)
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', TS, (c) => c.notNull())
				.addPrimaryKeyConstraint('licenses_pk', ['enterprise_id', 'user_id'])
				.execute();
			await db.schema.createIndex('licenses_user').on('licenses').column('user_id').execute();

			await db.schema
				.createTable('organizations')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('name', 'text', (c) => c.notNull().check(sql`length(trim(name)) > 0`))
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', TS, (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('organizations_enterprise')
				.on('organizations')
				.column('enterprise_id')
				.execute();

			await db.schema
				.createTable('org_members')
				.addColumn('org_id', 'text', (c) =>
					c.notNull().references('organizations.id').onDelete('cascade')
				)
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('role', 'text', (c) =>
					c.notNull().check(sql`role in ('owner', 'admin', 'member')`)
				)
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addPrimaryKeyConstraint('org_members_pk', ['org_id', 'user_id'])
				.execute();
			await db.schema.createIndex('org_members_user').on('org_members').column('user_id').execute();

			await db.schema
				.createTable('teams')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('name', 'text', (c) => c.notNull().check(sql`length(trim(name)) > 0`))
				.addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('manual', 'scim')`))
				.addColumn('external_id', 'text')
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', TS, (c) => c.notNull())
				.execute();
			await db.schema.createIndex('teams_enterprise').on('teams').column('enterprise_id').execute();

			await db.schema
				.createTable('team_members')
				.addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
				.execute();
			await db.schema
				.createIndex('team_members_user')
				.on('team_members')
				.column('user_id')
				.execute();

			await db.schema
				.createTable('team_org_links')
				.addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
				.addColumn('org_id', 'text', (c) =>
					c.notNull().references('organizations.id').onDelete('cascade')
				)
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addPrimaryKeyConstraint('team_org_links_pk', ['team_id', 'org_id'])
				.execute();
			await db.schema
				.createIndex('team_org_links_org')
				.on('team_org_links')
				.column('org_id')
				.execute();

			await db.schema
				.createTable('invites')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('email', 'text', (c) => c.notNull().check(sql`email like '%_@_%'`))
				.addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
				.addColumn('team_ids', 'text', (c) => c.notNull().defaultTo('[]'))
				.addColumn('invited_by', 'text', (c) => c.references('users.id').onDelete('set null'))
				.addColumn('sent_at', TS, (c) => c.notNull())
				.addColumn('expires_at', TS, (c) => c.notNull())
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addCheckConstraint('invites_expiry_after_send', sql`expires_at > sent_at`)
				.execute();
			await sql`create unique index invites_enterprise_email on invites (enterprise_id, lower(email))`.execute(
				db
			);

			await db.schema
				.createTable('domains')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('domain', 'text', (c) => c.notNull().check(sql`domain = lower(domain)`))
				.addColumn('verification_value', 'text', (c) => c.notNull())
				.addColumn('verified_at', TS)
				.addColumn('capture_enabled', BOOL, (c) => c.notNull().defaultTo(0))
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', TS, (c) => c.notNull())
				// R14: capture only on a verified domain.
				.addCheckConstraint(
					'domains_capture_needs_verification',
					sql`capture_enabled = 0 or verified_at is not null`
				)
				.addUniqueConstraint('domains_enterprise_domain', ['enterprise_id', 'domain'])
				.execute();

			await db.schema
				.createTable('storage_policies')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('org_id', 'text', (c) => c.references('organizations.id').onDelete('cascade'))
				.addColumn('local', BOOL, (c) => c.notNull())
				.addColumn('cloud', BOOL, (c) => c.notNull())
				.addColumn('git', BOOL, (c) => c.notNull())
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('updated_at', TS, (c) => c.notNull())
				.execute();
			await sql`create unique index storage_policies_global on storage_policies (enterprise_id) where org_id is null`.execute(
				db
			);
			await sql`create unique index storage_policies_org on storage_policies (enterprise_id, org_id) where org_id is not null`.execute(
				db
			);

			await serialId(dialect, db.schema.createTable('activity_events'))
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('at', TS, (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('activity_events_at')
				.on('activity_events')
				.column('at')
				.execute();
			await db.schema
				.createIndex('activity_events_user')
				.on('activity_events')
				.columns(['user_id', 'at'])
				.execute();

			await db.schema
				.createTable('activity_summary')
				.addColumn('user_id', 'text', (c) =>
					c.primaryKey().references('users.id').onDelete('cascade')
				)
				.addColumn('last_active_at', TS, (c) => c.notNull())
				.execute();

			await serialId(dialect, db.schema.createTable('audit_log'))
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('at', TS, (c) => c.notNull())
				.addColumn('actor_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
				.addColumn('actor_kind', 'text', (c) =>
					c.notNull().check(sql`actor_kind in ('console', 'scim', 'capture', 'system')`)
				)
				.addColumn('action', 'text', (c) => c.notNull())
				.addColumn('target', 'text')
				.addColumn('before', 'text')
				.addColumn('after', 'text')
				.addColumn('queued', BOOL, (c) => c.notNull().defaultTo(0))
				.execute();
			await db.schema
				.createIndex('audit_log_enterprise_at')
				.on('audit_log')
				.columns(['enterprise_id', 'at'])
				.execute();

			await db.schema
				.createTable('sync_clients')
				.addColumn('client_id', 'text', (c) => c.primaryKey())
				.addColumn('client_group_id', 'text', (c) => c.notNull())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('last_mutation_id', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('updated_at', TS, (c) => c.notNull())
				.execute();

			await db.schema
				.createTable('sync_results')
				.addColumn('client_id', 'text', (c) =>
					c.notNull().references('sync_clients.client_id').onDelete('cascade')
				)
				.addColumn('mutation_id', TS, (c) => c.notNull())
				.addColumn('status', 'text', (c) =>
					c.notNull().check(sql`status in ('applied', 'rejected')`)
				)
				.addColumn('code', 'text')
				.addColumn('message', 'text')
				.addColumn('details', 'text')
				.addColumn('at', TS, (c) => c.notNull())
				.addPrimaryKeyConstraint('sync_results_pk', ['client_id', 'mutation_id'])
				.execute();

			await serialId(dialect, db.schema.createTable('tombstones'))
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('table_name', 'text', (c) => c.notNull())
				.addColumn('row_key', 'text', (c) => c.notNull())
				.addColumn('version', TS, (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('tombstones_enterprise_version')
				.on('tombstones')
				.columns(['enterprise_id', 'version'])
				.execute();

			await db.schema
				.createTable('scim_tokens')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('token_hash', 'text', (c) => c.notNull().unique())
				.addColumn('created_at', TS, (c) => c.notNull())
				.addColumn('expires_at', TS)
				.addColumn('revoked_at', TS)
				.execute();

			await serialId(dialect, db.schema.createTable('scim_requests'))
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('method', 'text', (c) => c.notNull())
				.addColumn('path', 'text', (c) => c.notNull())
				.addColumn('status', 'integer', (c) => c.notNull())
				.addColumn('at', TS, (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('scim_requests_enterprise')
				.on('scim_requests')
				.columns(['enterprise_id', 'id'])
				.execute();

			await db.schema
				.createTable('sessions')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
				.addColumn('created_at', TS, (c) => c.notNull())
				.addColumn('expires_at', TS, (c) => c.notNull())
				.addColumn('last_seen_at', TS, (c) => c.notNull())
				.addColumn('ip', 'text')
				.addColumn('user_agent', 'text')
				.execute();
			await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

			await db.schema
				.createTable('rate_limits')
				.addColumn('key', 'text', (c) => c.primaryKey())
				.addColumn('count', 'integer', (c) => c.notNull())
				.addColumn('reset_at', TS, (c) => c.notNull())
				.execute();
		}
	};
}

/**
 * SCIM provisioning (R22–R23): what the identity provider says about each user it manages (its
 * external id, name parts, active flag), when a team was last changed, and when a token was last
 * used.
 */
const scim: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.createTable('scim_users')
			.addColumn('enterprise_id', 'text', (c) =>
				c.notNull().references('enterprises.id').onDelete('cascade')
			)
			.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
			.addColumn('external_id', 'text')
			.addColumn('given_name', 'text')
			.addColumn('family_name', 'text')
			.addColumn('active', BOOL, (c) => c.notNull().defaultTo(1))
			.addColumn('created_at', TS, (c) => c.notNull())
			.addColumn('updated_at', TS, (c) => c.notNull())
			.addPrimaryKeyConstraint('scim_users_pk', ['enterprise_id', 'user_id'])
			.execute();
		await db.schema.createIndex('scim_users_user').on('scim_users').column('user_id').execute();
		await db.schema.alterTable('teams').addColumn('updated_at', TS).execute();
		await db.schema.alterTable('scim_tokens').addColumn('last_used_at', TS).execute();
		await db.schema
			.createIndex('scim_tokens_enterprise')
			.on('scim_tokens')
			.column('enterprise_id')
			.execute();
	}
};

/**
 * Domain capture on a subdomain verified through its root (R13, R14): the first schema asked for a
 * verification on the row itself. The mutators now enforce "capture needs effective verification"
 * (and turn capture off when a root goes), so the row-level check goes. SQLite cannot drop a check,
 * so the table is rebuilt there.
 */
function domainCaptureViaParent(dialect: Dialect): Migration {
	return {
		async up(db: Kysely<unknown>) {
			if (dialect === 'postgres') {
				await sql`alter table domains drop constraint domains_capture_needs_verification`.execute(
					db
				);
				return;
			}
			await db.schema
				.createTable('domains_next')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('enterprise_id', 'text', (c) =>
					c.notNull().references('enterprises.id').onDelete('cascade')
				)
				.addColumn('domain', 'text', (c) => c.notNull().check(sql`domain = lower(domain)`))
				.addColumn('verification_value', 'text', (c) => c.notNull())
				.addColumn('verified_at', TS)
				.addColumn('capture_enabled', BOOL, (c) => c.notNull().defaultTo(0))
				.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
				.addColumn('created_at', TS, (c) => c.notNull())
				.addUniqueConstraint('domains_enterprise_domain', ['enterprise_id', 'domain'])
				.execute();
			await sql`insert into domains_next (id, enterprise_id, domain, verification_value, verified_at, capture_enabled, version, created_at) select id, enterprise_id, domain, verification_value, verified_at, capture_enabled, version, created_at from domains`.execute(
				db
			);
			await db.schema.dropTable('domains').execute();
			await sql`alter table domains_next rename to domains`.execute(db);
		}
	};
}

/** Account roles carry the enterprise version of their last change, so consoles sync admins (R2). */
const accountRoleVersions: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.alterTable('account_roles')
			.addColumn('version', TS, (c) => c.notNull().defaultTo(0))
			.execute();
	}
};

/**
 * The lowest sync cookie each enterprise still trusts: `npm run after-restore` jumps the version
 * past the lost timeline and sets the floor there, so a console's cookie from before a restore is
 * reset even once new pushes bring the version back up to it.
 */
const cookieFloor: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.alterTable('enterprises')
			.addColumn('cookie_floor', TS, (c) => c.notNull().defaultTo(0))
			.execute();
	}
};

/**
 * The IdP's display name for a person, per enterprise (R25): a SCIM rename of an account that
 * others share (an admin, or licensed elsewhere) changes only this enterprise's view of them.
 */
const scimDisplayName: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema.alterTable('scim_users').addColumn('display_name', 'text').execute();
	}
};

/** The scheduled purge finds expired sessions and rate-limit windows by their expiry. */
const purgeIndexes: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();
		await db.schema.createIndex('rate_limits_reset').on('rate_limits').column('reset_at').execute();
	}
};

/**
 * Last Active reaches every console (R19, R20). Each license gets `seq`, a small number that names
 * it on the wire (a changed date costs a few bytes instead of a 36-character id), and
 * `activity_version`, the enterprise version at which its Last Active date last changed, so an
 * incremental pull sends the dates that moved. `ingest_requests` remembers the `Idempotency-Key`
 * of each activity request for a while, so a retried request stores nothing twice.
 */
function activitySync(dialect: Dialect): Migration {
	return {
		async up(db: Kysely<unknown>) {
			await db.schema.alterTable('licenses').addColumn('seq', 'bigint').execute();
			await db.schema
				.alterTable('licenses')
				.addColumn('activity_version', TS, (c) => c.notNull().defaultTo(0))
				.execute();
			// Existing licenses are numbered in enterprise and user order, so a roster page's numbers run
			// mostly in steps of one and compress to almost nothing.
			await sql`update licenses set seq = numbered.n from (select enterprise_id as e, user_id as u, row_number() over (order by enterprise_id, user_id) as n from licenses) as numbered where numbered.e = licenses.enterprise_id and numbered.u = licenses.user_id`.execute(
				db
			);
			if (dialect === 'postgres') {
				await sql`create sequence licenses_seq_seq owned by licenses.seq`.execute(db);
				await sql`select setval('licenses_seq_seq', coalesce((select max(seq) from licenses), 0) + 1, false)`.execute(
					db
				);
				await sql`alter table licenses alter column seq set default nextval('licenses_seq_seq')`.execute(
					db
				);
				await sql`alter table licenses alter column seq set not null`.execute(db);
			} else {
				// SQLite has no sequences: a new license takes the next number as it is inserted.
				await sql`create trigger licenses_seq after insert on licenses when new.seq is null begin update licenses set seq = (select coalesce(max(seq), 0) + 1 from licenses) where enterprise_id = new.enterprise_id and user_id = new.user_id; end`.execute(
					db
				);
			}
			await db.schema.createIndex('licenses_seq').on('licenses').column('seq').unique().execute();
			await db.schema
				.createIndex('licenses_activity_version')
				.on('licenses')
				.columns(['enterprise_id', 'activity_version'])
				.execute();
			await db.schema
				.createTable('ingest_requests')
				.addColumn('key', 'text', (c) => c.primaryKey())
				.addColumn('result', 'text', (c) => c.notNull())
				.addColumn('created_at', TS, (c) => c.notNull())
				.execute();
			await db.schema
				.createIndex('ingest_requests_created')
				.on('ingest_requests')
				.column('created_at')
				.execute();
		}
	};
}

/**
 * The IdP's view of a person kept as sent (R25): `name.formatted` apart from `displayName` (rows
 * so far held one value for both, so it starts as that value), and the enterprise extension's
 * attributes (RFC 7643 §4.3). Rows so far also held, when the IdP sent no displayName, the given
 * and family names Roster joined: a value equal to that join becomes no value (null) in both
 * columns, so the names shown are made from the parts as they change instead of a frozen copy.
 */
const scimNamesAndEnterpriseUser: Migration = {
	async up(db: Kysely<unknown>) {
		for (const column of [
			'formatted_name',
			'employee_number',
			'cost_center',
			'organization',
			'division',
			'department',
			'manager_id'
		]) {
			await db.schema.alterTable('scim_users').addColumn(column, 'text').execute();
		}
		// What Roster made from the parts: the given and family names it kept, joined by a space.
		const joined = sql`trim(coalesce(given_name, '') || ' ' || coalesce(family_name, ''))`;
		await sql`update scim_users set formatted_name = display_name where display_name <> ${joined}`.execute(
			db
		);
		await sql`update scim_users set display_name = null where display_name = ${joined}`.execute(db);
	}
};

/**
 * Email that reaches people: the queue of messages to send after a commit (retried until the SMTP
 * server takes them), the hashed links that accept an invite, and the hashed single-use links that
 * reset a password. Link secrets never sit in the queue: each is made when its message is sent.
 */
const mail: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.createTable('mail_queue')
			.addColumn('id', 'text', (c) => c.primaryKey())
			.addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('invite', 'reset')`))
			.addColumn('enterprise_id', 'text', (c) => c.references('enterprises.id').onDelete('cascade'))
			.addColumn('invite_id', 'text')
			.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
			.addColumn('recipient', 'text', (c) => c.notNull())
			.addColumn('link_origin', 'text', (c) => c.notNull())
			.addColumn('created_at', TS, (c) => c.notNull())
			.addColumn('next_attempt_at', TS, (c) => c.notNull())
			.addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
			.addColumn('claimed_until', TS)
			.addColumn('sent_at', TS)
			.addColumn('last_error', 'text')
			.execute();
		await db.schema
			.createIndex('mail_queue_due')
			.on('mail_queue')
			.columns(['sent_at', 'next_attempt_at'])
			.execute();
		await db.schema
			.createTable('invite_tokens')
			.addColumn('token_hash', 'text', (c) => c.primaryKey())
			.addColumn('invite_id', 'text', (c) =>
				c.notNull().references('invites.id').onDelete('cascade')
			)
			.addColumn('enterprise_id', 'text', (c) =>
				c.notNull().references('enterprises.id').onDelete('cascade')
			)
			.addColumn('created_at', TS, (c) => c.notNull())
			.execute();
		await db.schema
			.createIndex('invite_tokens_invite')
			.on('invite_tokens')
			.column('invite_id')
			.execute();
		await db.schema
			.createTable('password_resets')
			.addColumn('token_hash', 'text', (c) => c.primaryKey())
			.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
			.addColumn('created_at', TS, (c) => c.notNull())
			.addColumn('expires_at', TS, (c) => c.notNull())
			.addColumn('used_at', TS)
			.execute();
		await db.schema
			.createIndex('password_resets_user')
			.on('password_resets')
			.column('user_id')
			.execute();
	}
};

/**
 * Single sign-on with OpenID Connect: each enterprise's IdP settings (the client secret encrypted),
 * the IdP subjects linked to accounts, and the sign-ins under way (state, nonce and PKCE verifier,
 * found through the browser's cookie and used once).
 */
const sso: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.createTable('sso_configs')
			.addColumn('enterprise_id', 'text', (c) =>
				c.primaryKey().references('enterprises.id').onDelete('cascade')
			)
			.addColumn('issuer', 'text', (c) => c.notNull())
			.addColumn('client_id', 'text', (c) => c.notNull())
			.addColumn('client_secret', 'text', (c) => c.notNull())
			.addColumn('required', BOOL, (c) => c.notNull().defaultTo(0))
			.addColumn('tested_at', TS)
			.addColumn('updated_at', TS, (c) => c.notNull())
			.execute();
		await db.schema
			.createTable('sso_identities')
			.addColumn('enterprise_id', 'text', (c) =>
				c.notNull().references('enterprises.id').onDelete('cascade')
			)
			.addColumn('issuer', 'text', (c) => c.notNull())
			.addColumn('subject', 'text', (c) => c.notNull())
			.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
			.addColumn('created_at', TS, (c) => c.notNull())
			.addPrimaryKeyConstraint('sso_identities_pk', ['enterprise_id', 'issuer', 'subject'])
			.execute();
		await db.schema
			.createIndex('sso_identities_user')
			.on('sso_identities')
			.column('user_id')
			.execute();
		await db.schema
			.createTable('sso_logins')
			.addColumn('id', 'text', (c) => c.primaryKey())
			.addColumn('enterprise_id', 'text', (c) =>
				c.notNull().references('enterprises.id').onDelete('cascade')
			)
			.addColumn('state', 'text', (c) => c.notNull())
			.addColumn('nonce', 'text', (c) => c.notNull())
			.addColumn('code_verifier', 'text', (c) => c.notNull())
			.addColumn('redirect_uri', 'text', (c) => c.notNull())
			.addColumn('next', 'text', (c) => c.notNull())
			.addColumn('expires_at', TS, (c) => c.notNull())
			.execute();
		await db.schema
			.createIndex('sso_logins_expires')
			.on('sso_logins')
			.column('expires_at')
			.execute();
	}
};

/**
 * Fixes to email (self-contained, so it lands after whatever other migrations come before it):
 * how each invite link was delivered (only an emailed link, proof of the mailbox, may create an
 * account or set a first password; a link copied from the console never does), and the token of
 * the delivery run that holds a queued message, so a run finishes only what it claimed.
 */
const mailFixes: Migration = {
	async up(db: Kysely<unknown>) {
		// Links made before this migration are treated as copied: they cannot set a credential.
		await db.schema
			.alterTable('invite_tokens')
			.addColumn('delivery', 'text', (c) =>
				c
					.notNull()
					.defaultTo('copy')
					.check(sql`delivery in ('email', 'copy')`)
			)
			.execute();
		await db.schema.alterTable('mail_queue').addColumn('claim_token', 'text').execute();
	}
};

/**
 * Activity ingestion and catch-up, after review (R19, R20):
 * - an `Idempotency-Key` is bound to the SHA-256 of the body it was first used with
 *   (`ingest_requests.body_hash`), so the same key with another body is refused instead of
 *   answered with the first request's counts;
 * - SQLite never gives a license number twice: 0008's trigger took max(seq) + 1, which gave the
 *   number of the newest license again once it was removed, and a console that held the old
 *   number would apply the new user's dates to the removed one. A counter in `seq_counters` (a
 *   high-water mark, like PostgreSQL's sequence; the table exists on both so the schemas match)
 *   now hands them out, and follows numbers inserted explicitly;
 * - each license keeps `last_active_day`, its user's Last Active UTC day (days since 1970-01-01)
 *   as of `activity_version`, written by the transaction that moves it, so the daily catch-up
 *   reads one index and no activity rows; existing licenses are filled in here;
 * - indexes: licenses(enterprise_id, version) for incremental pulls, and one that covers the
 *   catch-up query (it replaces licenses(enterprise_id, activity_version)).
 */
function activityIndexes(dialect: Dialect): Migration {
	return {
		async up(db: Kysely<unknown>) {
			await db.schema.alterTable('ingest_requests').addColumn('body_hash', 'text').execute();
			await db.schema
				.createTable('seq_counters')
				.addColumn('name', 'text', (c) => c.primaryKey())
				.addColumn('value', 'bigint', (c) => c.notNull())
				.execute();
			if (dialect === 'sqlite') {
				await sql`drop trigger licenses_seq`.execute(db);
				await sql`insert into seq_counters (name, value) select 'licenses.seq', coalesce(max(seq), 0) from licenses`.execute(
					db
				);
				await sql`create trigger licenses_seq after insert on licenses when new.seq is null begin update seq_counters set value = value + 1 where name = 'licenses.seq'; update licenses set seq = (select value from seq_counters where name = 'licenses.seq') where rowid = new.rowid; end`.execute(
					db
				);
				await sql`create trigger licenses_seq_given after insert on licenses when new.seq is not null begin update seq_counters set value = max(value, new.seq) where name = 'licenses.seq'; end`.execute(
					db
				);
			}
			await db.schema.alterTable('licenses').addColumn('last_active_day', 'integer').execute();
			// R19: tracked activity from 2025-05-20 (epoch ms 1747699200000) on, else the last login.
			await sql`update licenses set last_active_day = (select case when s.last_active_at >= 1747699200000 then s.last_active_at else u.last_login_at end from users u left join activity_summary s on s.user_id = u.id where u.id = licenses.user_id) / 86400000`.execute(
				db
			);
			await db.schema.dropIndex('licenses_activity_version').execute();
			await db.schema
				.createIndex('licenses_activity_catch_up')
				.on('licenses')
				.columns(['enterprise_id', 'activity_version', 'version', 'seq', 'last_active_day'])
				.execute();
			await db.schema
				.createIndex('licenses_enterprise_version')
				.on('licenses')
				.columns(['enterprise_id', 'version'])
				.execute();
		}
	};
}

/**
 * Fixes to single sign-on: a session records how it was made (`method`: password or sso) and, for
 * SSO, the enterprise whose IdP vouched for it (it reaches that enterprise only); an account has
 * at most one IdP identity per enterprise and issuer (duplicates from before keep the oldest).
 */
const ssoFixes: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema
			.alterTable('sessions')
			.addColumn('method', 'text', (c) => c.notNull().defaultTo('password'))
			.execute();
		await db.schema.alterTable('sessions').addColumn('sso_enterprise_id', 'text').execute();
		// A session from before could have been made through an IdP, and would now count as a
		// password session reaching every enterprise: accounts with an IdP identity sign in again.
		await sql`delete from sessions where user_id in (select user_id from sso_identities)`.execute(
			db
		);
		await sql`delete from sso_identities where exists (
			select 1 from sso_identities o
			where o.enterprise_id = sso_identities.enterprise_id
				and o.issuer = sso_identities.issuer
				and o.user_id = sso_identities.user_id
				and (o.created_at < sso_identities.created_at
					or (o.created_at = sso_identities.created_at and o.subject < sso_identities.subject))
		)`.execute(db);
		await db.schema
			.createIndex('sso_identities_one_per_account')
			.on('sso_identities')
			.columns(['enterprise_id', 'issuer', 'user_id'])
			.unique()
			.execute();
	}
};

/**
 * Team and organization names are unique per enterprise, case aside (R26): each row keeps
 * `name_key` (`nameKey(name)`, computed here as the code computes it, so SQLite's ASCII-only
 * `lower` plays no part), unique per enterprise. Where names already collide the oldest row keeps
 * its name and each later one becomes "Name (2)", "Name (3)"…, at a new version of its enterprise
 * so every console receives the rename.
 */
const uniqueNames: Migration = {
	async up(db: Kysely<unknown>) {
		for (const table of ['teams', 'organizations']) {
			await db.schema.alterTable(table).addColumn('name_key', 'text').execute();
			// A team the identity provider pushed keeps its name (only the IdP can rename it, and its
			// next PUT would carry that name): console teams give way first.
			const { rows } =
				table === 'teams'
					? await sql<{ id: string; enterprise_id: string; name: string }>`
						select id, enterprise_id, name from teams
						order by case when source = 'scim' then 0 else 1 end, created_at, id`.execute(db)
					: await sql<{ id: string; enterprise_id: string; name: string }>`
						select id, enterprise_id, name from organizations order by created_at, id`.execute(db);
			const now = Date.now();
			const all = new Map<string, Set<string>>();
			for (const r of rows) {
				const keys = all.get(r.enterprise_id) ?? new Set<string>();
				keys.add(nameKey(r.name));
				all.set(r.enterprise_id, keys);
			}
			const claimed = new Set<string>();
			const bumped = new Map<string, number>();
			for (const r of rows) {
				let name = r.name;
				let key = nameKey(name);
				if (claimed.has(`${r.enterprise_id}\n${key}`)) {
					const keys = all.get(r.enterprise_id)!;
					for (let n = 2; ; n++) {
						name = `${r.name.trim()} (${n})`;
						key = nameKey(name);
						if (!keys.has(key)) break;
					}
					keys.add(key);
					let version = bumped.get(r.enterprise_id);
					if (version === undefined) {
						const { rows: e } = await sql<{ version: number | string }>`
							select version from enterprises where id = ${r.enterprise_id}`.execute(db);
						version = Number(e[0]?.version ?? 0) + 1;
						bumped.set(r.enterprise_id, version);
					}
					await sql`update ${sql.table(table)} set name = ${name}, name_key = ${key}, version = ${version} where id = ${r.id}`.execute(
						db
					);
					if (table === 'teams')
						await sql`update teams set updated_at = ${now} where id = ${r.id}`.execute(db);
					// R24: the rename is in the audit log, by the system, with why.
					await sql`insert into audit_log (enterprise_id, at, actor_user_id, actor_kind, action, target, before, after)
						values (${r.enterprise_id}, ${now}, null, 'system', ${table === 'teams' ? 'renameTeam' : 'renameOrg'}, ${r.name},
							${JSON.stringify({ name: r.name })},
							${JSON.stringify({ name, reason: 'another with the same name, case aside, came first' })})`.execute(
						db
					);
				} else {
					await sql`update ${sql.table(table)} set name_key = ${key} where id = ${r.id}`.execute(
						db
					);
				}
				claimed.add(`${r.enterprise_id}\n${key}`);
			}
			for (const [enterpriseID, version] of bumped) {
				await sql`update enterprises set version = ${version} where id = ${enterpriseID} and version < ${version}`.execute(
					db
				);
			}
			await db.schema
				.createIndex(`${table}_unique_name`)
				.on(table)
				.columns(['enterprise_id', 'name_key'])
				.unique()
				.execute();
		}
	}
};

/** The mirrored tables a pull reads by `enterprise_id` and `version` (licenses: 0014). */
const PULLED_TABLES = [
	'invites',
	'teams',
	'team_members',
	'organizations',
	'org_members',
	'team_org_links',
	'domains',
	'account_roles',
	'storage_policies'
] as const;

/**
 * Indexes that keep pulls from reading whole tables:
 * - `(enterprise_id, version)` on every table a pull reads rows "changed since" from;
 * - users by their email reversed, lower case, in byte order: a domain's users (R15's unclaimed
 *   counts, which every pull after a license change recomputes) are then a range of the index,
 *   `…tset.emca@` for acme.test and `…tset.emca.` for its subdomains, not a scan of every user.
 *   SQLite gets `reverse` from the connection (db/index.ts), as it gets `lower`;
 * - on PostgreSQL, licenses by enterprise and user id in byte order, the roster pages' order.
 */
function pullIndexes(dialect: Dialect): Migration {
	return {
		async up(db: Kysely<unknown>) {
			for (const table of PULLED_TABLES) {
				await db.schema
					.createIndex(`${table}_enterprise_version`)
					.on(table)
					.columns(['enterprise_id', 'version'])
					.execute();
			}
			if (dialect === 'postgres') {
				// Roster pages go by user id in byte order (COLLATE "C"), which the primary key, in the
				// database's collation, cannot give: without this, each page sorted the whole roster.
				await sql`create index licenses_roster on licenses (enterprise_id, user_id collate "C")`.execute(
					db
				);
			}
			await (
				dialect === 'postgres'
					? sql`create index users_email_reversed on users ((reverse(lower(email))) collate "C")`
					: sql`create index users_email_reversed on users (reverse(lower(email)))`
			).execute(db);
		}
	};
}

/**
 * Pending domain verifications (R13): the last DNS check (when, the records, any error) and until
 * when Roster re-checks on its own, so a record published later verifies without the admin.
 */
const domainRechecks: Migration = {
	async up(db: Kysely<unknown>) {
		await db.schema.alterTable('domains').addColumn('checked_at', TS).execute();
		await db.schema.alterTable('domains').addColumn('check_records', 'text').execute();
		await db.schema.alterTable('domains').addColumn('check_error', 'text').execute();
		await db.schema.alterTable('domains').addColumn('recheck_until', TS).execute();
		await db.schema.createIndex('domains_recheck').on('domains').column('recheck_until').execute();
	}
};

/**
 * The reversed-email index carries each user's id too, so counting a domain's unclaimed users
 * (R15) reads only the index and the licenses' key, not every user's row as well: at 100,000 users
 * on one domain, about 200 ms → 125 ms on SQLite, paid on each change by the first console pulling.
 */
function unclaimedCovering(dialect: Dialect): Migration {
	return {
		async up(db: Kysely<unknown>) {
			await sql`drop index users_email_reversed`.execute(db);
			await (
				dialect === 'postgres'
					? sql`create index users_email_reversed on users ((reverse(lower(email))) collate "C", id)`
					: sql`create index users_email_reversed on users (reverse(lower(email)), id)`
			).execute(db);
		}
	};
}

/** Every migration, in order. Append new ones; never edit one that has shipped. */
export function migrations(dialect: Dialect): Record<string, Migration> {
	return {
		'0001_initial': initial(dialect),
		'0002_scim': scim,
		'0003_domain_capture_via_parent': domainCaptureViaParent(dialect),
		'0004_account_role_versions': accountRoleVersions,
		'0005_cookie_floor': cookieFloor,
		'0006_scim_display_name': scimDisplayName,
		'0007_purge_indexes': purgeIndexes,
		'0008_activity_sync': activitySync(dialect),
		'0009_scim_names_enterprise_user': scimNamesAndEnterpriseUser,
		'0010_sso': sso,
		'0011_mail': mail,
		'0012_mail_fixes': mailFixes,
		'0013_sso_fixes': ssoFixes,
		'0014_activity_indexes': activityIndexes(dialect),
		'0015_unique_names': uniqueNames,
		'0016_pull_indexes': pullIndexes(dialect),
		'0017_domain_rechecks': domainRechecks,
		'0018_unclaimed_covering': unclaimedCovering(dialect)
	};
}
