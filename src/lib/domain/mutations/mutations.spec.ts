import { describe, expect, it } from 'vitest';
import { mayRun, runMutation, type MutationStore } from './index';
import { describeIntent, editableArg, mayRetry, rejectionPage } from './describe';
import { mayActOn } from './permissions';
import type { Invite, Organization, Team, TeamOrgRole, User } from '../entities';
import { DAY_MS } from '../seats';
import type { StoragePolicy } from '../storage-policy';
import type { AccountRole } from '../roles';
import type { DomainState } from '../domains';
import { nameKey } from '../text';

/** An in-memory store: the plain data the mutators read and write, to test the rules themselves. */
function memoryStore(opts: { seats: number; users?: User[]; licensed?: string[]; owner?: string }) {
	const seat = { count: opts.seats, thresholds: { activeDays: 90, naAfterDays: 100 } };
	const teams = new Map<string, Team>();
	const orgs = new Map<string, Organization>();
	const links = new Map<string, TeamOrgRole>();
	const policies = new Map<string, StoragePolicy>();
	const admins = new Map<string, AccountRole>(
		(opts.users ?? []).filter((u) => u.id === opts.owner).map((u) => [u.email, 'owner'])
	);
	const members = new Set<string>();
	const licensed = new Set(opts.licensed ?? []);
	const invites = new Map<string, Invite>();
	const audits: string[] = [];
	const domains = new Map<string, DomainState>();
	const users = opts.users ?? [];
	const store: MutationStore = {
		seats: async () => seat.count,
		setSeats: async (n) => void (seat.count = n),
		thresholds: async () => ({ ...seat.thresholds }),
		setThresholds: async (t) => void (seat.thresholds = { ...t }),
		seatCounts: async (now) => ({
			licensed: licensed.size,
			pendingInvites: [...invites.values()].filter((i) => i.expiresAt > now).length
		}),
		getTeam: async (id) => teams.get(id),
		teamNamed: async (n) => [...teams.values()].find((t) => nameKey(t.name) === nameKey(n)),
		putTeam: async (t) => !!teams.set(t.id, t),
		deleteTeam: async (id) => void teams.delete(id),
		isTeamMember: async (t, u) => members.has(`${t}:${u}`),
		addTeamMember: async (t, u) => void members.add(`${t}:${u}`),
		removeTeamMember: async (t, u) => void members.delete(`${t}:${u}`),
		getOrg: async (id) => orgs.get(id),
		orgNamed: async (n) => [...orgs.values()].find((o) => nameKey(o.name) === nameKey(n)),
		putOrg: async (o) => !!orgs.set(o.id, o),
		deleteOrg: async (id) => void orgs.delete(id),
		teamOrgLink: async (t, o) => links.get(`${t}:${o}`),
		linkTeamToOrg: async (t, o, role) => void links.set(`${t}:${o}`, role),
		unlinkTeamFromOrg: async (t, o) => void links.delete(`${t}:${o}`),
		getStoragePolicy: async (o) => policies.get(o ?? 'global'),
		putStoragePolicy: async (o, p) => void policies.set(o ?? 'global', p),
		deleteStoragePolicy: async (o) => void policies.delete(o),
		findAccount: async (e) => users.find((u) => u.email === e),
		adminRole: async (e) => admins.get(e),
		setAdminRole: async (u, role) => void admins.set(u.email, role),
		removeAdminRole: async (e) => void admins.set(e, 'member'),
		getUser: async (id) => users.find((u) => u.id === id),
		findUserByEmail: async (e) => users.find((u) => u.email === e),
		hasLicense: async (id) => licensed.has(id),
		addLicense: async (id) => void licensed.add(id),
		removeLicense: async (id) => void licensed.delete(id),
		accountRole: async (id) => (id === opts.owner ? 'owner' : undefined),
		findInviteByEmail: async (e) => [...invites.values()].find((i) => i.email === e),
		putInvite: async (i) => !!invites.set(i.id, i),
		getInvite: async (id) => invites.get(id),
		deleteInvite: async (id) => void invites.delete(id),
		// Domains as the browser keeps them (no DNS; unclaimed accounts unknown). The domain mutators
		// are proved against the real stores in tests/unit/domain-mutators.spec.ts.
		listDomains: async () => [...domains.values()],
		addDomain: async (id, domain) =>
			!!domains.set(id, {
				id,
				domain,
				verificationValue: null,
				verifiedAt: null,
				captureEnabled: false
			}),
		deleteDomain: async (id) => void domains.delete(id),
		setDomainVerified: async (id, at) =>
			void domains.set(id, { ...domains.get(id)!, verifiedAt: at }),
		setDomainPending: async (id, recheckUntil, check) =>
			void domains.set(id, {
				...domains.get(id)!,
				recheckUntil,
				...(check && { lastCheck: check })
			}),
		setDomainCapture: async (id, enabled) =>
			void domains.set(id, { ...domains.get(id)!, captureEnabled: enabled }),
		lookupTxt: async () => null,
		unclaimedUsers: async () => null,
		audit: async (action) => void audits.push(action)
	};
	return { store, seat, teams, orgs, links, policies, admins, members, licensed, invites, audits };
}

