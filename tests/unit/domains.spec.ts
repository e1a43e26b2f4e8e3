import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { push, type Pusher } from '../../src/lib/server/sync/push';
import { pull } from '../../src/lib/server/sync/pull';
import { signUp, SignUpRefused } from '../../src/lib/server/sync/capture';
import { listUnclaimed, unclaimedCsv } from '../../src/lib/server/domains/unclaimed';
import { lookupTxt, LookupBudget } from '../../src/lib/server/domains/dns';
import { recheckPendingDomains } from '../../src/lib/server/domains/recheck';
import { RECHECK_EVERY_MS, RECHECK_FOR_MS } from '../../src/lib/domain/domains';
import { login } from '../../src/lib/server/auth/login';
import { clientSignIn } from '../../src/lib/server/auth/client-sign-in';
import { POST as clientSignInPost } from '../../src/routes/api/client/signin/+server';
import { DEV_INGEST_KEY } from '../../src/lib/server/ingest-key';
import { hashPassword } from '../../src/lib/server/auth/password';
import type { Change } from '../../src/lib/domain/sync/protocol';
import type { MirrorDomain } from '../../src/lib/client/db';
import { setDb } from '../../src/lib/server/db';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { startDnsServer, type TestDnsServer } from './support/dns-server';
import {
	addDomain,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	recordActivity,
	tag
} from './support/factories';

let dns: TestDnsServer;
const savedServers = process.env.DNS_SERVERS;
beforeAll(async () => {
	dns = await startDnsServer();
	process.env.DNS_SERVERS = dns.address;
});
afterAll(async () => {
	if (savedServers === undefined) delete process.env.DNS_SERVERS;
	else process.env.DNS_SERVERS = savedServers;
	await dns?.close();
});

describe('DNS TXT lookup against a loopback server (R13)', () => {
	it('joins each record, tells "none" from "could not ask"', async () => {
		dns.setTxt('txt.lookup.test', ['roster-verification=abc', 'v=spf1 -all']);
		dns.setTxt('empty.lookup.test', []);
		dns.silent.add('slow.lookup.test');
		expect(await lookupTxt('txt.lookup.test')).toEqual({
			records: ['roster-verification=abc', 'v=spf1 -all']
		});
		expect(await lookupTxt('empty.lookup.test')).toEqual({ records: [] });
		expect(await lookupTxt('missing.lookup.test')).toEqual({ records: [] });
		const slow = await lookupTxt('slow.lookup.test', { timeoutMs: 500 });
		expect(slow.records).toEqual([]);
		expect(slow.error).toMatch(/no answer from DNS/);
	});
});

