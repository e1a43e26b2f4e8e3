import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { sql } from 'kysely';
import * as oidc from 'openid-client';
import type { Db } from '../db';
import { emailDomain, isWithin } from '../../domain/domains';
import { normalizeEmail } from '../../domain/email';
import { canUseConsole, type AccountRole } from '../../domain/roles';
import { log } from '../log';
import { recordSignIn } from '../activity.service';
import { writeAudit } from '../audit.service';
import { countAddressAttempt, releaseAddressAttempt } from './login';
import { createSession } from './session';
import { open, seal } from './secret-box';
import { issuerFetch, loopbackIssuerAllowed, refusalIn, refusedAddress } from './issuer-fetch';

/** How long a browser has to come back from the IdP. */
const LOGIN_TTL_MS = 10 * 60 * 1000;

/** The page the IdP sends the browser back to, on this console's origin. */
export const CALLBACK_PATH = '/login/sso/callback';

/** The name of the cookie that binds an SSO sign-in under way to its browser. */
export const SSO_COOKIE = 'roster_sso';

/** The SSO settings of an enterprise as the console shows them: never the client secret. */
export interface SsoSettings {
	configured: boolean;
	issuer: string;
	clientID: string;
	hasSecret: boolean;
	required: boolean;
	testedAt: number | null;
}

/** A refusal in plain words, for the admin. */
export class SsoError extends Error {
	constructor(
		readonly code:
			| 'NOT_CONFIGURED'
			| 'NO_REALM'
			| 'PROVIDER_UNREACHABLE'
			| 'PROVIDER_INCOMPLETE'
			| 'RATE_LIMITED'
			| 'EXPIRED'
			| 'REJECTED'
			| 'EMAIL_NOT_ALLOWED'
			| 'IDENTITY_MISMATCH'
			| 'NO_ACCOUNT'
			| 'CHOOSE_ENTERPRISE',
		message: string,
		readonly retryAfterSeconds = 0,
		/** With CHOOSE_ENTERPRISE: the enterprises the email could sign in to. */
		readonly choices: { id: string; name: string }[] = []
	) {
		super(message);
	}
}

/** Logs why a step of single sign-on failed (`context` and the cause) and refuses it as `code`. */
function failStep(
	level: 'warn' | 'error',
	what: string,
	context: Record<string, unknown>,
	err: unknown,
	code: SsoError['code'],
	message: string
): never {
	log(level, what, { ...context, err: err instanceof Error ? err.message : String(err) });
	throw new SsoError(code, message);
}

function hash(secret: string): string {
	return createHash('sha256').update(secret).digest('hex');
}

/**
 * An issuer URL as stored: https, or http on a loopback address when SSO_ALLOW_LOOPBACK_ISSUER=true
 * (an IdP on the same machine, as in the tests); no credentials, query or fragment; not an address
 * on a private, loopback or link-local network (names are checked again when resolved, on every
 * request to the IdP). Returns a message when it is not acceptable.
 */
export function checkIssuer(
	input: string,
	env: NodeJS.ProcessEnv = process.env
): { ok: true; issuer: string } | { ok: false; message: string } {
	let url: URL;
	try {
		url = new URL(input.trim());
	} catch {
		return {
			ok: false,
			message: 'Enter the issuer as a full URL, for example https://login.example.com'
		};
	}
	const allowLoopback = loopbackIssuerAllowed(env);
	const host = url.hostname.replace(/^\[|\]$/g, '');
	const isLoopback = host === 'localhost' || refusedAddress(host, false) === 'loopback';
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback && allowLoopback)) {
		return { ok: false, message: 'The issuer URL must start with https://' };
	}
	if (url.username || url.password || url.search || url.hash) {
		return { ok: false, message: 'The issuer URL has no user name, query or fragment' };
	}
	if ((isLoopback && !allowLoopback) || (isIP(host) && refusedAddress(host, allowLoopback))) {
		return {
			ok: false,
			message:
				"The issuer URL must be the identity provider's public address, not one on a private, loopback or link-local network"
		};
	}
	return { ok: true, issuer: url.href.replace(/\/$/, '') };
}