const T1 = '11111111-1111-4111-8111-111111111111';
const U1 = '22222222-2222-4222-8222-222222222222';
const U2 = '33333333-3333-4333-8333-333333333333';
const I1 = '44444444-4444-4444-8444-444444444444';
const I2 = '55555555-5555-4555-8555-555555555555';
const ctx = { userID: U2, role: 'owner' as const, now: Date.UTC(2026, 10, 1) };

describe('shared mutators', () => {
	it('R6: inviting with no free seat fails with NEEDS_TO_INCREASE_SEATS and says how many', async () => {
		const m = memoryStore({ seats: 1, licensed: [U1] });
		const r = await runMutation(
			m.store,
			'inviteUser',
			{ inviteID: I1, email: 'Bob@Acme.test' },
			ctx
		);
		expect(r).toEqual({
			ok: false,
			code: 'NEEDS_TO_INCREASE_SEATS',
			message: 'no free seat: 1 of 1 used; 1 needed, 0 free',
			details: { needed: 1, free: 0, used: 1, purchased: 1 }
		});
		expect(m.invites.size).toBe(0);
	});

	it('R26: a team or organization name already in use in the enterprise, in any case or width and with spaces around it, is refused before anything is written; a rename to its own name in another case is not', async () => {
		const T2 = '66666666-6666-4666-8666-666666666666';
		const O1 = '77777777-7777-4777-8777-777777777777';
		const O2 = '88888888-8888-4888-8888-888888888888';
		const m = memoryStore({ seats: 5 });
		m.teams.set(T1, { id: T1, name: 'Platform', source: 'manual' });
		m.orgs.set(O1, { id: O1, name: 'Engineering' });
		for (const taken of ['platform', '  PLATFORM ', 'Ｐｌａｔｆｏｒｍ']) {
			const r = await runMutation(m.store, 'createTeam', { teamID: T2, name: taken }, ctx);
			expect(r, taken).toMatchObject({
				ok: false,
				code: 'ALREADY_EXISTS',
				message: 'a team named “Platform” already exists; choose another name'
			});
		}
		expect(m.teams.size).toBe(1);
		const org = await runMutation(m.store, 'createOrg', { orgID: O2, name: 'engineering' }, ctx);
		expect(org).toMatchObject({
			ok: false,
			code: 'ALREADY_EXISTS',
			message: 'an organization named “Engineering” already exists; choose another name'
		});
		expect(m.orgs.size).toBe(1);
		// Teams and organizations are named apart: a team may share an organization's name.
		expect(
			await runMutation(m.store, 'createTeam', { teamID: T2, name: 'Engineering' }, ctx)
		).toEqual({ ok: true });
		expect(
			await runMutation(m.store, 'renameTeam', { teamID: T2, name: 'PLATFORM' }, ctx)
		).toMatchObject({
			ok: false,
			code: 'ALREADY_EXISTS'
		});
		expect(m.teams.get(T2)?.name).toBe('Engineering');
		expect(await runMutation(m.store, 'renameTeam', { teamID: T1, name: 'PlatForm' }, ctx)).toEqual(
			{ ok: true }
		);
		expect(m.teams.get(T1)?.name).toBe('PlatForm');
		expect(
			await runMutation(m.store, 'renameOrg', { orgID: O1, name: 'ENGINEERING' }, ctx)
		).toEqual({ ok: true });
	});

	it('R26: a name is 1–100 characters after trimming', async () => {
		const m = memoryStore({ seats: 5 });
		const long = await runMutation(
			m.store,
			'createTeam',
			{ teamID: T1, name: 'x'.repeat(101) },
			ctx
		);
		expect(long).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
		expect(long.ok ? '' : long.message).toContain('at most 100 characters');
		const blank = await runMutation(m.store, 'createOrg', { orgID: T1, name: '   ' }, ctx);
		expect(blank).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
		expect(
			await runMutation(m.store, 'createTeam', { teamID: T1, name: ` ${'x'.repeat(100)} ` }, ctx)
		).toEqual({ ok: true });
		expect(m.teams.get(T1)?.name).toBe('x'.repeat(100));
	});

	it('R22, R25: a team SCIM manages is refused to every console change but its organization links, on the client as on the server, with a message that names the identity provider', async () => {
		const m = memoryStore({
			seats: 5,
			licensed: [U1],
			users: [{ id: U1, email: 'a@acme.test', name: 'A' }]
		});
		m.teams.set(T1, { id: T1, name: 'Okta Engineers', source: 'scim' });
		const refusals = [
			['renameTeam', { teamID: T1, name: 'Renamed' }, 'Rename the group there'],
			['deleteTeam', { teamID: T1 }, 'Delete the group or stop pushing it there'],
			['addTeamMember', { teamID: T1, userID: U1 }, "Change the group's members there"],
			['removeTeamMember', { teamID: T1, userID: U1 }, "Change the group's members there"],
			[
				'inviteUser',
				{ inviteID: I1, email: 'new@acme.test', teamIDs: [T1] },
				'Invite without this team'
			]
		] as const;
		for (const [name, args, hint] of refusals) {
			const r = await runMutation(m.store, name, args, ctx);
			expect(r, name).toMatchObject({ ok: false, code: 'SCIM_MANAGED' });
			expect(r.ok ? '' : r.message).toContain(
				'Okta Engineers is managed by your identity provider.'
			);
			expect(r.ok ? '' : r.message).toContain(hint);
		}
		expect(m.teams.get(T1)).toEqual({ id: T1, name: 'Okta Engineers', source: 'scim' });
		expect(m.invites.size).toBe(0);
		expect(m.audits).toEqual([]);
	});

	it('R5: an expired invite frees its seat for a new one; emails are normalised', async () => {
		const m = memoryStore({ seats: 1 });
		await m.store.putInvite({
			id: I2,
			email: 'old@acme.test',
			role: 'member',
			teamIDs: [],
			sentAt: 0,
			expiresAt: ctx.now - DAY_MS
		});
		const r = await runMutation(
			m.store,
			'inviteUser',
			{ inviteID: I1, email: ' Bob@Acme.TEST ' },
			ctx
		);
		expect(r).toEqual({ ok: true });
		expect(m.invites.get(I1)).toMatchObject({
			email: 'bob@acme.test',
			expiresAt: ctx.now + 30 * DAY_MS
		});
	});

	it('R4, R6: seat messages group thousands, as the seat meter does', async () => {
		const full = memoryStore({
			seats: 12_345,
			licensed: Array.from({ length: 12_345 }, (_, i) => `u${i}`)
		});
		expect(
			await runMutation(full.store, 'inviteUser', { inviteID: I1, email: 'new@acme.test' }, ctx)
		).toMatchObject({ message: 'no free seat: 12,345 of 12,345 used; 1 needed, 0 free' });
		expect(await runMutation(full.store, 'setSeatCount', { seats: 1_000 }, ctx)).toMatchObject({
			message:
				'12,345 seats are in use (12,345 licensed, 0 pending invites); remove licenses or revoke invites before going below that'
		});
	});

	it('R6: an already licensed user joins teams without a seat', async () => {
		const m = memoryStore({
			seats: 1,
			licensed: [U1],
			users: [{ id: U1, email: 'a@acme.test', name: 'A' }]
		});
		await runMutation(m.store, 'createTeam', { teamID: T1, name: 'Core' }, ctx);
		expect(await runMutation(m.store, 'addTeamMember', { teamID: T1, userID: U1 }, ctx)).toEqual({
			ok: true
		});
		expect(
			await runMutation(
				m.store,
				'inviteUser',
				{ inviteID: I1, email: 'a@acme.test', teamIDs: [T1] },
				ctx
			)
		).toEqual({ ok: true });
		expect(m.members.has(`${T1}:${U1}`)).toBe(true);
		expect(m.invites.size).toBe(0);
	});

	it('R6: inviting someone already licensed to no team is refused at once with why, and nothing is written; to a team they are in, nothing new is sent', async () => {
		const m = memoryStore({
			seats: 5,
			licensed: [U1],
			users: [{ id: U1, email: 'a@acme.test', name: 'A' }]
		});
		await runMutation(m.store, 'createTeam', { teamID: T1, name: 'Core' }, ctx);
		await runMutation(m.store, 'addTeamMember', { teamID: T1, userID: U1 }, ctx);
		const audits = m.audits.length;
		expect(
			await runMutation(m.store, 'inviteUser', { inviteID: I1, email: 'A@acme.test' }, ctx)
		).toEqual({ ok: false, code: 'ALREADY_EXISTS', message: 'a@acme.test already has a license' });
		expect(m.audits.length).toBe(audits);
		expect(
			await runMutation(
				m.store,
				'inviteUser',
				{ inviteID: I2, email: 'a@acme.test', teamIDs: [T1] },
				ctx
			)
		).toEqual({ ok: true });
		expect(m.invites.size).toBe(0);
	});

	it('R8: the owner keeps their license and an admin cannot remove their own', async () => {
		const users = [
			{ id: U1, email: 'owner@acme.test', name: 'O' },
			{ id: U2, email: 'me@acme.test', name: 'Me' }
		];
		const m = memoryStore({ seats: 5, users, licensed: [U1, U2], owner: U1 });
		expect(await runMutation(m.store, 'removeLicense', { userID: U1 }, ctx)).toMatchObject({
			code: 'CANNOT_REMOVE_OWNER'
		});
		expect(await runMutation(m.store, 'removeLicense', { userID: U2 }, ctx)).toMatchObject({
			code: 'CANNOT_REMOVE_SELF'
		});
		expect(m.licensed.size).toBe(2);
	});

	it('R2, R8: a list offers each viewer exactly the person actions the mutators let them do (no removing the owner or oneself; only the owner changes admins)', async () => {
		const U3 = '66666666-6666-4666-8666-666666666666';
		const users = [
			{ id: U1, email: 'owner@acme.test', name: 'O' },
			{ id: U2, email: 'me@acme.test', name: 'Me' },
			{ id: U3, email: 'cat@acme.test', name: 'Cat' }
		];
		const roles: Record<string, AccountRole> = { [U1]: 'owner', [U3]: 'co-owner' };
		const offered: string[] = [];
		for (const role of ['owner', 'co-owner', 'billing'] as const) {
			for (const target of users) {
				for (const [action, name, args] of [
					['removeLicense', 'removeLicense', { userID: target.id }],
					['removeAdmin', 'removeCoOwner', { email: target.email }]
				] as const) {
					const m = memoryStore({ seats: 5, users, licensed: [U1, U2, U3], owner: U1 });
					m.admins.set('cat@acme.test', 'co-owner');
					m.admins.set('me@acme.test', role);
					const viewer = { role, userID: U2 };
					const shown = mayActOn(viewer, action, {
						...target,
						userID: target.id,
						role: roles[target.id] ?? (target.id === U2 ? role : null)
					});
					const result = await runMutation(m.store, name, args, { ...ctx, role });
					expect(result.ok, `${role} ${action} ${target.email}`).toBe(shown);
					if (shown) offered.push(`${role} ${action} ${target.email}`);
				}
			}
		}
		expect(offered).toEqual([
			'owner removeLicense cat@acme.test',
			'owner removeAdmin cat@acme.test',
			'co-owner removeLicense cat@acme.test'
		]);
	});

	it('R2: billing may not run team or license changes; members may run nothing', () => {
		expect(mayRun('billing', 'createTeam')).toBe(false);
		expect(mayRun('billing', 'inviteUser')).toBe(false);
		expect(mayRun('co-owner', 'removeLicense')).toBe(true);
		expect(mayRun('member', 'createTeam')).toBe(false);
	});

	it('validates args with a message naming the field, and refuses unknown names', async () => {
		const m = memoryStore({ seats: 1 });
		expect(
			await runMutation(m.store, 'createTeam', { teamID: T1, name: '   ' }, ctx)
		).toMatchObject({
			code: 'INVALID_ARGS',
			message: 'name: name is required'
		});
		expect(await runMutation(m.store, 'toString', {}, ctx)).toMatchObject({
			code: 'UNKNOWN_MUTATION'
		});
		expect(m.audits).toEqual([]);
	});

	it('words changes as the admin intended them', () => {
		expect(describeIntent('inviteUser', { email: 'bob@acme.test' })).toBe('Invite bob@acme.test');
		expect(
			describeIntent('renameTeam', { teamID: T1, name: 'Ops' }, { teamName: () => 'Platform' })
		).toBe('Rename Platform to “Ops”');
		expect(editableArg('inviteUser')).toEqual({ key: 'email', label: 'Email' });
		expect(editableArg('deleteTeam')).toBeNull();
		expect(
			describeIntent('verifyDomain', { domainID: T1 }, { domainName: () => 'acme.test' })
		).toBe('Verify acme.test');
		expect(describeIntent('claimAccounts', { userIDs: [U1] })).toBe('Claim 1 unclaimed account');
		expect(
			describeIntent('removeLicense', { userID: U1 }, { userEmail: () => 'bob@acme.test' })
		).toBe('Remove the license of bob@acme.test');
	});

	it('offers Retry only for a refusal that sending again can overcome, and tells expected outcomes where the admin acted', () => {
		for (const code of [
			'NEEDS_TO_INCREASE_SEATS',
			'SEATS_IN_USE',
			'TRY_AGAIN_LATER',
			'DOMAIN_NOT_VERIFIED'
		])
			expect(mayRetry(code), code).toBe(true);
		for (const code of [
			'NOT_FOUND',
			'ALREADY_EXISTS',
			'CANNOT_REMOVE_OWNER',
			'CANNOT_REMOVE_SELF',
			'NOT_PERMITTED',
			'SCIM_MANAGED'
		])
			expect(mayRetry(code), code).toBe(false);
		expect(rejectionPage('addCoOwner')).toBe('co-owners');
		expect(rejectionPage('verifyDomain')).toBe('domains');
		expect(rejectionPage('inviteUser')).toBeNull();
	});

	it('a rename over a name someone else changed meanwhile is a conflict, with both values', async () => {
		const m = memoryStore({ seats: 1 });
		await runMutation(m.store, 'createTeam', { teamID: T1, name: 'Core' }, ctx);
		await runMutation(m.store, 'renameTeam', { teamID: T1, name: 'Theirs', baseName: 'Core' }, ctx);
		const mine = await runMutation(
			m.store,
			'renameTeam',
			{ teamID: T1, name: 'Mine', baseName: 'Core' },
			ctx
		);
		expect(mine).toMatchObject({
			ok: false,
			code: 'CONFLICT',
			details: { field: 'name', mine: 'Mine', theirs: 'Theirs' }
		});
		expect(m.teams.get(T1)?.name).toBe('Theirs');
		// Keep mine: the same change with their value as the base.
		expect(
			await runMutation(
				m.store,
				'renameTeam',
				{ teamID: T1, name: 'Mine', baseName: 'Theirs' },
				ctx
			)
		).toEqual({ ok: true });
		expect(m.teams.get(T1)?.name).toBe('Mine');
	});
});

