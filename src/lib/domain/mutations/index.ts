import * as z from 'zod/mini';
import type { AccountRole } from '../roles';
import { inviteExpiresAt, MAX_BULK_PEOPLE } from '../seats';
import type { MutationContext, Team } from '../entities';
import { OK, reject, type MutationResult } from './result';
import type { MutationStore } from './store';
import {
	define,
	email,
	id,
	name,
	nameTaken,
	seatCheck,
	type MutatorDef,
	type PreWork
} from './define';
import { mayChange, personActionRefusal } from './permissions';
import { inviteMutators } from './invites';
import { policyMutators } from './policies';
import { adminMutators } from './admins';
import { organizationMutators } from './organizations';
import { domainMutators } from './domains';
import { reportMutators } from './reports';

export type { MutationResult } from './result';

/**
 * R22, R25: a team provisioned by SCIM is the identity provider's; the console changes only its
 * organization links. The refusal names the place where the change can be made.
 */
function scimManaged(team: Team, change: string): MutationResult | null {
	if (team.source !== 'scim') return null;
	return reject(
		'SCIM_MANAGED',
		`${team.name} is managed by your identity provider. ${change} there; Roster follows it.`
	);
}
export type { MutationStore } from './store';

/** The people of one bulk change (R6, R7: licenses removed, people added to a team). */
const bulkUserIDs = z
	.array(id)
	.check(
		z.minLength(1, 'select at least one person'),
		z.maxLength(MAX_BULK_PEOPLE, `at most ${MAX_BULK_PEOPLE} people per change`)
	);

/**
 * R7, R8: removes these people's licenses, all or none: the owner keeps theirs and an admin cannot
 * remove their own. Someone already without a license is skipped. Each removal is audited on its own,
 * so a person's history shows it.
 */
async function removeLicenses(
	store: MutationStore,
	userIDs: string[],
	ctx: MutationContext
): Promise<MutationResult> {
	const users: { id: string; email: string }[] = [];
	const unique = [...new Set(userIDs)];
	store.preloadUsers?.(unique);
	for (const userID of unique) {
		const user = await store.getUser(userID);
		if (!user || !(await store.hasLicense(userID))) continue;
		// R8: the owner cannot be removed; an admin cannot remove themselves (the lists ask the same).
		const refused = personActionRefusal(ctx, 'removeLicense', {
			userID,
			email: user.email,
			role: await store.accountRole(userID)
		});
		if (refused) return reject(refused.code, refused.message);
		users.push(user);
	}
	for (const user of users) {
		// R7: only this frees the seat; the person keeps their account.
		await store.removeLicense(user.id);
		await store.audit('removeLicense', user.email, { licensed: true }, { licensed: false });
	}
	return OK;
}

