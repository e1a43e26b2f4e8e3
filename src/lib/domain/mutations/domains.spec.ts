import { describe, expect, it } from 'vitest';
import { runMutation, type MutationStore } from './index';
import type { DomainStore } from './domains';
import { normalizeDomain, type DomainState, type TxtLookup } from '../domains';
import type { User } from '../entities';

/** An in-memory store of domains and licenses; `dns` null plays the browser (no lookup). */
function memoryStore(opts: {
	seats?: number;
	dns?: Record<string, string[]> | null;
	users?: User[];
}) {
	const domains = new Map<string, DomainState>();
	const licensed = new Set<string>();
	const audits: string[] = [];
	let n = 0;
	const store = {
		seats: async () => opts.seats ?? 10,
		seatCounts: async () => ({ licensed: licensed.size, pendingInvites: 0 }),
		hasLicense: async (id: string) => licensed.has(id),
		addLicense: async (id: string) => void licensed.add(id),
		audit: async (action: string) => void audits.push(action),
		listDomains: async () => [...domains.values()],
		addDomain: async (id: string, domain: string) =>
			!!domains.set(id, {
				id,
				domain,
				verificationValue:
					opts.dns === null ? null : `roster-verification=${String(++n).padStart(32, '0')}`,
				verifiedAt: null,
				captureEnabled: false
			}),
		deleteDomain: async (id: string) => void domains.delete(id),
		setDomainVerified: async (id: string, at: number) =>
			void domains.set(id, { ...domains.get(id)!, verifiedAt: at }),
		setDomainCapture: async (id: string, enabled: boolean) =>
			void domains.set(id, { ...domains.get(id)!, captureEnabled: enabled }),
		lookupTxt: async (d: string): Promise<TxtLookup | null> =>
			opts.dns === null ? null : { records: opts.dns?.[d] ?? [] },
		unclaimedUsers: async (ids: string[]) =>
			opts.dns === null ? null : (opts.users ?? []).filter((u) => ids.includes(u.id))
	} satisfies DomainStore & Partial<MutationStore>;
	return { store: store as unknown as MutationStore, domains, licensed, audits };
}

const ctx = { userID: '99999999-9999-4999-8999-999999999999', role: 'owner' as const, now: 1000 };
const D1 = '11111111-1111-4111-8111-111111111111';
const D2 = '22222222-2222-4222-8222-222222222222';
const U1 = '33333333-3333-4333-8333-333333333333';
const U2 = '44444444-4444-4444-8444-444444444444';

describe('normalizeDomain (R13)', () => {
	it('lower-cases, trims a trailing dot, turns IDN to punycode', () => {
		expect(normalizeDomain(' Acme.COM. ')).toEqual({ ok: true, domain: 'acme.com' });
		expect(normalizeDomain('bücher.example')).toEqual({
			ok: true,
			domain: 'xn--bcher-kva.example'
		});
	});
	it.each([
		['', /enter a domain/],
		['https://acme.com', /without scheme/],
		['acme.com/path', /without scheme/],
		['acme.com:8080', /without scheme/],
		['localhost', /at least two labels/],
		['-acme.com', /letters, digits or hyphens/],
		['a_b.com', /letters, digits or hyphens/],
		['10.0.0.1', /IP address/],
		[`${'a'.repeat(63)}.`.repeat(4) + 'com', /at most 253/],
		// R26: no control characters; R13: internal names are not public domains.
		[`acme${String.fromCharCode(0)}.com`, /control characters/],
		['acme.com\u0085', /control characters/],
		['vault.internal', /internal networks/],
		['printer.local', /internal networks/],
		['db.corp', /internal networks/],
		['10.in-addr.arpa', /internal networks/]
	])('refuses %j', (input, message) => {
		const r = normalizeDomain(input);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.message).toMatch(message);
	});
});