/** The enterprise's SSO settings, without the secret. */
export async function ssoSettings({ db }: Db, enterpriseID: string): Promise<SsoSettings> {
	const row = await db
		.selectFrom('sso_configs')
		.select(['issuer', 'client_id', 'required', 'tested_at'])
		.where('enterprise_id', '=', enterpriseID)
		.executeTakeFirst();
	if (!row) {
		return {
			configured: false,
			issuer: '',
			clientID: '',
			hasSecret: false,
			required: false,
			testedAt: null
		};
	}
	return {
		configured: true,
		issuer: row.issuer,
		clientID: row.client_id,
		hasSecret: true,
		required: row.required === 1,
		testedAt: row.tested_at == null ? null : Number(row.tested_at)
	};
}

/**
 * Saves the SSO settings (owner only, checked by the caller). An empty `clientSecret` keeps the
 * stored one. Audited, without the secret (R24).
 */
export async function saveSsoSettings(
	database: Db,
	enterpriseID: string,
	input: { issuer: string; clientID: string; clientSecret: string; required: boolean },
	actor: { userID: string },
	now = Date.now()
): Promise<SsoSettings> {
	const issuer = checkIssuer(input.issuer);
	if (!issuer.ok) throw new SsoError('NOT_CONFIGURED', issuer.message);
	const before = await ssoSettings(database, enterpriseID);
	if (!before.configured && !input.clientSecret) {
		throw new SsoError(
			'NOT_CONFIGURED',
			'Enter the client secret your identity provider gave you.'
		);
	}
	const changedSecret = input.clientSecret !== '';
	// The stored secret goes only to the issuer and client it was entered for: moving either needs it
	// entered again (otherwise it would be sent to the new issuer).
	if (
		before.configured &&
		!changedSecret &&
		(before.issuer !== issuer.issuer || before.clientID !== input.clientID)
	) {
		throw new SsoError(
			'NOT_CONFIGURED',
			'Enter the client secret again: a new issuer URL or client ID needs its secret, and the saved one is only sent to the identity provider it was entered for.'
		);
	}
	await database.db.transaction().execute(async (trx) => {
		const values = {
			issuer: issuer.issuer,
			client_id: input.clientID,
			required: input.required ? 1 : 0,
			updated_at: now,
			// A new issuer or client has not been tested yet.
			...(before.issuer !== issuer.issuer || before.clientID !== input.clientID || changedSecret
				? { tested_at: null }
				: {})
		};
		if (before.configured) {
			await trx
				.updateTable('sso_configs')
				.set({
					...values,
					...(changedSecret ? { client_secret: seal(input.clientSecret, enterpriseID) } : {})
				})
				.where('enterprise_id', '=', enterpriseID)
				.execute();
		} else {
			await trx
				.insertInto('sso_configs')
				.values({
					enterprise_id: enterpriseID,
					client_secret: seal(input.clientSecret, enterpriseID),
					tested_at: null,
					...values
				})
				.execute();
		}
		const describe = (s: SsoSettings) =>
			s.configured ? { issuer: s.issuer, clientID: s.clientID, required: s.required } : null;
		await writeAudit(trx, {
			enterpriseID,
			at: now,
			actorUserID: actor.userID,
			kind: 'console',
			action: 'updateSsoSettings',
			target: 'Single sign-on',
			before: describe(before),
			after: {
				issuer: issuer.issuer,
				clientID: input.clientID,
				required: input.required,
				secretChanged: changedSecret
			}
		});
	});
	return ssoSettings(database, enterpriseID);
}

/** Removes the SSO settings (and so the requirement); audited. */
export async function removeSsoSettings(
	{ db }: Db,
	enterpriseID: string,
	actor: { userID: string },
	now = Date.now()
): Promise<void> {
	await db.transaction().execute(async (trx) => {
		const gone = await trx
			.deleteFrom('sso_configs')
			.where('enterprise_id', '=', enterpriseID)
			.returning(['issuer', 'client_id', 'required'])
			.executeTakeFirst();
		if (!gone) return;
		await writeAudit(trx, {
			enterpriseID,
			at: now,
			actorUserID: actor.userID,
			kind: 'console',
			action: 'removeSsoSettings',
			target: 'Single sign-on',
			before: { issuer: gone.issuer, clientID: gone.client_id, required: gone.required === 1 }
		});
	});
}

