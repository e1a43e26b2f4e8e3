import { describe, expect, it } from 'vitest';
import { AdminsState } from './admins.svelte';
import { DomainsState } from './domains.svelte';
import { OrganizationsState } from './organizations.svelte';
import { StoragePolicyState } from './storage-policy.svelte';
import { controllerFor, id } from './support/console.svelte';
import { specScope } from './support/spec-scope';

const { mirror, watched } = specScope();

describe('organizations state', () => {
	it('gives each member the highest of their direct role and their linked teams’ roles', async () => {
		const m = await mirror({ users: ['ada@acme.test'] });
		const [org, team, ada] = [id('org Eng'), id('team Web'), id('ada@acme.test')];
		await m.db.organizations.put({ id: org, name: 'Engineering' });
		await m.db.teams.put({ id: team, name: 'Web', source: 'manual' });
		await m.db.teamMembers.put({ key: `${team}:${ada}`, teamID: team, userID: ada });
		await m.db.orgMembers.put({ key: `${org}:${ada}`, orgID: org, userID: ada, role: 'member' });
		const orgs = new OrganizationsState(controllerFor(m));
		const roles = watched(
			() => orgs.list.current?.orgs[0]?.effective.map((e) => [e.userID, e.role]) ?? null
		);
		expect(await roles.until((r) => r?.length === 1)).toEqual([[ada, 'member']]);

		expect(await orgs.link(org, team, 'admin')).toBe(true);
		expect(await roles.until((r) => r?.[0]?.[1] === 'admin')).toEqual([[ada, 'admin']]);
	});

	it('lists an organization’s members by email with their names, searchable, and unlinks with Undo', async () => {
		const m = await mirror({ users: ['bob@acme.test', 'ada@acme.test'] });
		const [org, team] = [id('org Eng'), id('team Web')];
		const [ada, bob] = [id('ada@acme.test'), id('bob@acme.test')];
		await m.db.organizations.put({ id: org, name: 'Engineering' });
		await m.db.teams.put({ id: team, name: 'Web', source: 'manual' });
		await m.db.teamMembers.bulkPut([
			{ key: `${team}:${ada}`, teamID: team, userID: ada },
			{ key: `${team}:${bob}`, teamID: team, userID: bob }
		]);
		await m.db.teamOrgLinks.put({ key: `${team}:${org}`, teamID: team, orgID: org, role: 'admin' });
		const orgs = new OrganizationsState(controllerFor(m));
		const selected = () => orgs.list.current?.orgs[0] ?? null;
		const members = orgs.members(selected);
		const rows = watched(() => members.view.rows?.map((r) => [r.email, r.name, r.role]) ?? null);
		expect(await rows.until((r) => r?.length === 2)).toEqual([
			['ada@acme.test', 'ada', 'admin'],
			['bob@acme.test', 'bob', 'admin']
		]);
		members.view.query = 'BO';
		expect(await rows.until((r) => r?.length === 1)).toEqual([['bob@acme.test', 'bob', 'admin']]);

		// R12: unlinking says who lost access; Undo links the team again with the same role.
		expect(await orgs.unlink(selected()!, team, members.who)).toBe(true);
		expect(orgs.done).toBe(
			'Web unlinked from Engineering. Engineering: 2 people lose access (ada@acme.test, bob@acme.test).'
		);
		await rows.until((r) => r?.length === 0);
		expect(await orgs.undo.undo()).toBe(true);
		expect(orgs.done).toBe('Web is linked to Engineering again as admin.');
		expect(await rows.until((r) => r?.length === 1)).toEqual([['bob@acme.test', 'bob', 'admin']]);
	});

	it('keeps the refusal of a rename someone else made first in its message', async () => {
		const m = await mirror();
		await m.db.organizations.put({ id: id('org Eng'), name: 'Engineering EU' });
		const orgs = new OrganizationsState(controllerFor(m));

		expect(await orgs.rename(id('org Eng'), 'R&D', 'Engineering')).toBe(false);
		expect(orgs.message).toBe('Someone else renamed it to “Engineering EU” meanwhile');
	});
});

