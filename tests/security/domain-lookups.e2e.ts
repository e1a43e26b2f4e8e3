import { expect, test, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { startServer, type Server } from './support/server';
import { fullPull, push, rows, seedTenant } from './support/mutations';
import { startDnsServer, type TestDnsServer } from '../unit/support/dns-server';

// Domain verification (R13) makes the server ask DNS on an admin's behalf. It must not become a way
// to make the server query any name (internal ones included) or flood a resolver: lookups only for
// domains the enterprise holds, a few per enterprise and minute, and every refused verification
// says to try again rather than vanishing. The DNS server on loopback counts what the server asks.

let dns: TestDnsServer;
let server: Server;
let acmeOwner: APIRequestContext;
let initechOwner: APIRequestContext;
let acme: string;
let initech: string;

test.beforeAll(async () => {
	test.setTimeout(180_000);
	dns = await startDnsServer();
	server = await startServer({ env: { DNS_SERVERS: dns.address } });
	({ owner: acmeOwner, id: acme } = await seedTenant(server, {
		name: 'Acme',
		users: 10,
		domains: 'acme.test',
		owner: 'owner@acme.test',
		password: 'roster-demo'
	}));
	({ owner: initechOwner, id: initech } = await seedTenant(server, {
		name: 'Initech',
		users: 10,
		domains: 'initech.test,lab.initech.test',
		owner: 'owner@initech.test',
		password: 'initech-pass'
	}));
});

test.afterAll(async () => {
	await server?.stop();
	await dns?.close();
});

test('DNS is asked only for the enterprise’s own public domains, a few times a minute, and every refused verification says to try again (R13)', async () => {
	// Another enterprise's domain: not found, and DNS is not asked.
	const lab = rows<{ id: string; domain: string }>(
		await fullPull(initechOwner, initech),
		'domains'
	).find((d) => d.domain === 'lab.initech.test')!;
	const [theirs] = await push(acmeOwner, acme, [
		{ name: 'verifyDomain', args: { domainID: lab.id } }
	]);
	expect(theirs).toMatchObject({ status: 'rejected', code: 'NOT_FOUND' });

	// An internal name is not a domain an enterprise can hold.
	const internalID = randomUUID();
	const internal = await push(acmeOwner, acme, [
		{ name: 'addDomain', args: { domainID: internalID, domain: 'vault.internal' } },
		{ name: 'verifyDomain', args: { domainID: internalID } }
	]);
	expect(internal.map((r) => r.status)).toEqual(['rejected', 'rejected']);
	expect(dns.queries).toEqual([]);

	// One push of 200 add-and-verify pairs.
	const mutations = Array.from({ length: 200 }, (_, i) => {
		const domainID = randomUUID();
		return [
			{ name: 'addDomain', args: { domainID, domain: `probe-${i}.flood.test` } },
			{ name: 'verifyDomain', args: { domainID } }
		];
	}).flat();
	const results = await push(acmeOwner, acme, mutations);
	expect(results).toHaveLength(400);
	const verifies = results.filter((_, i) => i % 2 === 1);
	// R13: none is verified (nothing is published); each stays pending, to be re-checked later.
	expect(verifies.every((r) => r.status === 'applied')).toBe(true);
	const asked = new Set(dns.queries.filter((q) => q.endsWith('.flood.test')));
	expect(asked.size).toBeLessThanOrEqual(10);
});