async function configOf(
	{ db }: Db,
	enterpriseID: string
): Promise<{ issuer: string; clientID: string; clientSecret: string } | null> {
	const row = await db
		.selectFrom('sso_configs')
		.select(['issuer', 'client_id', 'client_secret'])
		.where('enterprise_id', '=', enterpriseID)
		.executeTakeFirst();
	if (!row) return null;
	let clientSecret: string;
	try {
		clientSecret = open(row.client_secret, enterpriseID);
	} catch (err) {
		// The key changed (SECRET_KEY, or DATA_DIR/secret.key lost): the owner enters the secret again.
		failStep(
			'error',
			'SSO client secret cannot be decrypted',
			{ enterpriseID },
			err,
			'NOT_CONFIGURED',
			"Single sign-on cannot be used: the saved client secret can no longer be read (the server's secret key changed). The owner must enter the client secret again in Settings."
		);
	}
	return { issuer: row.issuer, clientID: row.client_id, clientSecret };
}

/** The IdP's configuration through discovery, ID token signatures checked against its keys. */
async function discover(config: { issuer: string; clientID: string; clientSecret: string }) {
	const execute = [oidc.enableNonRepudiationChecks];
	if (new URL(config.issuer).protocol === 'http:') execute.push(oidc.allowInsecureRequests);
	let found: oidc.Configuration;
	try {
		found = await oidc.discovery(
			new URL(config.issuer),
			config.clientID,
			config.clientSecret,
			undefined,
			{
				execute,
				timeout: 10,
				// Every request to the IdP (discovery, keys, token) reaches public addresses only.
				[oidc.customFetch]: issuerFetch()
			}
		);
	} catch (err) {
		const refused = refusalIn(err);
		if (refused) {
			log('warn', 'OpenID discovery refused: private address', {
				issuer: config.issuer,
				address: refused.address
			});
			throw new SsoError('PROVIDER_UNREACHABLE', refused.message);
		}
		failStep(
			'warn',
			'OpenID discovery failed',
			{ issuer: config.issuer },
			err,
			'PROVIDER_UNREACHABLE',
			`Could not read the identity provider's configuration at ${config.issuer}/.well-known/openid-configuration. Check the issuer URL.`
		);
	}
	const missing = missingMetadata(found.serverMetadata());
	if (missing.length > 0) {
		log('warn', 'OpenID configuration incomplete', { issuer: config.issuer, missing });
		throw new SsoError(
			'PROVIDER_INCOMPLETE',
			`The identity provider's configuration at ${config.issuer} is incomplete: it does not give ${missing.map((m) => REQUIRED_METADATA[m]).join(', ')}. Check the issuer URL, or the application's settings at the identity provider.`
		);
	}
	return found;
}

/** What a sign-in needs from the IdP's configuration, in plain words. */
const REQUIRED_METADATA = {
	authorization_endpoint: 'the address of its sign-in page (authorization endpoint)',
	token_endpoint: 'the address where sign-ins are completed (token endpoint)',
	jwks_uri: 'the address of its signing keys (JWKS)'
} as const;

/** The required fields an IdP's configuration lacks (or gives as something other than an https or http URL). */
function missingMetadata(
	meta: Partial<Record<keyof typeof REQUIRED_METADATA, unknown>>
): (keyof typeof REQUIRED_METADATA)[] {
	return (Object.keys(REQUIRED_METADATA) as (keyof typeof REQUIRED_METADATA)[]).filter((field) => {
		const value = meta[field];
		if (typeof value !== 'string') return true;
		try {
			return !['https:', 'http:'].includes(new URL(value).protocol);
		} catch {
			return true;
		}
	});
}

/** Checks the stored settings against the IdP (discovery, code flow with PKCE); records when it passed. */
export async function testSsoSettings(
	database: Db,
	enterpriseID: string,
	now = Date.now()
): Promise<{ ok: true; message: string } | { ok: false; message: string }> {
	const config = await configOf(database, enterpriseID);
	if (!config) return { ok: false, message: 'Save the single sign-on settings first.' };
	try {
		const found = await discover(config);
		const meta = found.serverMetadata();
		if (meta.response_types_supported && !meta.response_types_supported.includes('code')) {
			return {
				ok: false,
				message: 'The identity provider does not offer the authorization code flow.'
			};
		}
		if (!meta.supportsPKCE()) {
			return { ok: false, message: 'The identity provider does not support PKCE (S256).' };
		}
	} catch (err) {
		if (err instanceof SsoError) return { ok: false, message: err.message };
		throw err;
	}
	await database.db
		.updateTable('sso_configs')
		.set({ tested_at: now })
		.where('enterprise_id', '=', enterpriseID)
		.execute();
	return { ok: true, message: `The identity provider at ${config.issuer} answered as expected.` };
}

/**
 * Home realm discovery (R13): the enterprises whose verified domain covers the email's domain (a
 * verified root covers its subdomains) and that have SSO set up, by name.
 */