describe('domains state', () => {
	it('counts a subdomain as verified through its verified root, and offers to verify a new one', async () => {
		const m = await mirror();
		const domain = (name: string, verifiedAt: number | null) => ({
			id: id(name),
			domain: name,
			verificationValue: `roster-${name}`,
			verifiedAt,
			effectiveVerified: verifiedAt != null,
			captureEnabled: false,
			unclaimedCount: verifiedAt != null ? 4 : null
		});
		await m.db.domains.bulkPut([domain('acme.test', 1), domain('eu.acme.test', null)]);
		const domains = new DomainsState(controllerFor(m));
		const rows = watched(() => domains.list?.map((d) => [d.domain, d.verified, d.via]) ?? null);
		expect(await rows.until((r) => r?.length === 2)).toEqual([
			['acme.test', true, null],
			['eu.acme.test', true, 'acme.test']
		]);
		expect(domains.unclaimed).toEqual({ domains: 1, total: 4 });

		expect((await domains.add('other.test')).ok).toBe(true);
		const added = await rows.until((r) => r?.length === 3);
		expect(added?.[2]).toEqual(['other.test', false, null]);
		expect(domains.justAdded).toBe(
			(await m.db.domains.where('domain').equals('other.test').first())?.id
		);
	});

	it('keeps the refusal to change capture on a domain that is gone in its message', async () => {
		const m = await mirror();
		const domains = new DomainsState(controllerFor(m));

		expect(await domains.setCapture(id('gone.test'), true)).toBe(false);
		expect(domains.message).toBe('The domain no longer exists');
	});
});

describe('admins state', () => {
	it('lists the owner first, then co-owners and billing admins by email', async () => {
		const m = await mirror({ role: 'owner' });
		await m.db.admins.bulkPut([
			{ email: 'zoe@acme.test', userID: id('zoe'), name: 'Zoe', role: 'co-owner' },
			{ email: 'bill@acme.test', userID: id('bill'), name: 'Bill', role: 'billing' },
			{ email: 'amy@acme.test', userID: id('amy'), name: 'Amy', role: 'co-owner' }
		]);
		const admins = new AdminsState(controllerFor(m));
		const emails = watched(() => admins.list.current?.map((a) => a.email) ?? null);
		expect(await emails.until((e) => e?.length === 4)).toEqual([
			'me@acme.test',
			'amy@acme.test',
			'zoe@acme.test',
			'bill@acme.test'
		]);
	});

	it('keeps the refusal to remove the owner in its message', async () => {
		const m = await mirror({ role: 'owner' });

		const admins = new AdminsState(controllerFor(m));
		expect(await admins.remove('me@acme.test')).toBe(false);
		expect(admins.message).toBe('me@acme.test is the owner and keeps every right.');
	});
});

describe('storage policy state', () => {
	it('applies the global rule to organizations without an override', async () => {
		const m = await mirror();
		await m.db.organizations.bulkPut([
			{ id: id('org A'), name: 'A' },
			{ id: id('org B'), name: 'B' }
		]);
		const storage = new StoragePolicyState(controllerFor(m));
		const view = watched(() => storage.view.current);
		await view.until((v) => v !== null);

		expect(await storage.set(null, { local: true, cloud: false, git: true })).toBe(true);
		expect(await storage.set(id('org B'), { local: true, cloud: true, git: true })).toBe(true);
		const shown = await view.until((v) => v?.orgs[1]?.source === 'override');
		expect(shown?.orgs.map((o) => [o.name, o.policy.cloud, o.source])).toEqual([
			['A', false, 'global'],
			['B', true, 'override']
		]);
	});

	it('keeps the refusal of a rule that allows no storage in its message', async () => {
		const m = await mirror();
		const storage = new StoragePolicyState(controllerFor(m));

		expect(await storage.set(null, { local: false, cloud: false, git: false })).toBe(false);
		expect(storage.message).toContain('allow at least one storage type');
	});
});