describe.each(dialects)('domains on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
		setDb(t.database);
	});
	afterAll(async () => {
		setDb(undefined);
		await t?.drop();
	});

	async function licensedIn(enterpriseID: string, userID: string) {
		return !!(await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', enterpriseID)
			.where('user_id', '=', userID)
			.executeTakeFirst());
	}

	/** `POST /api/client/signin` as the vendor's API client calls it, with the ingest key. */
	async function clientSignInRoute(body: unknown, key = DEV_INGEST_KEY) {
		const request = new Request('http://localhost/api/client/signin', {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
			body: JSON.stringify(body)
		});
		const res = await clientSignInPost({ request, locals: { requestID: 'test' } } as never);
		return { status: res.status, body: await res.json() };
	}

	/** An enterprise with an owner who pushes from one client. */
	async function setup(seats = 10) {
		const ent = await makeEmptyEnterprise(t.database, { seats });
		const owner = await makeUser(t.database);
		await grantRole(t.database, ent.id, owner.id, 'owner');
		await license(t.database, ent.id, owner.id);
		const pusher: Pusher = { userID: owner.id, role: 'owner' };
		const clientID = randomUUID();
		let next = 1;
		const run = async (name: string, args: unknown) => {
			const out = await push(
				t.database,
				{
					enterpriseID: ent.id,
					clientGroupID: clientID,
					clientID,
					mutations: [{ id: next++, name, args, createdAt: Date.now() }]
				},
				pusher
			);
			if (!out.ok) throw new Error(`push refused: ${JSON.stringify(out.body)}`);
			return out.results[0]!;
		};
		const domains = async (userID = owner.id, cookie = 0) => {
			const res = await pull(t.database, { enterpriseID: ent.id, clientID, userID, cookie });
			return {
				cookie: res.cookie,
				changes: res.changes,
				rows: res.changes
					.filter((c: Change) => c.table === 'domains' && c.op === 'put')
					.map((c) => c.value as MirrorDomain)
			};
		};
		return { ent, owner, run, domains };
	}

	it('R13: addDomain normalises the name, the server makes the verification value, duplicates are refused', async () => {
		const { run, domains } = await setup();
		const name = `Acme-${tag()}.TEST`;
		const domainID = randomUUID();
		expect(await run('addDomain', { domainID, domain: `  ${name}. ` })).toMatchObject({
			status: 'applied'
		});
		const [row] = (await domains()).rows;
		expect(row).toMatchObject({
			id: domainID,
			domain: name.toLowerCase(),
			verifiedAt: null,
			effectiveVerified: false,
			captureEnabled: false,
			unclaimedCount: null
		});
		expect(row!.verificationValue).toMatch(/^roster-verification=[0-9a-f]{32}$/);
		const again = await run('addDomain', { domainID: randomUUID(), domain: name });
		expect(again).toMatchObject({ status: 'rejected', code: 'ALREADY_EXISTS' });
		expect(again.message).toContain(name.toLowerCase());
		const bad = await run('addDomain', { domainID: randomUUID(), domain: 'https://acme.test/x' });
		expect(bad).toMatchObject({ status: 'rejected', code: 'INVALID_ARGS' });
		expect(bad.message).toMatch(/without scheme, path, port/);
	});

	it('R13: a record not published yet leaves the domain pending with what DNS holds; Roster re-checks it every 10 minutes for 48 hours and verifies it once published; subdomains follow', async () => {
		const { ent, run, domains } = await setup();
		const root = `verify-${tag()}.test`;
		const domainID = randomUUID();
		await run('addDomain', { domainID, domain: root });
		const value = (await domains()).rows[0]!.verificationValue!;
		dns.setTxt(root, ['v=spf1 -all']);

		// Not published yet: an expected outcome, not a refusal. The mirror says what DNS held and when.
		const asked = Date.now();
		expect(await run('verifyDomain', { domainID })).toMatchObject({ status: 'applied' });
		const pending = (await domains()).rows[0]!;
		expect(pending).toMatchObject({
			verifiedAt: null,
			lastCheck: { records: ['v=spf1 -all'], error: null }
		});
		expect(pending.lastCheck!.at).toBeGreaterThanOrEqual(asked);
		expect(pending.recheckUntil).toBe(pending.lastCheck!.at + RECHECK_FOR_MS);
		const mine = async () => (await domains()).rows.find((r) => r.id === domainID)!;

		// Ten minutes later Roster looks again on its own and records the check.
		const budget = new LookupBudget();
		const first = pending.lastCheck!.at + RECHECK_EVERY_MS;
		await recheckPendingDomains(t.database, { now: first, budget });
		expect((await mine()).lastCheck).toEqual({ at: first, records: ['v=spf1 -all'], error: null });
		// Not due again a minute later.
		await recheckPendingDomains(t.database, { now: first + 60_000, budget });
		expect((await mine()).lastCheck!.at).toBe(first);

		// After 48 hours it stops asking.
		dns.setTxt(root, ['v=spf1 -all', value]);
		await recheckPendingDomains(t.database, {
			now: pending.recheckUntil! + RECHECK_EVERY_MS,
			budget
		});
		expect(await mine()).toMatchObject({ verifiedAt: null, lastCheck: { at: first } });

		// Within the 48 hours, the published record verifies the domain without the admin.
		const second = first + RECHECK_EVERY_MS;
		await recheckPendingDomains(t.database, { now: second, budget });
		expect(await mine()).toMatchObject({ verifiedAt: second, recheckUntil: null });
		const unmanaged = await makeUser(t.database, { email: `pat@eng.${root}` });
		const subID = randomUUID();
		await run('addDomain', { domainID: subID, domain: `eng.${root}` });
		const rows = (await domains()).rows;
		const sub = rows.find((r) => r.id === subID)!;
		expect(rows.find((r) => r.id === domainID)).toMatchObject({
			effectiveVerified: true,
			unclaimedCount: 1
		});
		// R13: verifying the root verifies its subdomains.
		expect(sub).toMatchObject({ verifiedAt: null, effectiveVerified: true, unclaimedCount: 1 });
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['action', 'actor_kind'])
			.where('enterprise_id', '=', ent.id)
			.where('action', '=', 'verifyDomain')
			.execute();
		expect(audit).toEqual([{ action: 'verifyDomain', actor_kind: 'system' }]);
		expect(unmanaged.email).toContain(root);
	});

	it('R13: the DNS lookup happens before the write lock: other pushes go through while DNS is slow', async () => {
		const { run, domains } = await setup();
		const other = await setup();
		const root = `slow-${tag()}.test`;
		const domainID = randomUUID();
		await run('addDomain', { domainID, domain: root });
		const value = (await domains()).rows[0]!.verificationValue!;
		dns.setTxt(root, [value]);
		const gate = dns.hold(root);
		const verifying = run('verifyDomain', { domainID });
		await gate.asked;
		// While the lookup waits for its answer, another admin's change commits.
		const teamID = randomUUID();
		expect(await other.run('createTeam', { teamID, name: 'While DNS waits' })).toMatchObject({
			status: 'applied'
		});
		gate.release();
		expect(await verifying).toMatchObject({ status: 'applied' });
	});

	it('R14: capture needs effective verification; a verified parent counts; deleting the parent turns it off', async () => {
		const { ent, run, domains } = await setup();
		const root = `cap-${tag()}.test`;
		const rootID = await addDomain(t.database, ent.id, root, { verified: true });
		const loose = randomUUID();
		await run('addDomain', { domainID: loose, domain: `other-${tag()}.test` });
		const refused = await run('setDomainCapture', { domainID: loose, enabled: true });
		expect(refused).toMatchObject({ status: 'rejected', code: 'DOMAIN_NOT_VERIFIED' });

		const subID = randomUUID();
		await run('addDomain', { domainID: subID, domain: `eu.${root}` });
		expect(await run('setDomainCapture', { domainID: subID, enabled: true })).toMatchObject({
			status: 'applied'
		});
		expect((await domains()).rows.find((r) => r.id === subID)).toMatchObject({
			captureEnabled: true,
			verifiedAt: null,
			effectiveVerified: true
		});
		const before = (await domains()).cookie;
		expect(await run('deleteDomain', { domainID: rootID })).toMatchObject({ status: 'applied' });
		const after = await domains(undefined, before);
		expect(after.changes).toContainEqual({ table: 'domains', op: 'del', key: rootID });
		expect(after.rows.find((r) => r.id === subID)).toMatchObject({
			captureEnabled: false,
			effectiveVerified: false,
			unclaimedCount: null
		});
	});

	it('R15/R6: claiming selected unclaimed accounts is seat-checked for all at once, with the numbers', async () => {
		// 3 seats: the owner holds one, 2 are free.
		const { ent, run, domains } = await setup(3);
		const root = `claim-${tag()}.test`;
		await addDomain(t.database, ent.id, root, { verified: true });
		const people = await Promise.all(
			['a', 'b', 'c'].map((n) => makeUser(t.database, { email: `${n}@${root}` }))
		);
		const stranger = await makeUser(t.database, { email: `x@elsewhere-${tag()}.test` });
		const three = await run('claimAccounts', { userIDs: people.map((p) => p.id) });
		expect(three).toMatchObject({
			status: 'rejected',
			code: 'NEEDS_TO_INCREASE_SEATS',
			details: { needed: 3, free: 2, used: 1, purchased: 3 }
		});
		expect(three.message).toBe('no free seat: 1 of 3 used; 3 needed, 2 free');
		const notOnDomain = await run('claimAccounts', { userIDs: [people[0]!.id, stranger.id] });
		expect(notOnDomain).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });

		const before = await domains();
		expect(before.rows[0]!.unclaimedCount).toBe(3);
		expect(await run('claimAccounts', { userIDs: [people[0]!.id, people[1]!.id] })).toMatchObject({
			status: 'applied'
		});
		const after = await domains(undefined, before.cookie);
		expect(after.rows[0]!.unclaimedCount).toBe(1);
		const licensed = after.changes.filter((c) => c.table === 'licenses' && c.op === 'put');
		expect(licensed.map((c) => c.key)).toEqual(
			expect.arrayContaining([people[0]!.id, people[1]!.id])
		);
	});

	it('R2: billing never receives domains', async () => {
		const { ent, domains } = await setup();
		await addDomain(t.database, ent.id, `bill-${tag()}.test`, { verified: true });
		const billing = await makeUser(t.database);
		await grantRole(t.database, ent.id, billing.id, 'billing');
		const seen = await domains(billing.id);
		expect(seen.changes.some((c) => c.table === 'domains')).toBe(false);
		expect((await domains()).rows).toHaveLength(1);
	});

	it('R14: a sign-up on a captured domain is licensed, audited as capture; without a free seat it is blocked and nobody is created', async () => {
		const { ent, run, domains } = await setup(2);
		const root = `signup-${tag()}.test`;
		const domainID = await addDomain(t.database, ent.id, root, { verified: true });
		await run('setDomainCapture', { domainID, enabled: true });
		const before = await domains();

		const first = await signUp(t.database, { email: `New.One@${root}`, name: 'New One' });
		expect(first.licensedIn).toEqual([ent.id]);
		const audit = await t.database.db
			.selectFrom('audit_log')
			.select(['action', 'actor_kind', 'actor_user_id'])
			.where('enterprise_id', '=', ent.id)
			.where('action', '=', 'captureSignUp')
			.execute();
		expect(audit).toEqual([
			{ action: 'captureSignUp', actor_kind: 'capture', actor_user_id: null }
		]);
		const pulled = await domains(undefined, before.cookie);
		expect(pulled.changes).toContainEqual(
			expect.objectContaining({ table: 'licenses', op: 'put', key: first.userID })
		);

		// Both seats are used now (owner + the new one): the next sign-up is blocked.
		const blocked = signUp(t.database, { email: `second@${root}`, name: 'Second' });
		await expect(blocked).rejects.toBeInstanceOf(SignUpRefused);
		await expect(blocked).rejects.toMatchObject({
			code: 'needsSeats',
			details: { free: 0, used: 2, purchased: 2 }
		});
		const ghost = await t.database.db
			.selectFrom('users')
			.select('id')
			.where('email', '=', `second@${root}`)
			.executeTakeFirst();
		expect(ghost).toBeUndefined();

		await expect(
			signUp(t.database, { email: `new.one@${root}`, name: 'Again' })
		).rejects.toMatchObject({
			code: 'alreadyRegistered'
		});
		// Off the captured domain: created, unmanaged, counted as unclaimed only where verified.
		const free = await signUp(t.database, { email: `someone@free-${tag()}.test`, name: 'Free' });
		expect(free.licensedIn).toEqual([]);
	});

	it('R14: signing in to the console never takes a seat, even on a captured domain', async () => {
		const { ent, run } = await setup(5);
		const root = `console-${tag()}.test`;
		const domainID = await addDomain(t.database, ent.id, root, { verified: true });
		await run('setDomainCapture', { domainID, enabled: true });
		// A co-owner and a billing admin of the enterprise, unlicensed, on the captured domain.
		const passwordHash = await hashPassword('pw-for-console');
		const meta = { ip: `10.1.${tag().slice(0, 2)}`, userAgent: null };
		for (const role of ['co-owner', 'billing'] as const) {
			const admin = await makeUser(t.database, { email: `${role}@${root}`, passwordHash });
			await grantRole(t.database, ent.id, admin.id, role);
			const signedIn = await login(
				t.database,
				{ email: admin.email, password: 'pw-for-console' },
				meta
			);
			expect(signedIn.ok, role).toBe(true);
			expect(await licensedIn(ent.id, admin.id), role).toBe(false);
		}
		const captures = await t.database.db
			.selectFrom('audit_log')
			.select('action')
			.where('enterprise_id', '=', ent.id)
			.where('actor_kind', '=', 'capture')
			.execute();
		expect(captures).toEqual([]);
	});

	it('R14: an unmanaged user on a captured domain is licensed when they sign in to the API client; with no seat they stay unmanaged', async () => {
		const { ent, run } = await setup(2);
		const root = `signin-${tag()}.test`;
		const domainID = await addDomain(t.database, ent.id, root, { verified: true });
		const ann = await makeUser(t.database, { email: `ann@${root}` });
		const bob = await makeUser(t.database, { email: `bob@${root}` });
		// Capture off: signing in changes nothing but the last sign-in (R19).
		const off = await clientSignInRoute({ email: ann.email });
		expect(off).toMatchObject({ status: 200, body: { userID: ann.id, licensedIn: [] } });
		expect(await licensedIn(ent.id, ann.id)).toBe(false);

		await run('setDomainCapture', { domainID, enabled: true });
		const on = await clientSignInRoute({ email: ` ANN@${root.toUpperCase()} ` });
		expect(on).toMatchObject({ status: 200, body: { userID: ann.id, licensedIn: [ent.id] } });
		expect(await licensedIn(ent.id, ann.id)).toBe(true);
		// Owner + Ann fill both seats: Bob waits for a seat.
		const full = await clientSignInRoute({ email: bob.email });
		expect(full).toMatchObject({ status: 200, body: { userID: bob.id, licensedIn: [] } });
		expect(await licensedIn(ent.id, bob.id)).toBe(false);
		const actions = await t.database.db
			.selectFrom('audit_log')
			.select(['action', 'actor_kind', 'target'])
			.where('enterprise_id', '=', ent.id)
			.where('actor_kind', '=', 'capture')
			.orderBy('id')
			.execute();
		expect(actions).toEqual([
			{ action: 'captureSignIn', actor_kind: 'capture', target: ann.email },
			{ action: 'captureWaitingForSeat', actor_kind: 'capture', target: bob.email }
		]);
		const login = await t.database.db
			.selectFrom('users')
			.select('last_login_at')
			.where('id', '=', ann.id)
			.executeTakeFirstOrThrow();
		expect(login.last_login_at).not.toBeNull();

		expect(await clientSignInRoute({ email: `nobody-${tag()}@${root}` })).toMatchObject({
			status: 404,
			body: { error: 'unknownUser' }
		});
		expect(await clientSignInRoute({ email: 'not an email' })).toMatchObject({ status: 400 });
		expect(await clientSignInRoute({ email: ann.email }, 'not-the-ingest-key')).toMatchObject({
			status: 401
		});
	});

	it('R14: the most specific domain row decides: a subdomain whose row says Off is not captured under a root that captures', async () => {
		const { ent, run } = await setup(10);
		const root = `nested-${tag()}.test`;
		const rootID = await addDomain(t.database, ent.id, root, { verified: true });
		await addDomain(t.database, ent.id, `labs.${root}`, { verified: false });
		await run('setDomainCapture', { domainID: rootID, enabled: true });

		const onLabs = await signUp(t.database, { email: `new@labs.${root}`, name: 'Labs' });
		expect(onLabs.licensedIn).toEqual([]);
		const onRoot = await signUp(t.database, { email: `new@${root}`, name: 'Root' });
		expect(onRoot.licensedIn).toEqual([ent.id]);
		// Under labs with no row of its own: labs' row decides.
		const deeper = await signUp(t.database, { email: `new@x.labs.${root}`, name: 'Deeper' });
		expect(deeper.licensedIn).toEqual([]);
		const existing = await makeUser(t.database, { email: `old@labs.${root}` });
		expect((await clientSignIn(t.database, existing.email))?.licensedIn).toEqual([]);
	});

	it('R15/R19: an unclaimed account shows and exports its Last Active: tracked activity after tracking began, else the last sign-in', async () => {
		const { ent } = await setup();
		const root = `active-${tag()}.test`;
		const domainID = await addDomain(t.database, ent.id, root, { verified: true });
		const signIn = Date.UTC(2024, 2, 4, 9);
		const tracked = await makeUser(t.database, { email: `a@${root}`, lastLoginAt: signIn });
		await recordActivity(t.database, tracked.id, Date.UTC(2026, 10, 20, 23, 30));
		await makeUser(t.database, { email: `b@${root}`, lastLoginAt: signIn });
		await makeUser(t.database, { email: `c@${root}` });

		const page = await listUnclaimed(t.database, ent.id, domainID, { offset: 0, limit: 10 });
		expect(page.users.map((u) => [u.email, u.lastActiveAt])).toEqual([
			[`a@${root}`, Date.UTC(2026, 10, 20, 23, 30)],
			[`b@${root}`, signIn],
			[`c@${root}`, null]
		]);
		const { csv } = await unclaimedCsv(t.database, ent.id, domainID);
		expect(Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' }).data).toEqual([
			['email', 'name', 'last_active'],
			[`a@${root}`, expect.any(String), '2026-11-20'],
			[`b@${root}`, expect.any(String), '2024-03-04'],
			[`c@${root}`, expect.any(String), '']
		]);
	});

	it('R15/R21: unclaimed accounts page by email with a search, and export as CSV with formulas neutralised', async () => {
		const { ent } = await setup();
		const root = `list-${tag()}.test`;
		const domainID = await addDomain(t.database, ent.id, root, { verified: true });
		const unverifiedID = await addDomain(t.database, ent.id, `nope-${tag()}.test`, {
			verified: false
		});
		await makeUser(t.database, { email: `zed@${root}`, name: 'Zed' });
		await makeUser(t.database, { email: `amy@dev.${root}`, name: '=HYPERLINK("http://x")' });
		const held = await makeUser(t.database, { email: `held@${root}`, name: 'Held' });
		await license(t.database, ent.id, held.id);
		await makeUser(t.database, { email: `zed@x${root}`, name: 'Not on it' });

		const page = await listUnclaimed(t.database, ent.id, domainID, { offset: 0, limit: 1 });
		expect(page.total).toBe(2);
		expect(page.users.map((u) => u.email)).toEqual([`amy@dev.${root}`]);
		const search = await listUnclaimed(t.database, ent.id, domainID, {
			offset: 0,
			limit: 10,
			q: 'ZED'
		});
		expect(search.users.map((u) => u.email)).toEqual([`zed@${root}`]);
		await expect(
			listUnclaimed(t.database, ent.id, unverifiedID, { offset: 0, limit: 10 })
		).rejects.toMatchObject({ status: 409, code: 'notVerified' });

		const { csv } = await unclaimedCsv(t.database, ent.id, domainID);
		expect(csv.startsWith('email,name,last_active\r\n')).toBe(true);
		expect(csv).toContain(`amy@dev.${root},"'=HYPERLINK(""http://x"")",`);
		const parsed = Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' }).data;
		expect(parsed).toEqual([
			['email', 'name', 'last_active'],
			[`amy@dev.${root}`, `'=HYPERLINK("http://x")`, ''],
			[`zed@${root}`, 'Zed', '']
		]);
	});
});