export async function realmsOf({ db }: Db, email: string): Promise<{ id: string; name: string }[]> {
	const host = emailDomain(normalizeEmail(email));
	const rows = await db
		.selectFrom('domains')
		.innerJoin('sso_configs', 'sso_configs.enterprise_id', 'domains.enterprise_id')
		.innerJoin('enterprises', 'enterprises.id', 'domains.enterprise_id')
		.select(['enterprises.id', 'enterprises.name', 'domains.domain'])
		.where('domains.verified_at', 'is not', null)
		.execute();
	const found = new Map<string, { id: string; name: string }>();
	for (const r of rows) if (isWithin(host, r.domain)) found.set(r.id, { id: r.id, name: r.name });
	return [...found.values()].sort(
		(a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
	);
}

/**
 * The one enterprise an email's domain leads to for SSO, or null when it leads to none, or to more
 * than one (then the person chooses: see `startSso`).
 */
export async function realmOf(database: Db, email: string): Promise<string | null> {
	const realms = await realmsOf(database, email);
	return realms.length === 1 ? realms[0]!.id : null;
}

/**
 * Starts an SSO sign-in for a work email: finds the enterprise, and returns the IdP's authorization
 * URL and the cookie secret that binds state, nonce and PKCE verifier to this browser. Counts
 * against the sign-in limit of the address like a password attempt.
 */
export async function startSso(
	database: Db,
	input: {
		email: string;
		next: string;
		redirectURI: string;
		ip: string | null;
		/** The enterprise the person chose, when the email's domain leads to several. */
		enterpriseID?: string;
	},
	now = Date.now()
): Promise<{ url: string; cookie: string }> {
	const limited = await countAddressAttempt(database, input.ip, now);
	if (!limited.allowed) {
		throw new SsoError('RATE_LIMITED', '', limited.retryAfterSeconds);
	}
	const realms = await realmsOf(database, input.email);
	if (realms.length === 0) {
		throw new SsoError(
			'NO_REALM',
			'Single sign-on is not set up for that email address. Sign in with your password, or ask your owner.'
		);
	}
	// Several enterprises use SSO for this domain: the person chooses; none is picked for them.
	const chosen = realms.length === 1 ? realms[0] : realms.find((r) => r.id === input.enterpriseID);
	if (!chosen) {
		throw new SsoError(
			'CHOOSE_ENTERPRISE',
			`More than one enterprise uses single sign-on for ${emailDomain(normalizeEmail(input.email))}. Choose the one you are signing in to.`,
			0,
			realms
		);
	}
	const enterpriseID = chosen.id;
	const config = await configOf(database, enterpriseID);
	if (!config)
		throw new SsoError('NO_REALM', 'Single sign-on is not set up for that email address.');
	const found = await discover(config);
	const state = oidc.randomState();
	const nonce = oidc.randomNonce();
	const verifier = oidc.randomPKCECodeVerifier();
	const cookie = randomBytes(32).toString('base64url');
	let url: URL;
	try {
		url = oidc.buildAuthorizationUrl(found, {
			redirect_uri: input.redirectURI,
			scope: 'openid email profile',
			response_type: 'code',
			state,
			nonce,
			code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
			code_challenge_method: 'S256',
			login_hint: normalizeEmail(input.email)
		});
	} catch (err) {
		failStep(
			'warn',
			'SSO sign-in could not start',
			{ enterpriseID },
			err,
			'PROVIDER_INCOMPLETE',
			"Single sign-on could not start: the identity provider's configuration is not usable. Ask your owner to test the single sign-on settings."
		);
	}
	await database.db.deleteFrom('sso_logins').where('expires_at', '<=', now).execute();
	await database.db
		.insertInto('sso_logins')
		.values({
			id: hash(cookie),
			enterprise_id: enterpriseID,
			state,
			nonce,
			code_verifier: verifier,
			redirect_uri: input.redirectURI,
			next: input.next,
			expires_at: now + LOGIN_TTL_MS
		})
		.execute();
	return { url: url.href, cookie };
}

const REJECTED =
	"The identity provider's answer could not be verified, so you were not signed in. Try again; if it keeps happening, ask your owner to test the single sign-on settings.";

/**
 * Finishes an SSO sign-in on the callback: the browser's cookie finds the sign-in under way (used
 * once, whatever the outcome); the code is exchanged with its PKCE verifier, state and nonce
 * checked and the ID token verified by openid-client. The IdP's email must be verified and on one
 * of the enterprise's verified domains (R13), and belong to an admin of that enterprise; the IdP
 * subject is then linked to the account.
 */
export async function finishSso(
	database: Db,
	input: {
		cookie: string | undefined;
		callbackURL: URL;
		ip: string | null;
		userAgent: string | null;
	},
	now = Date.now()
): Promise<{ secret: string; expiresAt: number; next: string; userID: string }> {
	const expired = new SsoError(
		'EXPIRED',
		'This sign-in link has expired or was already used. Start again with Continue with SSO.'
	);
	if (!input.cookie || !/^[A-Za-z0-9_-]{20,100}$/.test(input.cookie)) throw expired;
	const pending = await database.db
		.deleteFrom('sso_logins')
		.where('id', '=', hash(input.cookie))
		.returningAll()
		.executeTakeFirst();
	if (!pending || Number(pending.expires_at) <= now) throw expired;
	// The IdP must send the browser back to the address the sign-in started from.
	const back = new URL(input.callbackURL.pathname, input.callbackURL.origin).href;
	if (back !== pending.redirect_uri) throw new SsoError('REJECTED', REJECTED);
	const config = await configOf(database, pending.enterprise_id);
	if (!config)
		throw new SsoError('NOT_CONFIGURED', 'Single sign-on is no longer set up for this enterprise.');
	const found = await discover(config);
	const providerError = input.callbackURL.searchParams.get('error');
	if (providerError) {
		const described = input.callbackURL.searchParams.get('error_description');
		throw new SsoError(
			'REJECTED',
			`The identity provider did not sign you in (${(described || providerError).slice(0, 200)}).`
		);
	}
	let claims: oidc.IDToken | undefined;
	try {
		const tokens = await oidc.authorizationCodeGrant(found, input.callbackURL, {
			pkceCodeVerifier: pending.code_verifier,
			expectedState: pending.state,
			expectedNonce: pending.nonce,
			idTokenExpected: true
		});
		claims = tokens.claims();
	} catch (err) {
		failStep(
			'warn',
			'SSO sign-in refused',
			{ enterpriseID: pending.enterprise_id },
			err,
			'REJECTED',
			REJECTED
		);
	}
	if (!claims) throw new SsoError('REJECTED', REJECTED);
	const session = await signInVouched(
		database,
		{
			enterpriseID: pending.enterprise_id,
			issuer: config.issuer,
			claims,
			ip: input.ip,
			userAgent: input.userAgent
		},
		now
	);
	return { ...session, next: pending.next };
}

/**
 * Signs in the admin an IdP vouched for, once its ID token is verified: the IdP's email must be
 * verified and on one of the enterprise's verified domains (R13), and belong to an admin of that
 * enterprise; the IdP subject is then linked to the account. The session reaches that enterprise
 * only.
 */
export async function signInVouched(
	database: Db,
	input: {
		enterpriseID: string;
		issuer: string;
		claims: { sub: string; email?: unknown; email_verified?: unknown };
		ip: string | null;
		userAgent: string | null;
	},
	now = Date.now()
): Promise<{ secret: string; expiresAt: number; userID: string }> {
	const { claims, enterpriseID } = input;
	const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : null;
	if (!email || claims.email_verified !== true) {
		throw new SsoError(
			'EMAIL_NOT_ALLOWED',
			'Your identity provider did not confirm that your email address is verified, so you were not signed in. Ask your IT team.'
		);
	}
	const domains = await database.db
		.selectFrom('domains')
		.select('domain')
		.where('enterprise_id', '=', enterpriseID)
		.where('verified_at', 'is not', null)
		.execute();
	if (!domains.some((d) => isWithin(emailDomain(email), d.domain))) {
		throw new SsoError(
			'EMAIL_NOT_ALLOWED',
			`${email} is not on one of this enterprise's verified domains, so you were not signed in.`
		);
	}
	const userID = await linkedAccount(database, enterpriseID, input.issuer, claims.sub, email, now);
	// R19: the last login is Last Active for users without tracked activity; consoles receive it,
	// as after a password sign-in.
	await recordSignIn(database, userID, now);
	await releaseAddressAttempt(database, input.ip);
	// The IdP vouches for this enterprise only: the session reaches it and no other.
	const session = await createSession(
		database,
		userID,
		{ ip: input.ip, userAgent: input.userAgent },
		now,
		{ method: 'sso', ssoEnterpriseID: enterpriseID }
	);
	return { ...session, userID };
}

/**
 * The admin an IdP subject is linked to, linking it by email on the first SSO sign-in. A link keeps
 * matching its account's email: a linked subject whose verified email is now another's is refused
 * (the IdP reassigned or renamed it), and an account has one identity per enterprise and issuer (a
 * second subject claiming its email is refused; the database holds that too).
 */
async function linkedAccount(
	{ db }: Db,
	enterpriseID: string,
	issuer: string,
	subject: string,
	email: string,
	now: number
): Promise<string> {
	const linked = await db
		.selectFrom('sso_identities')
		.innerJoin('users', 'users.id', 'sso_identities.user_id')
		.select(['users.id', 'users.email'])
		.where('sso_identities.enterprise_id', '=', enterpriseID)
		.where('sso_identities.issuer', '=', issuer)
		.where('sso_identities.subject', '=', subject)
		.executeTakeFirst();
	if (linked && normalizeEmail(linked.email) !== email) {
		log('warn', 'SSO sign-in refused: the linked account has another email', {
			enterpriseID,
			issuer
		});
		throw new SsoError(
			'IDENTITY_MISMATCH',
			`Your identity provider signed you in as ${email}, but that identity belongs to another Roster account, so you were not signed in. Ask your owner.`
		);
	}
	const user = linked
		? { id: linked.id }
		: await db
				.selectFrom('users')
				.select('id')
				.where(sql`lower(email)`, '=', email)
				.executeTakeFirst();
	const role = user
		? await db
				.selectFrom('account_roles')
				.select('role')
				.where('enterprise_id', '=', enterpriseID)
				.where('user_id', '=', user.id)
				.executeTakeFirst()
		: undefined;
	if (!user || !canUseConsole(role?.role as AccountRole | undefined)) {
		throw new SsoError(
			'NO_ACCOUNT',
			`${email} is not an admin of this enterprise in Roster. Ask your owner to add you.`
		);
	}
	if (!linked) {
		await db
			.insertInto('sso_identities')
			.values({ enterprise_id: enterpriseID, issuer, subject, user_id: user.id, created_at: now })
			.onConflict((oc) => oc.doNothing())
			.execute();
		// Linked to this subject now, or already to another one (then refused).
		const own = await db
			.selectFrom('sso_identities')
			.select('subject')
			.where('enterprise_id', '=', enterpriseID)
			.where('issuer', '=', issuer)
			.where('user_id', '=', user.id)
			.executeTakeFirst();
		if (own?.subject !== subject) {
			log('warn', 'SSO sign-in refused: the account is linked to another identity', {
				enterpriseID,
				issuer
			});
			throw new SsoError(
				'IDENTITY_MISMATCH',
				`${email} is already linked to another identity at your identity provider, so you were not signed in. Ask your owner.`
			);
		}
	}
	return user.id;
}

/**
 * Whether password sign-in is closed to an admin: it is when every enterprise they hold a console
 * role in requires SSO (the policy is per enterprise: a password session then acts only where SSO is
 * not required, checked on every request). The owner keeps the password as a way back in (lock-out
 * recovery): `fallbackIn` lists the enterprises where that happens, to audit it.
 */
export async function passwordPolicy(
	{ db }: Db,
	userID: string
): Promise<{ blocked: boolean; fallbackIn: string[] }> {
	const rows = await db
		.selectFrom('account_roles')
		.leftJoin('sso_configs', 'sso_configs.enterprise_id', 'account_roles.enterprise_id')
		.select(['account_roles.enterprise_id', 'account_roles.role', 'sso_configs.required'])
		.where('account_roles.user_id', '=', userID)
		.execute();
	const console = rows.filter((r) => canUseConsole(r.role));
	const required = console.filter((r) => r.required === 1);
	const open = console.filter((r) => r.required !== 1 || r.role === 'owner');
	return {
		blocked: required.length > 0 && open.length === 0,
		fallbackIn: required.filter((r) => r.role === 'owner').map((r) => r.enterprise_id)
	};
}

/** Records an owner's password sign-in where SSO is required (the lock-out fallback), R24. */
export async function auditPasswordFallback(
	{ db }: Db,
	userID: string,
	enterpriseIDs: string[],
	now = Date.now()
): Promise<void> {
	for (const enterpriseID of enterpriseIDs) {
		await writeAudit(db, {
			enterpriseID,
			at: now,
			actorUserID: userID,
			kind: 'console',
			action: 'ssoPasswordFallback',
			target: 'Single sign-on',
			after: { signedInWith: 'password' }
		});
	}
}