/** Every mutation the console sends, by name (ARCHITECTURE.md, contracts). */
export const mutators = {
	createTeam: define({
		args: z.object({ teamID: id, name }),
		area: 'teams',
		async apply(store, { teamID, name }) {
			if (await store.getTeam(teamID)) return reject('ALREADY_EXISTS', 'this team already exists');
			const taken = nameTaken('team', await store.teamNamed(name), teamID);
			if (taken) return taken;
			const team = { id: teamID, name, source: 'manual' as const };
			// R1: an id another enterprise uses is refused, never answered as done.
			if (!(await store.putTeam(team)))
				return reject('ALREADY_EXISTS', 'this team id is already in use; create the team again');
			await store.audit('createTeam', name, null, team);
			return OK;
		}
	}),
	renameTeam: define({
		// baseName: the name the admin saw when they edited it, to detect a concurrent rename.
		args: z.object({ teamID: id, name, baseName: z.optional(z.string().check(z.maxLength(200))) }),
		area: 'teams',
		async apply(store, { teamID, name, baseName }) {
			const team = await store.getTeam(teamID);
			if (!team) return reject('NOT_FOUND', 'the team no longer exists');
			const managed = scimManaged(team, 'Rename the group');
			if (managed) return managed;
			if (baseName !== undefined && team.name !== baseName && team.name !== name) {
				// Names are last-write-wins unless someone changed this one since the admin saw it.
				return reject('CONFLICT', `someone else renamed it to “${team.name}” meanwhile`, {
					field: 'name',
					mine: name,
					theirs: team.name
				});
			}
			const taken = nameTaken('team', await store.teamNamed(name), teamID);
			if (taken) return taken;
			await store.putTeam({ ...team, name });
			await store.audit('renameTeam', team.name, { name: team.name }, { name });
			return OK;
		}
	}),
	deleteTeam: define({
		args: z.object({ teamID: id }),
		area: 'teams',
		async apply(store, { teamID }) {
			const team = await store.getTeam(teamID);
			// Deleting what is already gone is the outcome the admin wanted.
			if (!team) return OK;
			const managed = scimManaged(team, 'Delete the group or stop pushing it');
			if (managed) return managed;
			await store.deleteTeam(teamID);
			await store.audit('deleteTeam', team.name, team, null);
			return OK;
		}
	}),
	addTeamMember: define({
		args: z.object({ teamID: id, userID: id }),
		area: 'teams',
		async apply(store, { teamID, userID }, ctx) {
			const [team, user] = await Promise.all([store.getTeam(teamID), store.getUser(userID)]);
			if (!team) return reject('NOT_FOUND', 'the team no longer exists');
			const managed = scimManaged(team, "Change the group's members");
			if (managed) return managed;
			// R3: only someone licensed here, or an unclaimed account on a verified domain (who then
			// takes a seat), may join; anyone else reads as unknown.
			if (!user)
				return reject(
					'NOT_FOUND',
					'this person is not licensed here, nor an unclaimed account on one of your verified domains'
				);
			if (await store.isTeamMember(teamID, userID)) return OK;
			// R6: a user without a license takes a free seat; a licensed one joins freely.
			if (!(await store.hasLicense(userID))) {
				const { noSeat } = await seatCheck(store, 1, ctx.now);
				if (noSeat) return noSeat;
				await store.addLicense(userID);
			}
			await store.addTeamMember(teamID, userID);
			await store.audit('addTeamMember', `${team.name}: ${user.email}`, null, { teamID, userID });
			return OK;
		}
	}),
	removeTeamMember: define({
		args: z.object({ teamID: id, userID: id }),
		area: 'teams',
		async apply(store, { teamID, userID }) {
			const team = await store.getTeam(teamID);
			const managed = team && scimManaged(team, "Change the group's members");
			if (managed) return managed;
			if (!(await store.isTeamMember(teamID, userID))) return OK;
			await store.removeTeamMember(teamID, userID);
			await store.audit('removeTeamMember', teamID, { teamID, userID }, null);
			return OK;
		}
	}),
	removeLicense: define({
		args: z.object({ userID: id }),
		area: 'licenses',
		async apply(store, { userID }, ctx) {
			return removeLicenses(store, [userID], ctx);
		}
	}),
	removeLicenses: define({
		args: z.object({ userIDs: bulkUserIDs }),
		area: 'licenses',
		async apply(store, { userIDs }, ctx) {
			return removeLicenses(store, userIDs, ctx);
		}
	}),
	addTeamMembers: define({
		args: z.object({ teamID: id, userIDs: bulkUserIDs }),
		area: 'teams',
		async apply(store, { teamID, userIDs }) {
			const team = await store.getTeam(teamID);
			if (!team) return reject('NOT_FOUND', 'the team no longer exists');
			const managed = scimManaged(team, "Change the group's members");
			if (managed) return managed;
			// Licensed users only, so the whole batch takes no seat (R6); someone whose license went
			// meanwhile is left out rather than given a seat unasked.
			for (const userID of new Set(userIDs)) {
				if (!(await store.hasLicense(userID)) || (await store.isTeamMember(teamID, userID)))
					continue;
				const user = await store.getUser(userID);
				if (!user) continue;
				await store.addTeamMember(teamID, userID);
				await store.audit('addTeamMember', `${team.name}: ${user.email}`, null, { teamID, userID });
			}
			return OK;
		}
	}),
	inviteUser: define({
		args: z.object({
			inviteID: id,
			email,
			teamIDs: z._default(z.array(id).check(z.maxLength(100)), []),
			role: z._default(z.enum(['admin', 'member']), 'member')
		}),
		area: 'licenses',
		async apply(store, args, ctx) {
			for (const teamID of args.teamIDs) {
				const team = await store.getTeam(teamID);
				const managed =
					team && scimManaged(team, 'Invite without this team, then add the person to the group');
				if (managed) return managed;
			}
			const existing = await store.findUserByEmail(args.email);
			if (existing && (await store.hasLicense(existing.id))) {
				// Nothing to send is said at once, not queued as if something were sent. With teams, they
				// join those they are not in yet (R6: no new seat); a queued invite whose person got a
				// license meanwhile still lands them in its teams.
				if (args.teamIDs.length === 0)
					return reject('ALREADY_EXISTS', `${args.email} already has a license`);
				for (const teamID of args.teamIDs) {
					if ((await store.getTeam(teamID)) && !(await store.isTeamMember(teamID, existing.id))) {
						await store.addTeamMember(teamID, existing.id);
					}
				}
				await store.audit('inviteUser', args.email, null, {
					alreadyLicensed: true,
					teamIDs: args.teamIDs
				});
				return OK;
			}
			const pending = await store.findInviteByEmail(args.email);
			if (pending && pending.expiresAt > ctx.now) {
				if (pending.id === args.inviteID) return OK;
				return reject('ALREADY_EXISTS', `${args.email} already has a pending invite`);
			}
			const { noSeat } = await seatCheck(store, 1, ctx.now);
			if (noSeat) return noSeat;
			const invite = {
				id: args.inviteID,
				email: args.email,
				role: args.role,
				teamIDs: args.teamIDs,
				sentAt: ctx.now,
				expiresAt: inviteExpiresAt(ctx.now)
			};
			// R1: an id another enterprise uses is refused, never answered as done.
			if (!(await store.putInvite(invite)))
				return reject('ALREADY_EXISTS', 'this invite id is already in use; invite them again');
			await store.audit('inviteUser', args.email, null, invite);
			return OK;
		}
	}),
	...organizationMutators,
	...inviteMutators,
	...domainMutators,
	...policyMutators,
	...adminMutators,
	...reportMutators
} satisfies Record<string, MutatorDef<z.ZodMiniType>>;

