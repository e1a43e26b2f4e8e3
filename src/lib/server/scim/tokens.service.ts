import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { writeAudit } from '../audit.service';
import { hashToken } from '../auth/tokens';
import { DAY_MS } from '../../domain/seats';
import { ScimError } from './errors';
import {
	EXPIRY_WARNING_DAYS,
	REQUEST_LOG_SIZE,
	type ScimOverview,
	type ScimTokenInfo,
	type TokenExpiry
} from '../../domain/scim';

export { TOKEN_EXPIRIES, REQUEST_LOG_SIZE } from '../../domain/scim';

const EXPIRY_DAYS: Record<TokenExpiry, number | null> = {
	'30d': 30,
	'90d': 90,
	'180d': 180,
	'1y': 365,
	'2y': 730,
	never: null
};

/** When a token made at `now` with `expiry` stops working (null: never). */
export function expiresAt(expiry: TokenExpiry, now: number): number | null {
	const days = EXPIRY_DAYS[expiry];
	return days === null ? null : now + days * DAY_MS;
}

function tokenInfo(
	row: {
		id: string;
		created_at: number;
		expires_at: number | null;
		last_used_at: number | null;
	},
	now: number
): ScimTokenInfo {
	const expires = row.expires_at == null ? null : Number(row.expires_at);
	const expired = expires !== null && expires <= now;
	return {
		id: row.id,
		createdAt: Number(row.created_at),
		expiresAt: expires,
		lastUsedAt: row.last_used_at == null ? null : Number(row.last_used_at),
		expired,
		expiresSoon: expires !== null && !expired && expires - now <= EXPIRY_WARNING_DAYS * DAY_MS
	};
}

/** The SCIM state of an enterprise: enabled, live tokens, the last 100 requests (R23). */
export async function scimOverview(
	{ db }: Db,
	enterpriseID: string,
	now = Date.now()
): Promise<Omit<ScimOverview, 'baseURL'>> {
	const [enterprise, domain, tokens, requests] = await Promise.all([
		db
			.selectFrom('enterprises')
			.select('scim_enabled')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow(),
		db
			.selectFrom('domains')
			.select('id')
			.where('enterprise_id', '=', enterpriseID)
			.where('verified_at', 'is not', null)
			.executeTakeFirst(),
		db
			.selectFrom('scim_tokens')
			.select(['id', 'created_at', 'expires_at', 'last_used_at'])
			.where('enterprise_id', '=', enterpriseID)
			.where('revoked_at', 'is', null)
			.orderBy('created_at', 'desc')
			.execute(),
		db
			.selectFrom('scim_requests')
			.select(['id', 'method', 'path', 'status', 'at'])
			.where('enterprise_id', '=', enterpriseID)
			.orderBy('id', 'desc')
			.limit(REQUEST_LOG_SIZE)
			.execute()
	]);
	return {
		enabled: enterprise.scim_enabled === 1,
		hasVerifiedDomain: !!domain,
		tokens: tokens.map((t) => tokenInfo(t, now)),
		requests: requests.map((r) => ({
			id: Number(r.id),
			method: r.method,
			path: r.path,
			status: Number(r.status),
			at: Number(r.at)
		}))
	};
}

/** Who changes the SCIM settings, for the audit log (R24). */
export interface ConsoleActor {
	userID: string;
}

async function audit(
	{ db }: Db,
	enterpriseID: string,
	actor: ConsoleActor,
	action: string,
	after: unknown,
	now: number
) {
	await writeAudit(db, {
		enterpriseID,
		at: now,
		actorUserID: actor.userID,
		kind: 'console',
		action,
		target: 'SCIM',
		after
	});
}

/** Turns SCIM on (needs a verified domain, R23) or off (tokens then get 401). */
export async function setScimEnabled(
	database: Db,
	enterpriseID: string,
	enabled: boolean,
	actor: ConsoleActor,
	now = Date.now()
): Promise<void> {
	if (enabled) {
		const domain = await database.db
			.selectFrom('domains')
			.select('id')
			.where('enterprise_id', '=', enterpriseID)
			.where('verified_at', 'is not', null)
			.executeTakeFirst();
		if (!domain) {
			throw new ScimError(409, 'SCIM needs at least one verified domain: verify a domain first');
		}
	}
	await database.db
		.updateTable('enterprises')
		.set({ scim_enabled: enabled ? 1 : 0 })
		.where('id', '=', enterpriseID)
		.execute();
	await audit(database, enterpriseID, actor, enabled ? 'enableScim' : 'disableScim', null, now);
}

