import * as z from 'zod/mini';
import { OK, reject } from './result';
import { define, id, name, nameTaken } from './define';

/** Organizations (R9) and the links that give teams their roles in them (R10–R12). */
export const organizationMutators = {
	createOrg: define({
		args: z.object({ orgID: id, name }),
		area: 'organizations',
		async apply(store, { orgID, name }) {
			if (await store.getOrg(orgID))
				return reject('ALREADY_EXISTS', 'this organization already exists');
			const taken = nameTaken('organization', await store.orgNamed(name), orgID);
			if (taken) return taken;
			const org = { id: orgID, name };
			// R1: an id another enterprise uses is refused, never answered as done.
			if (!(await store.putOrg(org)))
				return reject(
					'ALREADY_EXISTS',
					'this organization id is already in use; create the organization again'
				);
			await store.audit('createOrg', name, null, org);
			return OK;
		}
	}),
	renameOrg: define({
		// baseName: the name the admin saw when they edited it, to detect a concurrent rename.
		args: z.object({ orgID: id, name, baseName: z.optional(z.string().check(z.maxLength(200))) }),
		area: 'organizations',
		async apply(store, { orgID, name, baseName }) {
			const org = await store.getOrg(orgID);
			if (!org) return reject('NOT_FOUND', 'the organization no longer exists');
			if (baseName !== undefined && org.name !== baseName && org.name !== name) {
				return reject('CONFLICT', `someone else renamed it to “${org.name}” meanwhile`, {
					field: 'name',
					mine: name,
					theirs: org.name
				});
			}
			const taken = nameTaken('organization', await store.orgNamed(name), orgID);
			if (taken) return taken;
			await store.putOrg({ ...org, name });
			await store.audit('renameOrg', org.name, { name: org.name }, { name });
			return OK;
		}
	}),
	deleteOrg: define({
		args: z.object({ orgID: id }),
		area: 'organizations',
		async apply(store, { orgID }) {
			const org = await store.getOrg(orgID);
			// Deleting what is already gone is the outcome the admin wanted.
			if (!org) return OK;
			await store.deleteOrg(orgID);
			await store.audit('deleteOrg', org.name, org, null);
			return OK;
		}
	}),
	linkTeamToOrg: define({
		args: z.object({ teamID: id, orgID: id, role: z.enum(['admin', 'member']) }),
		area: 'teams',
		async apply(store, { teamID, orgID, role }) {
			const [team, org] = await Promise.all([store.getTeam(teamID), store.getOrg(orgID)]);
			if (!team) return reject('NOT_FOUND', 'the team no longer exists');
			if (!org) return reject('NOT_FOUND', 'the organization no longer exists');
			const before = await store.teamOrgLink(teamID, orgID);
			if (before === role) return OK;
			// R10: one link per team and organization; linking again changes its role.
			await store.linkTeamToOrg(teamID, orgID, role);
			await store.audit(
				'linkTeamToOrg',
				`${team.name} → ${org.name}`,
				before ? { role: before } : null,
				{ role }
			);
			return OK;
		}
	}),
	unlinkTeamFromOrg: define({
		args: z.object({ teamID: id, orgID: id }),
		area: 'teams',
		async apply(store, { teamID, orgID }) {
			const before = await store.teamOrgLink(teamID, orgID);
			if (!before) return OK;
			// R12: members with another path (direct, or another linked team) keep their access; that
			// follows from effective roles being computed, so only the link goes.
			await store.unlinkTeamFromOrg(teamID, orgID);
			const [team, org] = await Promise.all([store.getTeam(teamID), store.getOrg(orgID)]);
			await store.audit(
				'unlinkTeamFromOrg',
				`${team?.name ?? teamID} → ${org?.name ?? orgID}`,
				{ role: before },
				null
			);
			return OK;
		}
	})
};
