import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/lib/server/auth/password';
import { login } from '../../src/lib/server/auth/login';
import { createSession, resolveSession } from '../../src/lib/server/auth/session';
import { open, seal, secretKeyFile, secretKeyProblem } from '../../src/lib/server/auth/secret-box';
import {
	checkIssuer,
	finishSso,
	passwordPolicy,
	realmOf,
	removeSsoSettings,
	saveSsoSettings,
	ssoSettings,
	signInVouched,
	startSso,
	SsoError,
	testSsoSettings
} from '../../src/lib/server/auth/sso.service';
import { setDb } from '../../src/lib/server/db';
import {
	issuerFetch,
	RefusedAddressError,
	refusedAddress
} from '../../src/lib/server/auth/issuer-fetch';
import { requireArea } from '../../src/lib/server/http';
import {
	describeDevice,
	endAdminSessions,
	endOwnSession,
	listSessions,
	type SessionScope
} from '../../src/lib/server/auth/sessions.service';

/** The scope of a password session: every session of the account. */
const ALL_SESSIONS: SessionScope = { ssoEnterpriseID: null };
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	NOW,
	addDomain,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	tag
} from './support/factories';
import { pull } from '../../src/lib/server/sync/pull';
import { utcDay } from '../../src/lib/domain/activity';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'idp-client-secret-0123456789';
const IDP = { issuer: 'https://login.example.com', clientID: 'roster-console' };

// The specs seal with a key from the environment, so they never write data/secret.key.
const savedKey = process.env.SECRET_KEY;
beforeAll(() => {
	process.env.SECRET_KEY = 'unit-test-key-unit-test-key-unit-test-key';
});
afterAll(() => {
	if (savedKey === undefined) delete process.env.SECRET_KEY;
	else process.env.SECRET_KEY = savedKey;
});