describe('organization mutators (R9, R10)', () => {
	const O1 = '66666666-6666-4666-8666-666666666666';

	it('R9: create, rename (with a stale-name conflict) and delete an organization', async () => {
		const m = memoryStore({ seats: 1 });
		expect(await runMutation(m.store, 'createOrg', { orgID: O1, name: ' Research ' }, ctx)).toEqual(
			{ ok: true }
		);
		expect(m.orgs.get(O1)).toEqual({ id: O1, name: 'Research' });
		expect((await runMutation(m.store, 'createOrg', { orgID: O1, name: 'Again' }, ctx)).ok).toBe(
			false
		);
		// Someone renamed it to "Labs" since this admin saw "Research": a conflict, with both names.
		m.orgs.set(O1, { id: O1, name: 'Labs' });
		expect(
			await runMutation(m.store, 'renameOrg', { orgID: O1, name: 'R&D', baseName: 'Research' }, ctx)
		).toMatchObject({ ok: false, code: 'CONFLICT', details: { mine: 'R&D', theirs: 'Labs' } });
		expect(
			await runMutation(m.store, 'renameOrg', { orgID: O1, name: 'R&D', baseName: 'Labs' }, ctx)
		).toEqual({ ok: true });
		expect(await runMutation(m.store, 'deleteOrg', { orgID: O1 }, ctx)).toEqual({ ok: true });
		expect(m.orgs.has(O1)).toBe(false);
		expect(await runMutation(m.store, 'deleteOrg', { orgID: O1 }, ctx)).toEqual({ ok: true });
		expect(m.audits).toEqual(['createOrg', 'renameOrg', 'deleteOrg']);
	});

	it('R9: only owner and co-owners run organization changes; billing may not', () => {
		expect(mayRun('owner', 'createOrg')).toBe(true);
		expect(mayRun('co-owner', 'deleteOrg')).toBe(true);
		expect(mayRun('billing', 'createOrg')).toBe(false);
		expect(mayRun('billing', 'linkTeamToOrg')).toBe(false);
	});

	it('R10: one link per team and organization, carrying one role; linking again changes it', async () => {
		const m = memoryStore({ seats: 1 });
		await runMutation(m.store, 'createOrg', { orgID: O1, name: 'Research' }, ctx);
		await runMutation(m.store, 'createTeam', { teamID: T1, name: 'Lab' }, ctx);
		const link = (role: string) =>
			runMutation(m.store, 'linkTeamToOrg', { teamID: T1, orgID: O1, role }, ctx);
		expect(await link('member')).toEqual({ ok: true });
		expect(await link('admin')).toEqual({ ok: true });
		expect([...m.links]).toEqual([[`${T1}:${O1}`, 'admin']]);
		expect((await link('owner')).ok).toBe(false); // teams carry admin or member only
		expect(await runMutation(m.store, 'unlinkTeamFromOrg', { teamID: T1, orgID: O1 }, ctx)).toEqual(
			{ ok: true }
		);
		expect(m.links.size).toBe(0);
		expect(
			await runMutation(m.store, 'linkTeamToOrg', { teamID: T1, orgID: I1, role: 'admin' }, ctx)
		).toMatchObject({ ok: false, code: 'NOT_FOUND' });
	});
});

