import type { Server as HttpServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

// A real OpenID Connect provider (panva's oidc-provider) on a loopback address of the test's own,
// with its development sign-in pages: any login name signs in as that account. An account's email
// is its login name, verified, unless `accounts` says otherwise.

/** What the IdP says about an account. */
export interface IdpAccount {
	email: string;
	emailVerified: boolean;
}

/** A change the test makes to the next ID tokens the token endpoint returns, re-signed with the IdP's own key. */
export type Tamper = (claims: JWTPayload) => JWTPayload;

export interface IdentityProvider {
	issuer: string;
	clientID: string;
	clientSecret: string;
	/** Accounts whose claims differ from "email = login, verified". */
	accounts: Map<string, IdpAccount>;
	/** While set, each ID token from the token endpoint is rewritten by it (and validly re-signed). */
	tamper: Tamper | null;
	/**
	 * While true, the IdP does not send the browser back to Roster: it keeps the callback URL (with
	 * the code and state) in `held` and shows a page instead, so a test can replay it elsewhere.
	 */
	holdCallback: boolean;
	held: string | null;
	stop(): Promise<void>;
}

/** Starts the IdP on `host` (e.g. 127.0.0.5) for a client whose redirect URI is `redirectURI`. */
export async function startIdentityProvider({
	host = '127.0.0.5',
	redirectURI
}: {
	host?: string;
	redirectURI: string;
}): Promise<IdentityProvider> {
	const { privateKey } = await generateKeyPair('RS256', { extractable: true });
	const kid = randomBytes(8).toString('hex');
	const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
	const clientID = `roster-${randomBytes(4).toString('hex')}`;
	const clientSecret = randomBytes(24).toString('base64url');
	const accounts = new Map<string, IdpAccount>();

	// The port is known once listening; the issuer names it, so listen first on a plain server.
	const { createServer } = await import('node:http');
	let handler: ((req: unknown, res: unknown) => void) | null = null;
	const http: HttpServer = createServer((req, res) => handler?.(req, res));
	await new Promise<void>((resolve) => http.listen(0, host, resolve));
	const issuer = `http://${host}:${(http.address() as AddressInfo).port}`;

	const configuration: Configuration = {
		clients: [
			{
				client_id: clientID,
				client_secret: clientSecret,
				redirect_uris: [redirectURI],
				grant_types: ['authorization_code'],
				response_types: ['code']
			}
		],
		jwks: { keys: [jwk as never] },
		cookies: { keys: [randomBytes(16).toString('hex')] },
		claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
		// Claims go in the ID token, not only behind the userinfo endpoint.
		conformIdTokenClaims: false,
		pkce: { required: () => true },
		async findAccount(_ctx, id) {
			const account = accounts.get(id) ?? { email: id, emailVerified: true };
			return {
				accountId: id,
				async claims() {
					return {
						sub: id,
						email: account.email,
						email_verified: account.emailVerified,
						name: id
					};
				}
			};
		}
	};
	const provider = new Provider(issuer, configuration);
	const state: IdentityProvider = {
		issuer,
		clientID,
		clientSecret,
		accounts,
		tamper: null,
		holdCallback: false,
		held: null,
		async stop() {
			http.closeAllConnections();
			await new Promise<void>((resolve) => http.close(() => resolve()));
		}
	};
	provider.use(async (ctx, next) => {
		await next();
		const location = String(ctx.response.get('location') ?? '');
		if (state.holdCallback && location.startsWith(redirectURI)) {
			state.held = location;
			ctx.status = 200;
			ctx.remove('location');
			ctx.type = 'text/plain';
			ctx.body = 'Held by the test';
		}
		const body = ctx.body as { id_token?: string } | undefined;
		if (ctx.path === '/token' && state.tamper && body?.id_token) {
			const claims = state.tamper(decodeJwt(body.id_token));
			body.id_token = await new SignJWT(claims)
				.setProtectedHeader({ alg: 'RS256', kid })
				.sign(privateKey);
		}
	});
	const callback = provider.callback();
	handler = callback as (req: unknown, res: unknown) => void;
	return state;
}
