import { randomUUID } from 'node:crypto';
import { expect, type APIRequestContext } from '@playwright/test';
import { licensesOf } from './auth';

/** Applies mutations through the sync API as another device of the signed-in admin would. */
export async function pushAs(
	api: APIRequestContext,
	enterpriseID: string,
	mutations: [name: string, args: object][]
): Promise<void> {
	for (let at = 0; at < mutations.length; at += 500) {
		const res = await api.post('/api/sync/push', {
			data: {
				enterpriseID,
				clientGroupID: `other-${randomUUID()}`,
				clientID: `other-${randomUUID()}`,
				mutations: mutations.slice(at, at + 500).map(([name, args], i) => ({
					id: i + 1,
					name,
					args,
					createdAt: Date.now()
				}))
			}
		});
		expect(res.status()).toBe(200);
		for (const r of (await res.json()).results as { status: string }[])
			expect(r.status).toBe('applied');
	}
}

/** A team made for one test, with its members (licensed users) and the organization it is linked to. */
export interface MadeTeam {
	teamID: string;
	name: string;
	members: { id: string; email: string }[];
	/** Licensed users of the enterprise who are not members. */
	others: { id: string; email: string }[];
	org?: { orgID: string; name: string; role: 'admin' | 'member' };
}

/**
 * A new team of `size` licensed users of the enterprise (the first ones by email), optionally
 * linked to a new organization of its own, so its members are that organization's members.
 */
export async function teamWithMembers(
	api: APIRequestContext,
	enterpriseID: string,
	size: number,
	opts: { linkedOrg?: 'admin' | 'member'; label?: string } = {}
): Promise<MadeTeam> {
	const users = (await licensesOf(api, enterpriseID, { limit: 1000, sort: 'email' })).users;
	expect(users.length).toBeGreaterThan(size);
	const tag = randomUUID().slice(0, 6);
	const team: MadeTeam = {
		teamID: randomUUID(),
		name: `${opts.label ?? 'Team'} ${tag}`,
		members: users.slice(0, size).map((u) => ({ id: u.id, email: u.email })),
		others: users.slice(size).map((u) => ({ id: u.id, email: u.email }))
	};
	const mutations: [string, object][] = [
		['createTeam', { teamID: team.teamID, name: team.name }],
		...team.members.map((m): [string, object] => [
			'addTeamMember',
			{ teamID: team.teamID, userID: m.id }
		])
	];
	if (opts.linkedOrg) {
		team.org = { orgID: randomUUID(), name: `Org of ${team.name}`, role: opts.linkedOrg };
		mutations.push(
			['createOrg', { orgID: team.org.orgID, name: team.org.name }],
			['linkTeamToOrg', { teamID: team.teamID, orgID: team.org.orgID, role: opts.linkedOrg }]
		);
	}
	await pushAs(api, enterpriseID, mutations);
	return team;
}
