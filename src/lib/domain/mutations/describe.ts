/** Names the admin can recognise, looked up from the mirror. */
export interface IntentLookups {
	teamName?(id: string): string | undefined;
	userEmail?(id: string): string | undefined;
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
		default:
			return name;
	}
}

/** Which argument an admin edits before retrying a rejected mutation, if any. */
export function editableArg(name: string): { key: string; label: string } | null {
	if (name === 'inviteUser') return { key: 'email', label: 'Email' };
	if (name === 'createTeam' || name === 'renameTeam') return { key: 'name', label: 'Team name' };
	return null;
}