describe('invite and seat mutators (R4, R5, R6)', () => {
	const DAY = DAY_MS;

	it('R5: resend gives a pending invite 30 new days; an expired one needs a free seat again', async () => {
		const m = memoryStore({ seats: 2, licensed: [U1] });
		await m.store.putInvite({
			id: I1,
			email: 'a@acme.test',
			role: 'member',
			teamIDs: [],
			sentAt: ctx.now - 10 * DAY,
			expiresAt: ctx.now + 20 * DAY
		});
		expect(await runMutation(m.store, 'resendInvite', { inviteID: I1 }, ctx)).toEqual({ ok: true });
		expect(m.invites.get(I1)?.expiresAt).toBe(ctx.now + 30 * DAY);
		// Expired: its seat went to someone else meanwhile, so resending needs a new one.
		m.invites.set(I1, { ...m.invites.get(I1)!, expiresAt: ctx.now - DAY });
		m.licensed.add(U2);
		expect(await runMutation(m.store, 'resendInvite', { inviteID: I1 }, ctx)).toMatchObject({
			ok: false,
			code: 'NEEDS_TO_INCREASE_SEATS'
		});
		m.licensed.delete(U2);
		expect(await runMutation(m.store, 'resendInvite', { inviteID: I1 }, ctx)).toEqual({ ok: true });
		expect(await runMutation(m.store, 'resendInvite', { inviteID: I2 }, ctx)).toMatchObject({
			code: 'NOT_FOUND'
		});
	});

	it('R5: change the role of a pending invite; revoke frees its seat and is idempotent', async () => {
		const m = memoryStore({ seats: 1 });
		expect(
			(await runMutation(m.store, 'inviteUser', { inviteID: I1, email: 'b@acme.test' }, ctx)).ok
		).toBe(true);
		expect(
			await runMutation(m.store, 'changeInviteRole', { inviteID: I1, role: 'admin' }, ctx)
		).toEqual({ ok: true });
		expect(m.invites.get(I1)?.role).toBe('admin');
		// The one seat is taken by the invite: another invite is refused (R6)…
		expect(
			(await runMutation(m.store, 'inviteUser', { inviteID: I2, email: 'c@acme.test' }, ctx)).ok
		).toBe(false);
		// …until the first is revoked.
		expect(await runMutation(m.store, 'revokeInvite', { inviteID: I1 }, ctx)).toEqual({ ok: true });
		expect(await runMutation(m.store, 'revokeInvite', { inviteID: I1 }, ctx)).toEqual({ ok: true });
		expect(
			(await runMutation(m.store, 'inviteUser', { inviteID: I2, email: 'c@acme.test' }, ctx)).ok
		).toBe(true);
	});

	it('R4: the seat count goes up freely and never below the seats in use; billing may change it', async () => {
		const m = memoryStore({ seats: 3, licensed: [U1, U2] });
		expect(await runMutation(m.store, 'setSeatCount', { seats: 10 }, ctx)).toEqual({ ok: true });
		expect(m.seat.count).toBe(10);
		expect(await runMutation(m.store, 'setSeatCount', { seats: 1 }, ctx)).toMatchObject({
			ok: false,
			code: 'SEATS_IN_USE',
			details: { used: 2, requested: 1 }
		});
		expect(m.seat.count).toBe(10);
		expect((await runMutation(m.store, 'setSeatCount', { seats: 2.5 }, ctx)).ok).toBe(false);
		expect(mayRun('billing', 'setSeatCount')).toBe(true);
		expect(mayRun('billing', 'revokeInvite')).toBe(false);
		expect(m.audits).toEqual(['setSeatCount']);
	});

	it('R20: the report thresholds are set by owner and co-owners, 1–3650 days, N/A at least the active period', async () => {
		const m = memoryStore({ seats: 3 });
		const set = (activeDays: number, naAfterDays: number) =>
			runMutation(m.store, 'setActivityThresholds', { activeDays, naAfterDays }, ctx);
		expect(await set(30, 45)).toEqual({ ok: true });
		expect(m.seat.thresholds).toEqual({ activeDays: 30, naAfterDays: 45 });
		expect(await set(60, 45)).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
		expect(await set(0, 45)).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
		expect(await set(30, 3651)).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
		expect(m.seat.thresholds).toEqual({ activeDays: 30, naAfterDays: 45 });
		expect(mayRun('co-owner', 'setActivityThresholds')).toBe(true);
		expect(mayRun('billing', 'setActivityThresholds')).toBe(false);
		expect(m.audits).toEqual(['setActivityThresholds']);
	});
});

