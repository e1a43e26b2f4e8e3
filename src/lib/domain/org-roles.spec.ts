import { describe, expect, it } from 'vitest';
import { effectiveRoles, explainRole, losingAccess, type OrgGraph } from './org-roles';

function graph(): OrgGraph {
	return {
		orgID: 'o1',
		direct: [
			{ userID: 'ann', role: 'member' },
			{ userID: 'bob', role: 'owner' }
		],
		links: [
			{ teamID: 'platform', role: 'admin' },
			{ teamID: 'web', role: 'member' }
		],
		teamNames: new Map([
			['platform', 'Platform'],
			['web', 'Web']
		]),
		teamMembers: new Map([
			['platform', ['ann', 'cat']],
			['web', ['cat', 'dan']],
			// Not linked to this organization: gives nothing here.
			['ops', ['eve']]
		])
	};
}

const byUser = (g: OrgGraph) => new Map(effectiveRoles(g).map((e) => [e.userID, e]));

describe('effective organization roles (R11)', () => {
	it('R11: the highest of the direct role and every linked team role wins', () => {
		const roles = byUser(graph());
		expect(roles.get('ann')?.role).toBe('admin'); // direct member, admin via Platform
		expect(roles.get('bob')?.role).toBe('owner'); // direct owner, no team
		expect(roles.get('cat')?.role).toBe('admin'); // member via Web, admin via Platform
		expect(roles.get('dan')?.role).toBe('member');
		expect(roles.has('eve')).toBe(false); // her team is not linked
	});

	it('R11: the UI can explain the role', () => {
		const roles = byUser(graph());
		expect(explainRole(roles.get('ann')!)).toBe('admin via team Platform');
		expect(explainRole(roles.get('bob')!)).toBe('owner, direct');
		expect(explainRole(roles.get('dan')!)).toBe('member via team Web');
		const g = graph();
		g.links.push({ teamID: 'ops', role: 'admin' });
		g.direct.push({ userID: 'eve', role: 'admin' });
		expect(explainRole(byUser(g).get('eve')!)).toBe(
			'admin, direct and via team Ops'.replace('Ops', 'a team')
		);
		g.teamNames.set('ops', 'Ops');
		g.teamMembers.set('ops', ['eve', 'ann']);
		expect(explainRole(byUser(g).get('ann')!)).toBe('admin via teams Ops and Platform');
	});
});

describe('who loses access when a team goes (R12)', () => {
	it('R12: unlinking a team removes only members with no other path', () => {
		// Platform goes: ann stays (direct), cat stays (via Web); nobody else depended on it.
		expect(losingAccess(graph(), new Set(['platform']))).toEqual([]);
		// Web goes: dan had no other path; cat still has Platform.
		expect(losingAccess(graph(), new Set(['web']))).toEqual(['dan']);
		// Both go: cat and dan lose access; ann and bob are direct members.
		expect(losingAccess(graph(), new Set(['platform', 'web'])).sort()).toEqual(['cat', 'dan']);
	});
});