describe('domain mutators (R13–R15)', () => {
	it('addDomain refuses a duplicate and is idempotent for a replay', async () => {
		const { store, domains } = memoryStore({});
		expect(
			await runMutation(store, 'addDomain', { domainID: D1, domain: 'Acme.test' }, ctx)
		).toEqual({ ok: true });
		expect(
			await runMutation(store, 'addDomain', { domainID: D1, domain: 'acme.test' }, ctx)
		).toEqual({ ok: true });
		expect(
			await runMutation(store, 'addDomain', { domainID: D2, domain: 'ACME.test' }, ctx)
		).toMatchObject({
			ok: false,
			code: 'ALREADY_EXISTS'
		});
		expect(domains.size).toBe(1);
	});

	it('verifyDomain: in the browser a queued no-op; on the server, verified only with the record', async () => {
		const browser = memoryStore({ dns: null });
		await runMutation(browser.store, 'addDomain', { domainID: D1, domain: 'acme.test' }, ctx);
		expect(await runMutation(browser.store, 'verifyDomain', { domainID: D1 }, ctx)).toEqual({
			ok: true
		});
		expect(browser.domains.get(D1)!.verifiedAt).toBeNull();

		const dns: Record<string, string[]> = { 'acme.test': ['google-site-verification=x'] };
		const server = memoryStore({ dns });
		await runMutation(server.store, 'addDomain', { domainID: D1, domain: 'acme.test' }, ctx);
		const value = server.domains.get(D1)!.verificationValue!;
		const failed = await runMutation(server.store, 'verifyDomain', { domainID: D1 }, ctx);
		expect(failed).toMatchObject({
			ok: false,
			code: 'VERIFICATION_FAILED',
			message: `no TXT record ${value} on acme.test; found: “google-site-verification=x”`
		});
		dns['acme.test'] = [value];
		expect(await runMutation(server.store, 'verifyDomain', { domainID: D1 }, ctx)).toEqual({
			ok: true
		});
		expect(server.domains.get(D1)!.verifiedAt).toBe(ctx.now);
	});

	it('setDomainCapture needs effective verification; deleting the verified root turns a subdomain\u2019s capture off', async () => {
		const { store, domains, audits } = memoryStore({});
		await runMutation(store, 'addDomain', { domainID: D1, domain: 'acme.test' }, ctx);
		await runMutation(store, 'addDomain', { domainID: D2, domain: 'eu.acme.test' }, ctx);
		expect(
			await runMutation(store, 'setDomainCapture', { domainID: D2, enabled: true }, ctx)
		).toMatchObject({
			ok: false,
			code: 'DOMAIN_NOT_VERIFIED'
		});
		domains.set(D1, { ...domains.get(D1)!, verifiedAt: 1 });
		expect(
			await runMutation(store, 'setDomainCapture', { domainID: D2, enabled: true }, ctx)
		).toEqual({ ok: true });
		await runMutation(store, 'deleteDomain', { domainID: D1 }, ctx);
		expect(domains.get(D2)!.captureEnabled).toBe(false);
		expect(audits).toEqual([
			'addDomain',
			'addDomain',
			'setDomainCapture',
			'deleteDomain',
			'setDomainCapture'
		]);
	});

	it('claimAccounts checks seats for all at once (R6) and skips the already licensed', async () => {
		const users = [U1, U2].map((id, i) => ({ id, email: `u${i}@acme.test`, name: `U${i}` }));
		const { store, licensed } = memoryStore({ seats: 1, users });
		expect(await runMutation(store, 'claimAccounts', { userIDs: [U1, U2] }, ctx)).toMatchObject({
			ok: false,
			code: 'NEEDS_TO_INCREASE_SEATS',
			details: { needed: 2, free: 1 }
		});
		expect(await runMutation(store, 'claimAccounts', { userIDs: [U1] }, ctx)).toEqual({ ok: true });
		expect(await runMutation(store, 'claimAccounts', { userIDs: [U1] }, ctx)).toEqual({ ok: true });
		expect([...licensed]).toEqual([U1]);
		expect(await runMutation(store, 'claimAccounts', { userIDs: [] }, ctx)).toMatchObject({
			code: 'INVALID_ARGS'
		});
	});

	it('billing cannot run domain mutations (R2)', async () => {
		const { store } = memoryStore({});
		expect(
			await runMutation(
				store,
				'addDomain',
				{ domainID: D1, domain: 'acme.test' },
				{ ...ctx, role: 'billing' }
			)
		).toMatchObject({ ok: false, code: 'NOT_PERMITTED' });
	});
});