/**
 * Makes a token for an enterprise's IdP: 32 random bytes, stored as a SHA-256 hash, shown once
 * (R23). With `replaces`, the old token stops working at once (rotation; the URL stays the same).
 */
export async function issueToken(
	database: Db,
	enterpriseID: string,
	expiry: TokenExpiry,
	actor: ConsoleActor,
	opts: { replaces?: string; now?: number } = {}
): Promise<{ token: string; info: ScimTokenInfo }> {
	const now = opts.now ?? Date.now();
	const token = `roster_scim_${randomBytes(32).toString('base64url')}`;
	const row = {
		id: randomUUID(),
		enterprise_id: enterpriseID,
		token_hash: hashToken(token),
		created_at: now,
		expires_at: expiresAt(expiry, now),
		revoked_at: null,
		last_used_at: null
	};
	await database.db.transaction().execute(async (trx) => {
		const enterprise = await trx
			.selectFrom('enterprises')
			.select('scim_enabled')
			.where('id', '=', enterpriseID)
			.executeTakeFirstOrThrow();
		if (enterprise.scim_enabled !== 1) {
			throw new ScimError(409, 'enable SCIM before generating a token');
		}
		if (opts.replaces) {
			const revoked = await trx
				.updateTable('scim_tokens')
				.set({ revoked_at: now })
				.where('id', '=', opts.replaces)
				.where('enterprise_id', '=', enterpriseID)
				.where('revoked_at', 'is', null)
				.executeTakeFirst();
			if (Number(revoked.numUpdatedRows) === 0) {
				throw new ScimError(404, 'that token does not exist or was already revoked');
			}
		}
		await trx.insertInto('scim_tokens').values(row).execute();
	});
	await audit(
		database,
		enterpriseID,
		actor,
		opts.replaces ? 'rotateScimToken' : 'generateScimToken',
		{ tokenID: row.id, replaces: opts.replaces ?? null, expiresAt: row.expires_at },
		now
	);
	return { token, info: tokenInfo(row, now) };
}

/** Revokes a token: it gets 401 from now on. */
export async function revokeToken(
	database: Db,
	enterpriseID: string,
	tokenID: string,
	actor: ConsoleActor,
	now = Date.now()
): Promise<void> {
	const res = await database.db
		.updateTable('scim_tokens')
		.set({ revoked_at: now })
		.where('id', '=', tokenID)
		.where('enterprise_id', '=', enterpriseID)
		.where('revoked_at', 'is', null)
		.executeTakeFirst();
	if (Number(res.numUpdatedRows) === 0) {
		throw new ScimError(404, 'that token does not exist or was already revoked');
	}
	await audit(database, enterpriseID, actor, 'revokeScimToken', { tokenID }, now);
}

/** The enterprise and token a bearer token stands for, or a 401 (R23: expired tokens too). */
export async function authenticate(
	{ db }: Db,
	authorization: string | null,
	now = Date.now()
): Promise<{ enterpriseID: string; tokenID: string }> {
	const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(authorization ?? '');
	if (!match) throw new ScimError(401, 'a bearer token is required');
	const row = await db
		.selectFrom('scim_tokens')
		.innerJoin('enterprises', 'enterprises.id', 'scim_tokens.enterprise_id')
		.select([
			'scim_tokens.id',
			'scim_tokens.enterprise_id',
			'scim_tokens.expires_at',
			'scim_tokens.revoked_at',
			'enterprises.scim_enabled'
		])
		.where('scim_tokens.token_hash', '=', hashToken(match[1]!))
		.executeTakeFirst();
	if (!row || row.revoked_at !== null) throw new ScimError(401, 'the bearer token is not valid');
	if (row.expires_at !== null && Number(row.expires_at) <= now) {
		throw new ScimError(401, 'the bearer token has expired; generate a new one in the console');
	}
	if (row.scim_enabled !== 1) {
		throw new ScimError(401, 'SCIM is turned off for this enterprise');
	}
	return { enterpriseID: row.enterprise_id, tokenID: row.id };
}