describe('storage policy mutators (R17)', () => {
	const O1 = '77777777-7777-4777-8777-777777777777';

	it('R17: the global rule and an organization override are set, changed and cleared', async () => {
		const m = memoryStore({ seats: 1 });
		await runMutation(m.store, 'createOrg', { orgID: O1, name: 'Research' }, ctx);
		const set = (orgID: string | null, local: boolean, cloud: boolean, git: boolean) =>
			runMutation(m.store, 'setStoragePolicy', { orgID, local, cloud, git }, ctx);
		expect(await set(null, true, false, true)).toEqual({ ok: true });
		expect(m.policies.get('global')).toEqual({ local: true, cloud: false, git: true });
		expect(await set(O1, false, false, true)).toEqual({ ok: true });
		expect(m.policies.get(O1)).toEqual({ local: false, cloud: false, git: true });
		// Nothing allowed at all would stop everyone: refused with the reason.
		expect(await set(O1, false, false, false)).toMatchObject({
			ok: false,
			code: 'INVALID_ARGS',
			message: expect.stringContaining('allow at least one storage type')
		});
		expect(await runMutation(m.store, 'clearStoragePolicyOverride', { orgID: O1 }, ctx)).toEqual({
			ok: true
		});
		expect(m.policies.has(O1)).toBe(false);
		expect(await set(I1, true, true, true)).toMatchObject({ code: 'NOT_FOUND' });
		expect(mayRun('billing', 'setStoragePolicy')).toBe(false);
	});
});

