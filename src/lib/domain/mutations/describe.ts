/** Names the admin can recognise, looked up from the mirror. */
export interface IntentLookups {
	teamName?(id: string): string | undefined;
	userEmail?(id: string): string | undefined;
	orgName?(id: string): string | undefined;
	inviteEmail?(id: string): string | undefined;
}

function arg(args: unknown, key: string): string | undefined {
	const v = (args as Record<string, unknown> | null)?.[key];
	return typeof v === 'string' ? v : undefined;
}

/** Words a queued or rejected mutation as the admin's intent ("Invite bob@acme.test"). */
export function describeIntent(name: string, args: unknown, lookups: IntentLookups = {}): string {
	const team = () => {
		const id = arg(args, 'teamID');
		return (id && lookups.teamName?.(id)) ?? 'a team';
	};
	const user = () => {
		const id = arg(args, 'userID');
		return (id && lookups.userEmail?.(id)) ?? 'a user';
	};
	const org = () => {
		const id = arg(args, 'orgID');
		return (id && lookups.orgName?.(id)) ?? 'an organization';
	};
	const invite = () => {
		const id = arg(args, 'inviteID');
		return `the invite of ${(id && lookups.inviteEmail?.(id)) ?? 'someone'}`;
	};
	switch (name) {
		case 'createTeam':
			return `Create team “${arg(args, 'name') ?? ''}”`;
		case 'renameTeam':
			return `Rename ${team()} to “${arg(args, 'name') ?? ''}”`;
		case 'deleteTeam':
			return `Delete ${team()}`;
		case 'addTeamMember':
			return `Add ${user()} to ${team()}`;
		case 'removeTeamMember':
			return `Remove ${user()} from ${team()}`;
		case 'removeLicense':
			return `Remove the license of ${user()}`;
		case 'inviteUser':
			return `Invite ${arg(args, 'email') ?? 'someone'}`;
		case 'createOrg':
			return `Create organization “${arg(args, 'name') ?? ''}”`;
		case 'renameOrg':
			return `Rename ${org()} to “${arg(args, 'name') ?? ''}”`;
		case 'deleteOrg':
			return `Delete ${org()}`;
		case 'linkTeamToOrg':
			return `Link ${team()} to ${org()} as ${arg(args, 'role') ?? 'member'}`;
		case 'unlinkTeamFromOrg':
			return `Unlink ${team()} from ${org()}`;
		case 'resendInvite':
			return `Resend ${invite()}`;
		case 'changeInviteRole':
			return `Make ${invite()} ${arg(args, 'role') ?? 'member'}`;
		case 'revokeInvite':
			return `Revoke ${invite()}`;
		case 'setSeatCount': {
			const seats = (args as { seats?: unknown } | null)?.seats;
			return `Set the seat count to ${typeof seats === 'number' ? seats.toLocaleString('en-US') : '?'}`;
		}
		case 'setActivityThresholds': {
			const a = args as { activeDays?: unknown; naAfterDays?: unknown } | null;
			return `Set the activity report to active within ${String(a?.activeDays ?? '?')} days and N/A after ${String(a?.naAfterDays ?? '?')} days`;
		}
		case 'addDomain':
			return `Add domain ${arg(args, 'domain') ?? ''}`;
		case 'verifyDomain':
			return 'Verify a domain';
		case 'deleteDomain':
			return 'Delete a domain';
		case 'setDomainCapture':
			return (args as { enabled?: unknown } | null)?.enabled
				? 'Turn domain capture on'
				: 'Turn domain capture off';
		case 'claimAccounts': {
			const n = ((args as { userIDs?: unknown } | null)?.userIDs as unknown[] | undefined)?.length;
			return `Claim ${n ?? 'the selected'} unclaimed account${n === 1 ? '' : 's'}`;
		}
		case 'addCoOwner':
			return `Make ${arg(args, 'email') ?? 'someone'} ${arg(args, 'role') === 'billing' ? 'a billing admin' : 'a co-owner'}`;
		case 'removeCoOwner':
			return `Remove the console role of ${arg(args, 'email') ?? 'someone'}`;
		case 'setStoragePolicy':
			return `Change the storage policy of ${arg(args, 'orgID') ? org() : 'the enterprise'}`;
		case 'clearStoragePolicyOverride':
			return `Use the global storage rule for ${org()}`;
		default:
			return name;
	}
}

/** Which argument an admin edits before retrying a rejected mutation, if any. */
export function editableArg(name: string): { key: string; label: string } | null {
	if (name === 'inviteUser') return { key: 'email', label: 'Email' };
	if (name === 'createTeam' || name === 'renameTeam') return { key: 'name', label: 'Team name' };
	if (name === 'createOrg' || name === 'renameOrg')
		return { key: 'name', label: 'Organization name' };
	return null;
}
