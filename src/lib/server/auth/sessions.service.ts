import { createHash } from 'node:crypto';
import type { Db } from '../db';
import { writeAudit } from '../audit.service';
import { endStreamsOfSession } from '../sync/poke';

/** A session as its admin sees it in the console: never its secret. */
export interface SessionInfo {
	/** The stored id (a hash of the cookie's secret); names the session to end it. */
	id: string;
	device: string;
	ip: string | null;
	createdAt: number;
	/** Refreshed at most hourly as the session is used. */
	lastSeenAt: number;
	current: boolean;
}

const BROWSERS: [RegExp, string][] = [
	[/Edg\//, 'Edge'],
	[/OPR\//, 'Opera'],
	[/Firefox\//, 'Firefox'],
	[/Chrom(e|ium)\//, 'Chrome'],
	[/Safari\//, 'Safari']
];
const SYSTEMS: [RegExp, string][] = [
	[/iPad/, 'iPad'],
	[/iPhone/, 'iPhone'],
	[/Android/, 'Android'],
	[/Windows/, 'Windows'],
	[/Mac OS X|Macintosh/, 'macOS'],
	[/CrOS/, 'ChromeOS'],
	[/Linux/, 'Linux']
];

/** A short name for the device a user agent describes, e.g. "Chrome on Linux". */
export function describeDevice(userAgent: string | null): string {
	if (!userAgent) return 'Unknown device';
	const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1];
	const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1];
	if (browser && system) return `${browser} on ${system}`;
	return browser ?? system ?? userAgent.slice(0, 60);
}

function idOf(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

/**
 * Which of an account's sessions a session may see and end: a password session, all of them; a
 * session made through an enterprise's IdP, only those made through the same one (that IdP vouches
 * for nothing of the account beyond its enterprise, R25).
 */
export type SessionScope = { ssoEnterpriseID: string | null };

/** The admin's live sessions, most recently used first, the one making the request marked. */
export async function listSessions(
	{ db }: Db,
	userID: string,
	currentSecret: string | null,
	scope: SessionScope = { ssoEnterpriseID: null },
	now = Date.now()
): Promise<SessionInfo[]> {
	const current = currentSecret ? idOf(currentSecret) : null;
	let query = db
		.selectFrom('sessions')
		.select(['id', 'user_agent', 'ip', 'created_at', 'last_seen_at'])
		.where('user_id', '=', userID)
		.where('expires_at', '>', now);
	if (scope.ssoEnterpriseID !== null)
		query = query
			.where('method', '=', 'sso')
			.where('sso_enterprise_id', '=', scope.ssoEnterpriseID);
	const rows = await query.orderBy('last_seen_at', 'desc').execute();
	return rows.map((r) => ({
		id: r.id,
		device: describeDevice(r.user_agent),
		ip: r.ip,
		createdAt: Number(r.created_at),
		lastSeenAt: Number(r.last_seen_at),
		current: r.id === current
	}));
}

/** Ends one of the admin's own sessions in scope; false when they have no such session. */
export async function endOwnSession(
	{ db }: Db,
	userID: string,
	sessionID: string,
	scope: SessionScope = { ssoEnterpriseID: null }
): Promise<boolean> {
	let query = db.deleteFrom('sessions').where('id', '=', sessionID).where('user_id', '=', userID);
	if (scope.ssoEnterpriseID !== null)
		query = query
			.where('method', '=', 'sso')
			.where('sso_enterprise_id', '=', scope.ssoEnterpriseID);
	const gone = await query.executeTakeFirst();
	endStreamsOfSession(sessionID);
	return Number(gone.numDeletedRows) > 0;
}

/**
 * The owner ends every session of an admin of their enterprise (a lost laptop, someone leaving);
 * audited in that enterprise (R24). Returns how many ended, or null when the person holds no
 * console role there.
 */
export async function endAdminSessions(
	{ db }: Db,
	enterpriseID: string,
	targetUserID: string,
	actor: { userID: string },
	now = Date.now()
): Promise<number | null> {
	const ended = await db.transaction().execute(async (trx) => {
		const target = await trx
			.selectFrom('account_roles')
			.innerJoin('users', 'users.id', 'account_roles.user_id')
			.select(['users.email', 'account_roles.role'])
			.where('account_roles.enterprise_id', '=', enterpriseID)
			.where('account_roles.user_id', '=', targetUserID)
			.where('account_roles.role', 'in', ['owner', 'co-owner', 'billing'])
			.executeTakeFirst();
		if (!target) return null;
		const ended = await trx
			.deleteFrom('sessions')
			.where('user_id', '=', targetUserID)
			.returning('id')
			.execute();
		await writeAudit(trx, {
			enterpriseID,
			at: now,
			actorUserID: actor.userID,
			kind: 'console',
			action: 'endAdminSessions',
			target: target.email,
			before: { sessions: ended.length },
			after: { sessions: 0 }
		});
		return ended.map((s) => s.id);
	});
	if (ended === null) return null;
	// Its poke streams on this instance end at once (others at their next check).
	for (const id of ended) endStreamsOfSession(id);
	return ended.length;
}