describe('co-owner mutators (R2, R8)', () => {
	const people = [
		{ id: U1, email: 'owner@acme.test', name: 'Owner' },
		{ id: U2, email: 'cat@acme.test', name: 'Cat' },
		{ id: I1, email: 'dan@acme.test', name: 'Dan' }
	];
	const asOwner = { ...ctx, userID: U1 };

	it('R2: only the owner adds and removes co-owners and billing admins', async () => {
		const m = memoryStore({ seats: 1, users: people, owner: U1 });
		expect(mayRun('owner', 'addCoOwner')).toBe(true);
		expect(mayRun('co-owner', 'addCoOwner')).toBe(false);
		expect(mayRun('co-owner', 'removeCoOwner')).toBe(false);
		expect(mayRun('billing', 'addCoOwner')).toBe(false);
		expect(await runMutation(m.store, 'addCoOwner', { email: 'Cat@Acme.test' }, asOwner)).toEqual({
			ok: true
		});
		expect(m.admins.get('cat@acme.test')).toBe('co-owner');
		expect(
			await runMutation(m.store, 'addCoOwner', { email: 'dan@acme.test', role: 'billing' }, asOwner)
		).toEqual({ ok: true });
		expect(m.admins.get('dan@acme.test')).toBe('billing');
		expect(
			await runMutation(m.store, 'removeCoOwner', { email: 'cat@acme.test' }, asOwner)
		).toEqual({ ok: true });
		expect(m.admins.get('cat@acme.test')).toBe('member');
	});

	it('R8: the owner keeps every right; an unlicensed email gets one answer, account or not (R2)', async () => {
		const m = memoryStore({ seats: 1, users: people, owner: U1 });
		expect(
			await runMutation(m.store, 'removeCoOwner', { email: 'owner@acme.test' }, asOwner)
		).toMatchObject({ ok: false, code: 'CANNOT_REMOVE_OWNER' });
		expect(
			await runMutation(m.store, 'addCoOwner', { email: 'owner@acme.test' }, asOwner)
		).toMatchObject({ ok: false, code: 'ALREADY_EXISTS' });
		expect(
			await runMutation(m.store, 'addCoOwner', { email: 'nobody@acme.test' }, asOwner)
		).toMatchObject({
			ok: false,
			code: 'NOT_FOUND',
			message:
				'nobody@acme.test has no license in this enterprise. Admins are licensed users: invite them from Licenses first, then add them here once they have accepted.'
		});
	});
});
