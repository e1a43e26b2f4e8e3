import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainMirrorRows } from '../../src/lib/server/domains/sql';
import { enterprisesOf, membershipIn } from '../../src/lib/server/enterprises.service';
import { createTestDb, dialects, type TestDb } from './support/databases';
import {
	addDomain,
	grantRole,
	license,
	makeEmptyEnterprise,
	makeUser,
	tag
} from './support/factories';

describe.each(dialects)('what an enterprise console reads on %s', (dialect) => {
	let t: TestDb;
	beforeAll(async () => {
		t = await createTestDb(dialect);
	});
	afterAll(async () => {
		await t?.drop();
	});

	describe('domains as the mirror receives them', () => {
		it('R15: unclaimed accounts of a root domain include its subdomains and exclude licensed users', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const other = await makeEmptyEnterprise(t.database);
			const root = `acme-${tag()}.test`;
			await addDomain(t.database, ent.id, root);
			await addDomain(t.database, ent.id, `labs.${root}`);
			const user = (email: string) => makeUser(t.database, { email });

			await user(`ada@${root}`);
			await user(`Grace.Hopper@${root.toUpperCase()}`); // stored in mixed case
			await user(`bob@labs.${root}`);
			await user(`deep@x.labs.${root}`);
			const managed = await user(`managed@${root}`);
			await license(t.database, ent.id, managed.id);
			const managedElsewhere = await user(`elsewhere@labs.${root}`);
			await license(t.database, other.id, managedElsewhere.id);
			// Look-alikes that are not on the domain.
			await user(`eve@evil${root}`);
			await user(`mallory@${root}.evil.test`);
			await user(`${root}@gmail.test`);

			const domains = await domainMirrorRows(t.database.db, t.database.dialect, ent.id);
			expect(domains.map((d) => [d.domain, d.unclaimedCount])).toEqual([
				[root, 5], // ada, grace, bob, deep, elsewhere
				[`labs.${root}`, 3] // bob, deep, elsewhere
			]);
			// R15: the unmanaged-users figure is the sum, counting subdomain users twice.
			expect(domains.reduce((n, d) => n + (d.unclaimedCount ?? 0), 0)).toBe(8);
		});

		// R3 defines unmanaged users by the enterprise's verified domains: adding someone else's domain
		// must not reveal how many of the vendor's users are on it.
		it('R3, R15: an unverified domain has no unclaimed accounts until it is verified', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const domain = `someone-else-${tag()}.test`;
			await addDomain(t.database, ent.id, domain, { verified: false });
			await makeUser(t.database, { email: `ceo@${domain}` });
			await makeUser(t.database, { email: `cfo@${domain}` });
			const [listed] = await domainMirrorRows(t.database.db, t.database.dialect, ent.id);
			expect(listed).toMatchObject({ domain, effectiveVerified: false, unclaimedCount: null });
		});

		it('R13: shows which domains are verified, the value to publish and capture state', async () => {
			const ent = await makeEmptyEnterprise(t.database);
			const verified = `v-${tag()}.test`;
			const pending = `p-${tag()}.test`;
			await addDomain(t.database, ent.id, verified);
			await addDomain(t.database, ent.id, pending, { verified: false });
			await t.database.db
				.updateTable('domains')
				.set({ capture_enabled: 1 })
				.where('domain', '=', verified)
				.execute();
			const domains = await domainMirrorRows(t.database.db, t.database.dialect, ent.id);
			const byName = Object.fromEntries(domains.map((d) => [d.domain, d]));
			expect(byName[verified]).toMatchObject({
				effectiveVerified: true,
				captureEnabled: true,
				unclaimedCount: 0
			});
			expect(byName[pending]).toMatchObject({ effectiveVerified: false, captureEnabled: false });
			expect(byName[pending]?.verificationValue).toMatch(/^roster-verification=[0-9a-f]{32}$/);
			expect(
				await domainMirrorRows(
					t.database.db,
					t.database.dialect,
					(await makeEmptyEnterprise(t.database)).id
				)
			).toEqual([]);
		});
	});

	describe('enterprises of an admin', () => {
		it('R1: an admin sees exactly the enterprises where they hold a role, with that role', async () => {
			const admin = await makeUser(t.database);
			const t1 = tag();
			const beta = await makeEmptyEnterprise(t.database, { name: `Beta ${t1}` });
			const alpha = await makeEmptyEnterprise(t.database, { name: `Alpha ${t1}` });
			const gamma = await makeEmptyEnterprise(t.database, { name: `Gamma ${t1}` });
			const stranger = await makeEmptyEnterprise(t.database, { name: `Stranger ${t1}` });
			await grantRole(t.database, alpha.id, admin.id, 'owner');
			await grantRole(t.database, beta.id, admin.id, 'billing');
			await grantRole(t.database, gamma.id, admin.id, 'member');
			// A license in an enterprise is not a console role.
			await license(t.database, stranger.id, admin.id);
			await grantRole(t.database, stranger.id, (await makeUser(t.database)).id, 'owner');

			expect(await enterprisesOf(t.database, admin.id)).toEqual([
				{ id: alpha.id, name: alpha.name, slug: alpha.slug, role: 'owner' },
				{ id: beta.id, name: beta.name, slug: beta.slug, role: 'billing' },
				{ id: gamma.id, name: gamma.name, slug: gamma.slug, role: 'member' }
			]);
		});

		it('R1: membershipIn finds the role by id or slug, and nothing for another enterprise', async () => {
			const admin = await makeUser(t.database);
			const mine = await makeEmptyEnterprise(t.database);
			const theirs = await makeEmptyEnterprise(t.database);
			await grantRole(t.database, mine.id, admin.id, 'co-owner');
			await grantRole(t.database, theirs.id, (await makeUser(t.database)).id, 'owner');

			const expected = { id: mine.id, name: mine.name, slug: mine.slug, role: 'co-owner' };
			expect(await membershipIn(t.database, admin.id, { id: mine.id })).toEqual(expected);
			expect(await membershipIn(t.database, admin.id, { slug: mine.slug })).toEqual(expected);
			expect(await membershipIn(t.database, admin.id, { id: theirs.id })).toBeNull();
			expect(await membershipIn(t.database, admin.id, { slug: theirs.slug })).toBeNull();
			expect(await membershipIn(t.database, admin.id, { slug: 'no-such-enterprise' })).toBeNull();
		});
	});
});