describe('the secret box (client secrets at rest)', () => {
	it('opens what it sealed for the same context, and only that', () => {
		const sealed = seal(SECRET, 'enterprise-a');
		expect(sealed).not.toContain(SECRET);
		expect(open(sealed, 'enterprise-a')).toBe(SECRET);
		expect(() => open(sealed, 'enterprise-b')).toThrow();
		// Two seals of one secret differ (random IV).
		expect(seal(SECRET, 'enterprise-a')).not.toBe(sealed);
	});

	it('does not open under another key', () => {
		const sealed = seal(SECRET, 'e', { SECRET_KEY: 'a'.repeat(40) });
		expect(open(sealed, 'e', { SECRET_KEY: 'a'.repeat(40) })).toBe(SECRET);
		expect(() => open(sealed, 'e', { SECRET_KEY: 'b'.repeat(40) })).toThrow();
	});

	it('without SECRET_KEY generates a key once in DATA_DIR, readable by its owner only, and keeps using it', () => {
		const dir = mkdtempSync(join(tmpdir(), 'roster-key-'));
		try {
			const env = { DATA_DIR: dir };
			const sealed = seal(SECRET, 'e', env);
			const file = secretKeyFile(env);
			expect(statSync(file).mode & 0o077).toBe(0);
			const key = readFileSync(file, 'utf8');
			expect(open(sealed, 'e', env)).toBe(SECRET);
			expect(readFileSync(file, 'utf8')).toBe(key);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('with DATABASE_URL (several instances) needs SECRET_KEY, and never generates a key of its own', () => {
		const dir = mkdtempSync(join(tmpdir(), 'roster-key-'));
		try {
			const env = { DATA_DIR: dir, DATABASE_URL: 'postgres://roster@db.internal/roster' };
			expect(secretKeyProblem(env)).toMatch(
				/^SECRET_KEY is not set: with DATABASE_URL every instance must share one secret key/
			);
			expect(() => seal(SECRET, 'e', env)).toThrow(/SECRET_KEY is not set/);
			expect(existsSync(secretKeyFile(env))).toBe(false);
			const keyed = { ...env, SECRET_KEY: 'k'.repeat(40) };
			expect(secretKeyProblem(keyed)).toBeNull();
			expect(open(seal(SECRET, 'e', keyed), 'e', keyed)).toBe(SECRET);
			// SQLite alone keeps the zero-setup key file.
			expect(secretKeyProblem({ DATA_DIR: dir })).toBeNull();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('refuses a SECRET_KEY too short to be a key', () => {
		expect(() => seal(SECRET, 'e', { SECRET_KEY: 'short' })).toThrow(/at least 32/);
	});
});

describe('issuer URLs', () => {
	const LOOPBACK_ALLOWED = { SSO_ALLOW_LOOPBACK_ISSUER: 'true' };
	const PRIVATE =
		"The issuer URL must be the identity provider's public address, not one on a private, loopback or link-local network";

	it('takes https, or http on this machine only when loopback issuers are allowed', () => {
		expect(checkIssuer('https://login.example.com/')).toEqual({
			ok: true,
			issuer: 'https://login.example.com'
		});
		expect(checkIssuer('http://127.0.0.5:4000', LOOPBACK_ALLOWED).ok).toBe(true);
		expect(checkIssuer('http://localhost:4000', LOOPBACK_ALLOWED).ok).toBe(true);
		for (const bad of [
			'http://login.example.com',
			'ftp://x.example',
			'login.example.com',
			'https://user:pw@login.example.com',
			'https://login.example.com/?a=1'
		]) {
			expect(checkIssuer(bad, LOOPBACK_ALLOWED).ok, bad).toBe(false);
		}
	});

	it('SSRF: refuses issuers on loopback (unless allowed), private and link-local addresses', () => {
		for (const bad of [
			'https://127.0.0.1',
			'https://localhost:8443',
			'https://[::1]',
			'https://[::ffff:127.0.0.1]',
			'https://10.0.0.8',
			'https://172.16.5.4',
			'https://192.168.1.1',
			'https://169.254.169.254',
			'https://[fe80::1]',
			'https://[fd00::1]',
			'https://0.0.0.0'
		]) {
			expect(checkIssuer(bad, {}), bad).toEqual({ ok: false, message: PRIVATE });
		}
		expect(checkIssuer('http://127.0.0.5:4000', {})).toEqual({
			ok: false,
			message: 'The issuer URL must start with https://'
		});
		// Allowed loopback is only loopback.
		expect(checkIssuer('https://10.0.0.8', LOOPBACK_ALLOWED)).toEqual({
			ok: false,
			message: PRIVATE
		});
	});
});

describe('requests to an identity provider (SSRF)', () => {
	let canary: HttpServer;
	let port: number;
	let hits = 0;
	beforeAll(async () => {
		canary = createHttpServer((_req, res) => {
			res.setHeader('content-type', 'application/json');
			res.end('{"canary":true}');
		});
		canary.on('connection', () => hits++);
		await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
		port = (canary.address() as AddressInfo).port;
	});
	afterAll(async () => {
		canary.closeAllConnections();
		await new Promise((resolve) => canary.close(resolve));
	});

	it('names each special address range it refuses', () => {
		expect(refusedAddress('127.0.0.1', false)).toBe('loopback');
		expect(refusedAddress('127.0.0.1', true)).toBeNull();
		expect(refusedAddress('::ffff:127.0.0.1', false)).toBe('loopback');
		expect(refusedAddress('::1', false)).toBe('loopback');
		expect(refusedAddress('::ffff:7f00:1', false)).toBe('loopback');
		for (const ip of [
			'10.1.2.3',
			'172.31.0.1',
			'192.168.0.1',
			'169.254.169.254',
			'100.64.0.1',
			'fe80::1',
			'fc00::1',
			'::',
			'::ffff:10.0.0.1',
			'224.0.0.1',
			// IPv6 forms that lead to an IPv4 address or are not global unicast
			'::127.0.0.1',
			'::ffff:a9fe:a9fe',
			'2002:a9fe:a9fe::1',
			'2001:0:4136:e378::1',
			'64:ff9b:1::a9fe:a9fe',
			'fec0::1',
			'192.88.99.1'
		]) {
			expect(refusedAddress(ip, true), ip).toBe('private');
		}
		for (const ip of ['93.184.216.34', '2606:4700::1111', '2001:4860:4860::8888', '8.8.8.8']) {
			expect(refusedAddress(ip, false), ip).toBeNull();
		}
	});

	it('never connects to a loopback address, given as an address or as a name that resolves to one', async () => {
		const before = hits;
		await expect(
			issuerFetch(false)(`http://127.0.0.1:${port}/.well-known/openid-configuration`, {})
		).rejects.toBeInstanceOf(RefusedAddressError);
		await expect(
			issuerFetch(false)(`http://localhost:${port}/.well-known/openid-configuration`, {})
		).rejects.toThrow(
			/localhost leads to (127\.0\.0\.1|::1), on a private, loopback or link-local network/
		);
		expect(hits).toBe(before);
		// Allowed (the tests' own IdP), the same request is answered.
		const res = await issuerFetch(true)(`http://localhost:${port}/x`, {
			headers: { accept: 'application/json' }
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ canary: true });
		expect(hits).toBe(before + 1);
	});
});

it('names devices from their user agent', () => {
	expect(
		describeDevice(
			'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36'
		)
	).toBe('Chrome on Linux');
	expect(
		describeDevice(
			'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1'
		)
	).toBe('Safari on iPad');
	expect(describeDevice(null)).toBe('Unknown device');
});

describe.each(dialects)('single sign-on and sessions on %s', (dialect) => {
	let t: TestDb;
	let passwordHash: string;
	beforeAll(async () => {
		t = await createTestDb(dialect);
		passwordHash = await hashPassword(PASSWORD);
	});
	afterAll(async () => {
		await t?.drop();
	});

	/** An enterprise with a verified domain, an owner and a co-owner who have passwords. */
	async function enterprise() {
		const e = await makeEmptyEnterprise(t.database);
		const domain = `${tag()}.example`;
		await addDomain(t.database, e.id, domain);
		const owner = await makeUser(t.database, { email: `owner@${domain}`, passwordHash });
		const coOwner = await makeUser(t.database, { email: `co@${domain}`, passwordHash });
		await grantRole(t.database, e.id, owner.id, 'owner');
		await grantRole(t.database, e.id, coOwner.id, 'co-owner');
		return { ...e, domain, owner, coOwner };
	}

	const configure = (
		enterpriseID: string,
		actor: string,
		over: Partial<{ clientSecret: string; required: boolean }> = {}
	) =>
		saveSsoSettings(
			t.database,
			enterpriseID,
			{ ...IDP, clientSecret: SECRET, required: false, ...over },
			{ userID: actor },
			NOW
		);

	it('stores the client secret sealed, never returns it, and audits the change without it (R24)', async () => {
		const e = await enterprise();
		const settings = await configure(e.id, e.owner.id);
		expect(settings).toEqual({
			configured: true,
			issuer: IDP.issuer,
			clientID: IDP.clientID,
			hasSecret: true,
			required: false,
			testedAt: null
		});
		expect(JSON.stringify(settings)).not.toContain(SECRET);
		const row = await t.database.db
			.selectFrom('sso_configs')
			.select('client_secret')
			.where('enterprise_id', '=', e.id)
			.executeTakeFirstOrThrow();
		expect(row.client_secret).not.toContain(SECRET);
		expect(open(row.client_secret, e.id)).toBe(SECRET);
		// Bound to its enterprise: copied to another one, it does not open.
		const other = await enterprise();
		expect(() => open(row.client_secret, other.id)).toThrow();

		const audit = await t.database.db
			.selectFrom('audit_log')
			.selectAll()
			.where('enterprise_id', '=', e.id)
			.where('action', '=', 'updateSsoSettings')
			.execute();
		expect(audit).toHaveLength(1);
		expect(audit[0]!.actor_user_id).toBe(e.owner.id);
		expect(JSON.parse(audit[0]!.after!)).toEqual({
			issuer: IDP.issuer,
			clientID: IDP.clientID,
			required: false,
			secretChanged: true
		});
		expect(`${audit[0]!.before}${audit[0]!.after}`).not.toContain(SECRET);
	});

	it('an empty secret keeps the stored one; a first setup without one is refused', async () => {
		const e = await enterprise();
		await expect(configure(e.id, e.owner.id, { clientSecret: '' })).rejects.toThrow(SsoError);
		await configure(e.id, e.owner.id);
		await configure(e.id, e.owner.id, { clientSecret: '', required: true });
		const row = await t.database.db
			.selectFrom('sso_configs')
			.select(['client_secret', 'required'])
			.where('enterprise_id', '=', e.id)
			.executeTakeFirstOrThrow();
		expect(open(row.client_secret, e.id)).toBe(SECRET);
		expect(row.required).toBe(1);
	});

	it('a secret sealed under another key (the key was lost) asks the owner to enter it again', async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id);
		await t.database.db
			.updateTable('sso_configs')
			.set({
				client_secret: seal(SECRET, e.id, { SECRET_KEY: 'another-key-another-key-another-key' })
			})
			.where('enterprise_id', '=', e.id)
			.execute();
		await expect(
			startSso(
				t.database,
				{ email: `a@${e.domain}`, next: '/', redirectURI: 'http://r/cb', ip: null },
				NOW
			)
		).rejects.toMatchObject({
			code: 'NOT_CONFIGURED',
			message: expect.stringContaining('must enter the client secret again')
		});
	});

	it("each enterprise's settings are its own: changing or removing one leaves the other", async () => {
		const a = await enterprise();
		const b = await enterprise();
		await configure(a.id, a.owner.id);
		await configure(b.id, b.owner.id, { required: true });
		await removeSsoSettings(t.database, a.id, { userID: a.owner.id }, NOW);
		expect((await ssoSettings(t.database, a.id)).configured).toBe(false);
		expect(await ssoSettings(t.database, b.id)).toMatchObject({ configured: true, required: true });
		const removed = await t.database.db
			.selectFrom('audit_log')
			.select(['enterprise_id'])
			.where('action', '=', 'removeSsoSettings')
			.where('enterprise_id', 'in', [a.id, b.id])
			.execute();
		expect(removed).toEqual([{ enterprise_id: a.id }]);
	});

	it('R13: home realm discovery finds the enterprise by a verified domain (and its subdomains) only', async () => {
		const e = await enterprise();
		const pending = `${tag()}.example`;
		await addDomain(t.database, e.id, pending, { verified: false });
		expect(await realmOf(t.database, `someone@${e.domain}`)).toBeNull(); // no SSO yet
		await configure(e.id, e.owner.id);
		expect(await realmOf(t.database, `Someone@${e.domain.toUpperCase()}`)).toBe(e.id);
		expect(await realmOf(t.database, `someone@eu.${e.domain}`)).toBe(e.id);
		expect(await realmOf(t.database, `someone@${pending}`)).toBeNull();
		expect(await realmOf(t.database, `someone@x${e.domain}`)).toBeNull();
	});

	it('an email on no SSO domain is refused before anything is stored, and counts against the address limit', async () => {
		const before = await t.database.db.selectFrom('sso_logins').select('id').execute();
		const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
		await expect(
			startSso(
				t.database,
				{ email: `x@${tag()}.example`, next: '/', redirectURI: 'http://r/cb', ip },
				NOW
			)
		).rejects.toMatchObject({ code: 'NO_REALM' });
		expect(await t.database.db.selectFrom('sso_logins').select('id').execute()).toEqual(before);
		const counted = await t.database.db
			.selectFrom('rate_limits')
			.select('count')
			.where('key', '=', `login:ip:${ip}`)
			.executeTakeFirst();
		expect(counted?.count).toBe(1);
	});

	it('a callback without the browser cookie, or with one already used or expired, finishes nothing', async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id);
		const callbackURL = new URL('http://roster.test/login/sso/callback?code=c&state=s');
		const meta = { callbackURL, ip: null, userAgent: null };
		await expect(finishSso(t.database, { ...meta, cookie: undefined }, NOW)).rejects.toMatchObject({
			code: 'EXPIRED'
		});
		const cookie = `c${tag()}${tag()}${tag()}${tag()}`;
		const id = createHash('sha256').update(cookie).digest('hex');
		await t.database.db
			.insertInto('sso_logins')
			.values({
				id,
				enterprise_id: e.id,
				state: 's',
				nonce: 'n',
				code_verifier: 'v',
				redirect_uri: 'http://roster.test/login/sso/callback',
				next: '/',
				expires_at: NOW - 1
			})
			.execute();
		await expect(finishSso(t.database, { ...meta, cookie }, NOW)).rejects.toMatchObject({
			code: 'EXPIRED'
		});
		// Used once, even when it failed.
		expect(
			await t.database.db.selectFrom('sso_logins').select('id').where('id', '=', id).execute()
		).toEqual([]);
		// A callback on another address than the one the sign-in started from is refused.
		await t.database.db
			.insertInto('sso_logins')
			.values({
				id,
				enterprise_id: e.id,
				state: 's',
				nonce: 'n',
				code_verifier: 'v',
				redirect_uri: 'http://other.test/login/sso/callback',
				next: '/',
				expires_at: NOW + 60_000
			})
			.execute();
		await expect(finishSso(t.database, { ...meta, cookie }, NOW)).rejects.toMatchObject({
			code: 'REJECTED'
		});
	});

	it('with SSO required a co-owner cannot use a password, the owner can and it is audited; a wrong password says only that', async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id, { required: true });
		const meta = { ip: '192.0.2.10', userAgent: 'vitest' };
		expect(await passwordPolicy(t.database, e.coOwner.id)).toEqual({
			blocked: true,
			fallbackIn: []
		});
		expect(
			await login(t.database, { email: e.coOwner.email, password: PASSWORD }, meta, NOW)
		).toEqual({ ok: false, code: 'SSO_REQUIRED' });
		expect(
			await login(t.database, { email: e.coOwner.email, password: 'wrong' }, meta, NOW)
		).toEqual({ ok: false, code: 'INVALID_CREDENTIALS' });
		const owner = await login(t.database, { email: e.owner.email, password: PASSWORD }, meta, NOW);
		expect(owner.ok).toBe(true);
		const fallback = await t.database.db
			.selectFrom('audit_log')
			.select(['actor_user_id', 'action'])
			.where('enterprise_id', '=', e.id)
			.where('action', '=', 'ssoPasswordFallback')
			.execute();
		expect(fallback).toEqual([{ actor_user_id: e.owner.id, action: 'ssoPasswordFallback' }]);
		// Not required: passwords work for everyone again.
		await configure(e.id, e.owner.id, { clientSecret: '', required: false });
		expect(
			(await login(t.database, { email: e.coOwner.email, password: PASSWORD }, meta, NOW)).ok
		).toBe(true);
	});

	it('an admin lists their live sessions and ends one of theirs, not anyone else’s', async () => {
		const e = await enterprise();
		const ua =
			'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
		const here = await createSession(
			t.database,
			e.coOwner.id,
			{ ip: '192.0.2.1', userAgent: ua },
			NOW
		);
		const there = await createSession(t.database, e.coOwner.id, { ip: '192.0.2.2' }, NOW + 1);
		const owners = await createSession(t.database, e.owner.id, {}, NOW);
		const list = await listSessions(t.database, e.coOwner.id, here.secret, ALL_SESSIONS, NOW + 2);
		expect(list.map((s) => [s.device, s.ip, s.current])).toEqual([
			['Unknown device', '192.0.2.2', false],
			['Chrome on Linux', '192.0.2.1', true]
		]);
		expect(JSON.stringify(list)).not.toContain(here.secret);
		const ownersID = (
			await listSessions(t.database, e.owner.id, owners.secret, ALL_SESSIONS, NOW)
		)[0]!.id;
		expect(await endOwnSession(t.database, e.coOwner.id, ownersID)).toBe(false);
		expect(await resolveSession(t.database, owners.secret, NOW)).not.toBeNull();
		expect(await endOwnSession(t.database, e.coOwner.id, list[0]!.id)).toBe(true);
		expect(await resolveSession(t.database, there.secret, NOW)).toBeNull();
		expect(await resolveSession(t.database, here.secret, NOW)).not.toBeNull();
	});

	it('R25: a session made through an enterprise’s IdP lists and ends only the sessions made through that IdP, not the account’s password sessions or another enterprise’s', async () => {
		const e = await enterprise();
		const other = await enterprise();
		const viaE = await createSession(t.database, e.coOwner.id, { ip: '192.0.2.1' }, NOW, {
			method: 'sso',
			ssoEnterpriseID: e.id
		});
		const viaOther = await createSession(t.database, e.coOwner.id, { ip: '192.0.2.2' }, NOW, {
			method: 'sso',
			ssoEnterpriseID: other.id
		});
		const password = await createSession(t.database, e.coOwner.id, { ip: '192.0.2.3' }, NOW);
		const scoped: SessionScope = { ssoEnterpriseID: e.id };
		const seen = await listSessions(t.database, e.coOwner.id, viaE.secret, scoped, NOW + 1);
		expect(seen.map((s) => [s.ip, s.current])).toEqual([['192.0.2.1', true]]);
		const all = await listSessions(t.database, e.coOwner.id, password.secret, ALL_SESSIONS, NOW);
		expect(all.map((s) => s.ip).sort()).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
		const idOf = (ip: string) => all.find((s) => s.ip === ip)!.id;
		expect(await endOwnSession(t.database, e.coOwner.id, idOf('192.0.2.2'), scoped)).toBe(false);
		expect(await endOwnSession(t.database, e.coOwner.id, idOf('192.0.2.3'), scoped)).toBe(false);
		expect(await resolveSession(t.database, viaOther.secret, NOW)).not.toBeNull();
		expect(await resolveSession(t.database, password.secret, NOW)).not.toBeNull();
		// A password session still ends any session of the account.
		expect(await endOwnSession(t.database, e.coOwner.id, idOf('192.0.2.2'), ALL_SESSIONS)).toBe(
			true
		);
		expect(await resolveSession(t.database, viaOther.secret, NOW)).toBeNull();
	});

	it('the owner ends every session of an admin of their enterprise, audited; not of someone outside it', async () => {
		const e = await enterprise();
		const other = await enterprise();
		const a = await createSession(t.database, e.coOwner.id, {}, NOW);
		const b = await createSession(t.database, e.coOwner.id, {}, NOW);
		const outsider = await createSession(t.database, other.coOwner.id, {}, NOW);
		expect(
			await endAdminSessions(t.database, e.id, other.coOwner.id, { userID: e.owner.id }, NOW)
		).toBeNull();
		expect(await resolveSession(t.database, outsider.secret, NOW)).not.toBeNull();
		expect(
			await endAdminSessions(t.database, e.id, e.coOwner.id, { userID: e.owner.id }, NOW)
		).toBe(2);
		expect(await resolveSession(t.database, a.secret, NOW)).toBeNull();
		expect(await resolveSession(t.database, b.secret, NOW)).toBeNull();
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['actor_user_id', 'target', 'before'])
			.where('enterprise_id', '=', e.id)
			.where('action', '=', 'endAdminSessions')
			.execute();
		expect(audit).toEqual([
			{ actor_user_id: e.owner.id, target: e.coOwner.email, before: '{"sessions":2}' }
		]);
	});

	/** Signs `user` in as an IdP vouching for enterprise `enterpriseID` would (the ID token verified). */
	const vouched = (
		enterpriseID: string,
		user: { email: string },
		sub = `sub-${tag()}`,
		now = NOW
	) =>
		signInVouched(
			t.database,
			{
				enterpriseID,
				issuer: IDP.issuer,
				claims: { sub, email: user.email, email_verified: true },
				ip: null,
				userAgent: null
			},
			now
		);

	/** What the session of `secret` may do in an enterprise, as every API endpoint checks it (R2). */
	async function reach(secret: string, enterpriseID: string): Promise<number | string> {
		const found = await resolveSession(t.database, secret, NOW);
		if (!found) return 'signed out';
		const locals = {
			user: found.user,
			sessionSecret: secret,
			sessionOrigin: found.origin,
			requestID: 'sso-spec'
		};
		setDb(t.database);
		try {
			await requireArea(locals, { id: enterpriseID }, 'licenses');
			return 200;
		} catch (err) {
			const e = err as { status: number; message: string };
			return `${e.status} ${e.message}`;
		} finally {
			setDb(undefined);
		}
	}

	it("R2: a session made through enterprise A's IdP reaches A only; B, where the same admin is owner, answers sign in to B", async () => {
		const a = await enterprise();
		await configure(a.id, a.owner.id);
		const b = await makeEmptyEnterprise(t.database, { name: `Beta ${tag()}` });
		await grantRole(t.database, b.id, a.coOwner.id, 'owner');
		const sso = await vouched(a.id, a.coOwner);
		expect((await resolveSession(t.database, sso.secret, NOW))?.origin).toEqual({
			method: 'sso',
			ssoEnterpriseID: a.id
		});
		expect(await reach(sso.secret, a.id)).toBe(200);
		expect(await reach(sso.secret, b.id)).toBe(
			`401 Sign in to ${b.name}: you signed in with the single sign-on of another enterprise, which does not vouch for you in ${b.name}.`
		);
		// A password session of the same admin reaches both (neither requires SSO).
		const meta = { ip: '192.0.2.30', userAgent: 'vitest' };
		const password = await login(
			t.database,
			{ email: a.coOwner.email, password: PASSWORD },
			meta,
			NOW
		);
		if (!password.ok) throw new Error('password sign-in failed');
		expect(await reach(password.secret, a.id)).toBe(200);
		expect(await reach(password.secret, b.id)).toBe(200);
	});

	it('a linked IdP identity keeps matching its account: the same subject with another verified email is refused', async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id);
		const sub = `sub-${tag()}`;
		const first = await vouched(e.id, e.coOwner, sub);
		expect(first.userID).toBe(e.coOwner.id);
		const sessions = () =>
			t.database.db
				.selectFrom('sessions')
				.select('id')
				.where('user_id', 'in', [e.owner.id, e.coOwner.id])
				.execute();
		const before = await sessions();
		// The IdP now says the subject linked to the co-owner is the owner's address.
		await expect(vouched(e.id, e.owner, sub)).rejects.toMatchObject({
			code: 'IDENTITY_MISMATCH',
			message: `Your identity provider signed you in as ${e.owner.email}, but that identity belongs to another Roster account, so you were not signed in. Ask your owner.`
		});
		expect(await sessions()).toEqual(before);
	});

	it('an account has one IdP identity per enterprise and issuer: a second subject claiming its email is refused', async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id);
		const sub = `sub-${tag()}`;
		await vouched(e.id, e.coOwner, sub);
		await expect(vouched(e.id, e.coOwner, `other-${tag()}`)).rejects.toMatchObject({
			code: 'IDENTITY_MISMATCH',
			message: `${e.coOwner.email} is already linked to another identity at your identity provider, so you were not signed in. Ask your owner.`
		});
		const links = await t.database.db
			.selectFrom('sso_identities')
			.select('subject')
			.where('user_id', '=', e.coOwner.id)
			.execute();
		expect(links).toEqual([{ subject: sub }]);
		// The first identity still signs in.
		expect((await vouched(e.id, e.coOwner, sub)).userID).toBe(e.coOwner.id);
	});

	it('the database holds one link per enterprise, issuer and account', async () => {
		const e = await enterprise();
		const link = (subject: string, issuer = IDP.issuer) =>
			t.database.db
				.insertInto('sso_identities')
				.values({ enterprise_id: e.id, issuer, subject, user_id: e.coOwner.id, created_at: NOW })
				.execute();
		await link(`one-${tag()}`);
		await expect(link(`two-${tag()}`)).rejects.toThrow(/unique/i);
		// Another issuer (the enterprise moved IdP) may hold its own link.
		await link(`one-${tag()}`, 'https://other-idp.example.com');
	});

	it("R2: a co-owner's password session made before the owner required SSO can no longer act there; the owner's password session still can", async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id);
		const meta = { ip: '192.0.2.40', userAgent: 'vitest' };
		const coOwner = await login(
			t.database,
			{ email: e.coOwner.email, password: PASSWORD },
			meta,
			NOW
		);
		const owner = await login(t.database, { email: e.owner.email, password: PASSWORD }, meta, NOW);
		if (!coOwner.ok || !owner.ok) throw new Error('password sign-in failed');
		expect(await reach(coOwner.secret, e.id)).toBe(200);
		await configure(e.id, e.owner.id, { clientSecret: '', required: true });
		expect(await reach(coOwner.secret, e.id)).toBe(
			`401 Sign in to ${e.name} with single sign-on: ${e.name} requires it, and you signed in with a password.`
		);
		expect(await reach(owner.secret, e.id)).toBe(200);
		// An SSO session of the co-owner acts there.
		expect(await reach((await vouched(e.id, e.coOwner)).secret, e.id)).toBe(200);
	});

	it('R2: the policy is per enterprise: an admin of A (SSO required) and B (not) signs in with a password and acts in B only', async () => {
		const a = await enterprise();
		await configure(a.id, a.owner.id, { required: true });
		const b = await makeEmptyEnterprise(t.database, { name: `Beta ${tag()}` });
		await grantRole(t.database, b.id, a.coOwner.id, 'co-owner');
		const meta = { ip: '192.0.2.41', userAgent: 'vitest' };
		const signedIn = await login(
			t.database,
			{ email: a.coOwner.email, password: PASSWORD },
			meta,
			NOW
		);
		if (!signedIn.ok) throw new Error(`password sign-in refused: ${signedIn.code}`);
		expect(await reach(signedIn.secret, b.id)).toBe(200);
		expect(await reach(signedIn.secret, a.id)).toBe(
			`401 Sign in to ${a.name} with single sign-on: ${a.name} requires it, and you signed in with a password.`
		);
	});

	it('SSRF: an issuer saved while loopback issuers were allowed is not contacted once they are not; the canary hears nothing', async () => {
		const canary = createHttpServer((_req, res) => res.end('{}'));
		let hits = 0;
		canary.on('connection', () => hits++);
		await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
		const issuer = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
		const e = await enterprise();
		try {
			process.env.SSO_ALLOW_LOOPBACK_ISSUER = 'true';
			await saveSsoSettings(
				t.database,
				e.id,
				{ issuer, clientID: 'c', clientSecret: SECRET, required: false },
				{ userID: e.owner.id },
				NOW
			);
			delete process.env.SSO_ALLOW_LOOPBACK_ISSUER;
			const tested = await testSsoSettings(t.database, e.id, NOW);
			expect(hits).toBe(0);
			expect(tested).toEqual({
				ok: false,
				message:
					"The identity provider's address 127.0.0.1 is on a private, loopback or link-local network. Roster does not contact such addresses: use the identity provider's public address."
			});
			await expect(
				startSso(
					t.database,
					{ email: `x@${e.domain}`, next: '/', redirectURI: 'http://r/cb', ip: null },
					NOW
				)
			).rejects.toMatchObject({ code: 'PROVIDER_UNREACHABLE' });
			expect(hits).toBe(0);
		} finally {
			delete process.env.SSO_ALLOW_LOOPBACK_ISSUER;
			canary.closeAllConnections();
			await new Promise((resolve) => canary.close(resolve));
		}
	});

	it('changing the issuer URL or client ID needs the client secret again (the saved one is never sent to a new issuer)', async () => {
		const e = await enterprise();
		await configure(e.id, e.owner.id);
		const again =
			'Enter the client secret again: a new issuer URL or client ID needs its secret, and the saved one is only sent to the identity provider it was entered for.';
		const save = (over: Partial<{ issuer: string; clientID: string; clientSecret: string }>) =>
			saveSsoSettings(
				t.database,
				e.id,
				{ ...IDP, clientSecret: '', required: false, ...over },
				{ userID: e.owner.id },
				NOW
			);
		await expect(save({ issuer: 'https://attacker.example.com' })).rejects.toMatchObject({
			message: again
		});
		await expect(save({ clientID: 'another-client' })).rejects.toMatchObject({ message: again });
		expect((await ssoSettings(t.database, e.id)).issuer).toBe(IDP.issuer);
		// Unchanged issuer and client: the secret may stay; a new one goes with a new issuer.
		await expect(save({})).resolves.toMatchObject({ issuer: IDP.issuer });
		await expect(
			save({ issuer: 'https://login2.example.com', clientSecret: 'a-new-secret-0123456789' })
		).resolves.toMatchObject({ issuer: 'https://login2.example.com' });
	});

	it('an identity provider whose configuration lacks its sign-in address gets a plain refusal on Test and on sign-in, not a server error', async () => {
		// A provider answering discovery without authorization_endpoint (and without a key set).
		const broken = createHttpServer((req, res) => {
			const issuer = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
			res.setHeader('content-type', 'application/json');
			res.end(
				JSON.stringify({
					issuer,
					token_endpoint: `${issuer}/token`,
					response_types_supported: ['code'],
					code_challenge_methods_supported: ['S256'],
					subject_types_supported: ['public'],
					id_token_signing_alg_values_supported: ['RS256']
				})
			);
		});
		await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
		const issuer = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
		const e = await enterprise();
		process.env.SSO_ALLOW_LOOPBACK_ISSUER = 'true';
		try {
			await saveSsoSettings(
				t.database,
				e.id,
				{ issuer, clientID: 'c', clientSecret: SECRET, required: false },
				{ userID: e.owner.id },
				NOW
			);
			const incomplete = `The identity provider's configuration at ${issuer} is incomplete: it does not give the address of its sign-in page (authorization endpoint), the address of its signing keys (JWKS). Check the issuer URL, or the application's settings at the identity provider.`;
			expect(await testSsoSettings(t.database, e.id, NOW)).toEqual({
				ok: false,
				message: incomplete
			});
			expect((await ssoSettings(t.database, e.id)).testedAt).toBeNull();
			await expect(
				startSso(
					t.database,
					{ email: `x@${e.domain}`, next: '/', redirectURI: 'http://r/cb', ip: null },
					NOW
				)
			).rejects.toMatchObject({ code: 'PROVIDER_INCOMPLETE', message: incomplete });
		} finally {
			delete process.env.SSO_ALLOW_LOOPBACK_ISSUER;
			broken.closeAllConnections();
			await new Promise((resolve) => broken.close(resolve));
		}
	});

	it('R13: an email whose domain leads to two enterprises with SSO is asked which one; none is picked for it', async () => {
		const provider = createHttpServer((_req, res) => {
			const issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
			res.setHeader('content-type', 'application/json');
			res.end(
				JSON.stringify({
					issuer,
					authorization_endpoint: `${issuer}/auth`,
					token_endpoint: `${issuer}/token`,
					jwks_uri: `${issuer}/jwks`,
					response_types_supported: ['code'],
					code_challenge_methods_supported: ['S256'],
					subject_types_supported: ['public'],
					id_token_signing_alg_values_supported: ['RS256']
				})
			);
		});
		await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
		const issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
		const a = await enterprise();
		const b = await enterprise();
		const other = await enterprise();
		// Both verified the same domain (R13 lets each enterprise verify a domain it controls).
		await addDomain(t.database, b.id, a.domain);
		process.env.SSO_ALLOW_LOOPBACK_ISSUER = 'true';
		try {
			for (const e of [a, b, other]) {
				await saveSsoSettings(
					t.database,
					e.id,
					{ issuer, clientID: `client-${e.id}`, clientSecret: SECRET, required: false },
					{ userID: e.owner.id },
					NOW
				);
			}
			const start = (enterpriseID?: string) =>
				startSso(
					t.database,
					{ email: `x@${a.domain}`, next: '/', redirectURI: 'http://r/cb', ip: null, enterpriseID },
					NOW
				);
			const logins = () =>
				t.database.db
					.selectFrom('sso_logins')
					.select('enterprise_id')
					.where('enterprise_id', 'in', [a.id, b.id, other.id])
					.execute();
			const ask = {
				code: 'CHOOSE_ENTERPRISE',
				message: `More than one enterprise uses single sign-on for ${a.domain}. Choose the one you are signing in to.`,
				choices: [a, b]
					.map((e) => ({ id: e.id, name: e.name }))
					.sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id))
			};
			await expect(start()).rejects.toMatchObject(ask);
			// A choice outside the email's enterprises is no choice.
			await expect(start(other.id)).rejects.toMatchObject(ask);
			expect(await logins()).toEqual([]);
			const started = await start(b.id);
			expect(new URL(started.url).searchParams.get('client_id')).toBe(`client-${b.id}`);
			expect(await logins()).toEqual([{ enterprise_id: b.id }]);
			expect(await realmOf(t.database, `x@${a.domain}`)).toBeNull();
		} finally {
			delete process.env.SSO_ALLOW_LOOPBACK_ISSUER;
			provider.closeAllConnections();
			await new Promise((resolve) => provider.close(resolve));
		}
	});

	it('R19: an SSO sign-in moves Last Active on synced consoles, as a password sign-in does', async () => {
		const e = await enterprise();
		// A console's cookie 0 means "nothing yet": start where a real enterprise does.
		await t.database.db
			.updateTable('enterprises')
			.set({ version: 1 })
			.where('id', '=', e.id)
			.execute();
		await t.database.db
			.updateTable('users')
			.set({ last_login_at: Date.UTC(2024, 0, 3) })
			.where('id', '=', e.coOwner.id)
			.execute();
		await license(t.database, e.id, e.coOwner.id);
		const { seq } = await t.database.db
			.selectFrom('licenses')
			.select('seq')
			.where('enterprise_id', '=', e.id)
			.where('user_id', '=', e.coOwner.id)
			.executeTakeFirstOrThrow();
		const pullAs = (cookie: number) =>
			pull(t.database, {
				enterpriseID: e.id,
				clientID: `sso-${tag()}`,
				userID: e.owner.id,
				cookie,
				activity: 'delta'
			});
		const { cookie } = await pullAs(0);
		const now = Date.now();
		await vouched(e.id, e.coOwner, `sub-${tag()}`, now);
		const after = await pullAs(cookie);
		// The compact activity delta: license numbers as gaps, with their new Last Active day.
		const days = new Map<number, number | null>();
		let at = 0;
		after.activity?.seqs.forEach((gap, i) => {
			at += gap;
			days.set(at, after.activity!.days[i]!);
		});
		expect(days.get(Number(seq))).toBe(utcDay(now));
		const user = await t.database.db
			.selectFrom('users')
			.select('last_login_at')
			.where('id', '=', e.coOwner.id)
			.executeTakeFirstOrThrow();
		expect(Number(user.last_login_at)).toBe(now);
	});
});