/** The name of a known mutation. */
export type MutationName = keyof typeof mutators;

/** Whether a string names a known mutation. */
export function isMutationName(name: string): name is MutationName {
	return Object.hasOwn(mutators, name);
}

/** The work the server does before a push's transaction for a mutation, if any (see PreWork). */
export function preWorkOf(name: string): PreWork | undefined {
	return isMutationName(name) ? (mutators[name] as MutatorDef<z.ZodMiniType>).before : undefined;
}

/** A mutation's args as its schema reads them (unknown keys dropped), or null when it refuses them. */
export function parsedArgs(name: string, rawArgs: unknown): unknown {
	if (!isMutationName(name)) return null;
	const parsed = (mutators[name] as MutatorDef<z.ZodMiniType>).args.safeParse(rawArgs);
	return parsed.success ? parsed.data : null;
}

/** Whether a role may run a mutation (R2). */
export function mayRun(role: AccountRole, name: MutationName): boolean {
	const def = mutators[name] as MutatorDef<z.ZodMiniType>;
	return mayChange(role, def.area, def.ownerOnly);
}

/**
 * Validates and applies one named mutation through a store: the single code path the browser
 * (optimistically) and the server (authoritatively) share.
 */
export async function runMutation(
	store: MutationStore,
	name: string,
	rawArgs: unknown,
	ctx: MutationContext
): Promise<MutationResult> {
	if (!isMutationName(name)) return reject('UNKNOWN_MUTATION', `unknown mutation "${name}"`);
	if (!mayRun(ctx.role, name)) {
		return reject('NOT_PERMITTED', `the ${ctx.role} role cannot ${name}`);
	}
	const def = mutators[name] as MutatorDef<z.ZodMiniType>;
	const parsed = def.args.safeParse(rawArgs);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		return reject(
			'INVALID_ARGS',
			`${issue?.path.join('.') || 'args'}: ${issue?.message ?? 'invalid'}`
		);
	}
	return def.apply(store, parsed.data, ctx);
}
