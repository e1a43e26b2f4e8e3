import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMutation } from '../../src/lib/domain/mutations';
import type { AccountRole } from '../../src/lib/domain/roles';
import { SqlMutationStore } from '../../src/lib/server/sync/sql-store';
import { RosterDB } from '../../src/lib/client/db';
import { DexieMutationStore } from '../../src/lib/client/dexie-store';
import { createTestDb, dialects, type TestDb } from './support/databases';
import { addDomain, makeEmptyEnterprise, makeUser, tag } from './support/factories';
import { RECHECK_FOR_MS } from '../../src/lib/domain/domains';

const ctx = {
	userID: '99999999-9999-4999-8999-999999999999',
	role: 'owner' as AccountRole,
	now: 1000
};

describe.each(dialects)('domain mutators on the real stores, server on %s (R13–R15)', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	/**
	 * Runs one mutation as push does: in a transaction, on the server's store. `dns` is what the
	 * TXT lookups done before the transaction found (prefetchTxt).
	 */
	function onServer(
		enterpriseID: string,
		name: string,
		args: unknown,
		opts: { dns?: Record<string, string[]>; role?: AccountRole } = {}
	) {
		return t.database.db.transaction().execute(async (trx) => {
			const actor = { userID: null, kind: 'console' as const, queued: false };
			const store = new SqlMutationStore(trx, enterpriseID, 1, actor, ctx.now);
			for (const [domain, records] of Object.entries(opts.dns ?? {}))
				store.txtLookups.set(domain, { records });
			return runMutation(store, name, args, { ...ctx, role: opts.role ?? ctx.role });
		});
	}

	/** Runs one mutation as the browser does: optimistically, in a Dexie transaction on its mirror. */
	function inBrowser(db: RosterDB, name: string, args: unknown) {
		return db.transaction('rw', db.mutationTables, () =>
			runMutation(new DexieMutationStore(db), name, args, ctx)
		);
	}

	function domainRows(enterpriseID: string) {
		return t.database.db
			.selectFrom('domains')
			.select(['id', 'domain', 'verification_value', 'verified_at', 'capture_enabled'])
			.where('enterprise_id', '=', enterpriseID)
			.execute();
	}

	async function pendingRow(id: string) {
		const row = await t.database.db
			.selectFrom('domains')
			.select(['verified_at', 'checked_at', 'check_records', 'recheck_until'])
			.where('id', '=', id)
			.executeTakeFirstOrThrow();
		return {
			...row,
			checked_at: row.checked_at == null ? null : Number(row.checked_at),
			recheck_until: row.recheck_until == null ? null : Number(row.recheck_until)
		};
	}

	async function domainRow(id: string) {
		return t.database.db
			.selectFrom('domains')
			.select(['verification_value', 'verified_at', 'capture_enabled'])
			.where('id', '=', id)
			.executeTakeFirstOrThrow();
	}

	it('addDomain refuses a duplicate and is idempotent for a replay', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const [D1, D2] = [randomUUID(), randomUUID()];
		const name = `acme-${tag()}`;
		expect(
			await onServer(ent.id, 'addDomain', { domainID: D1, domain: `Acme-${name.slice(5)}.test` })
		).toEqual({ ok: true });
		expect(await onServer(ent.id, 'addDomain', { domainID: D1, domain: `${name}.test` })).toEqual({
			ok: true
		});
		expect(
			await onServer(ent.id, 'addDomain', { domainID: D2, domain: `${name.toUpperCase()}.test` })
		).toMatchObject({
			ok: false,
			code: 'ALREADY_EXISTS'
		});
		expect(await domainRows(ent.id)).toHaveLength(1);
	});

	it('verifyDomain: in the browser a queued no-op; on the server, verified only with the record', async () => {
		const D1 = randomUUID();
		const domain = `acme-${tag()}.test`;
		const browser = new RosterDB(`domain-mutators-${randomUUID()}`);
		try {
			await inBrowser(browser, 'addDomain', { domainID: D1, domain });
			expect(await inBrowser(browser, 'verifyDomain', { domainID: D1 })).toEqual({
				ok: true
			});
			expect((await browser.domains.get(D1))!.verifiedAt).toBeNull();
		} finally {
			browser.close();
		}

		const ent = await makeEmptyEnterprise(t.database);
		const dns: Record<string, string[]> = { [domain]: ['google-site-verification=x'] };
		await onServer(ent.id, 'addDomain', { domainID: D1, domain });
		const value = (await domainRow(D1)).verification_value!;
		// R13: a record not published yet is an expected outcome: the domain stays pending, with
		// what DNS held, and is re-checked for 48 hours.
		expect(await onServer(ent.id, 'verifyDomain', { domainID: D1 }, { dns })).toEqual({ ok: true });
		expect(await pendingRow(D1)).toMatchObject({
			verified_at: null,
			checked_at: ctx.now,
			check_records: JSON.stringify(['google-site-verification=x']),
			recheck_until: ctx.now + RECHECK_FOR_MS
		});
		dns[domain] = [value];
		expect(await onServer(ent.id, 'verifyDomain', { domainID: D1 }, { dns })).toEqual({
			ok: true
		});
		expect(Number((await domainRow(D1)).verified_at)).toBe(ctx.now);
	});

	it('setDomainCapture needs effective verification; deleting the verified root turns a subdomain\u2019s capture off', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		const [D1, D2] = [randomUUID(), randomUUID()];
		const root = `acme-${tag()}.test`;
		await onServer(ent.id, 'addDomain', { domainID: D1, domain: root });
		await onServer(ent.id, 'addDomain', { domainID: D2, domain: `eu.${root}` });
		expect(
			await onServer(ent.id, 'setDomainCapture', { domainID: D2, enabled: true })
		).toMatchObject({
			ok: false,
			code: 'DOMAIN_NOT_VERIFIED'
		});
		await t.database.db
			.updateTable('domains')
			.set({ verified_at: 1 })
			.where('id', '=', D1)
			.execute();
		expect(await onServer(ent.id, 'setDomainCapture', { domainID: D2, enabled: true })).toEqual({
			ok: true
		});
		await onServer(ent.id, 'deleteDomain', { domainID: D1 });
		expect(Number((await domainRow(D2)).capture_enabled)).toBe(0);
		const audits = await t.database.db
			.selectFrom('audit_log')
			.select('action')
			.where('enterprise_id', '=', ent.id)
			.orderBy('id')
			.execute();
		expect(audits.map((a) => a.action)).toEqual([
			'addDomain',
			'addDomain',
			'setDomainCapture',
			'deleteDomain',
			'setDomainCapture'
		]);
	});

	it('claimAccounts checks seats for all at once (R6) and skips the already licensed', async () => {
		const ent = await makeEmptyEnterprise(t.database, { seats: 1 });
		const domain = `acme-${tag()}.test`;
		await addDomain(t.database, ent.id, domain);
		const [U1, U2] = await Promise.all(
			[0, 1].map(async (i) => (await makeUser(t.database, { email: `u${i}@${domain}` })).id)
		);
		expect(await onServer(ent.id, 'claimAccounts', { userIDs: [U1, U2] })).toMatchObject({
			ok: false,
			code: 'NEEDS_TO_INCREASE_SEATS',
			details: { needed: 2, free: 1 }
		});
		expect(await onServer(ent.id, 'claimAccounts', { userIDs: [U1] })).toEqual({ ok: true });
		expect(await onServer(ent.id, 'claimAccounts', { userIDs: [U1] })).toEqual({ ok: true });
		const licensed = await t.database.db
			.selectFrom('licenses')
			.select('user_id')
			.where('enterprise_id', '=', ent.id)
			.execute();
		expect(licensed.map((l) => l.user_id)).toEqual([U1]);
		expect(await onServer(ent.id, 'claimAccounts', { userIDs: [] })).toMatchObject({
			code: 'INVALID_ARGS'
		});
	});

	it('billing cannot run domain mutations (R2)', async () => {
		const ent = await makeEmptyEnterprise(t.database);
		expect(
			await onServer(
				ent.id,
				'addDomain',
				{ domainID: randomUUID(), domain: `acme-${tag()}.test` },
				{ role: 'billing' }
			)
		).toMatchObject({ ok: false, code: 'NOT_PERMITTED' });
	});
});
