/** An audit entry as the log shows it (R24): who, what, on which target, before and after (JSON). */
export interface AuditLine {
	/** The actor's name or email; null for SCIM, domain capture or Roster itself. */
	actor: string | null;
	kind: string;
	action: string;
	target: string | null;
	before: string | null;
	after: string | null;
}

/** Who made a change when no admin did (R24). */
const SOURCE: Record<string, string> = {
	scim: 'Your identity provider (SCIM)',
	capture: 'Domain capture',
	system: 'Roster'
};

type Phrase = (target: string) => string;

/** Each action in the past tense, after who did it. */
const PHRASES: Record<string, Phrase> = {
	createTeam: (t) => `created team ${t}`,
	renameTeam: (t) => `renamed team ${t}`,
	deleteTeam: (t) => `deleted team ${t}`,
	addTeamMember: (t) => {
		const [team, email] = t.split(': ');
		return email ? `added ${email} to team ${team}` : `added a member to a team`;
	},
	removeTeamMember: () => 'removed a member from a team',
	addTeamMembers: (t) => `added members to team ${t}`,
	removeTeamMembers: (t) => `removed members from team ${t}`,
	replaceTeam: (t) => `replaced the members of team ${t}`,
	removeLicense: (t) => `removed the license of ${t}`,
	inviteUser: (t) => `invited ${t}`,
	resendInvite: (t) => `resent the invite to ${t}`,
	changeInviteRole: (t) => `changed the role of the invite to ${t}`,
	revokeInvite: (t) => `revoked the invite to ${t}`,
	copyInviteLink: (t) => `made an invite link for ${t}`,
	acceptInvite: (t) => `accepted the invite of ${t}`,
	setSeatCount: () => 'changed the seat count',
	setActivityThresholds: () => 'changed the activity report thresholds',
	createOrg: (t) => `created organization ${t}`,
	renameOrg: (t) => `renamed organization ${t}`,
	deleteOrg: (t) => `deleted organization ${t}`,
	linkTeamToOrg: (t) => {
		const [team, org] = t.split(' → ');
		return org ? `linked team ${team} to organization ${org}` : `linked ${t}`;
	},
	unlinkTeamFromOrg: (t) => {
		const [team, org] = t.split(' → ');
		return org ? `unlinked team ${team} from organization ${org}` : `unlinked ${t}`;
	},
	addDomain: (t) => `added domain ${t}`,
	verifyDomain: (t) => `verified domain ${t}`,
	deleteDomain: (t) => `deleted domain ${t}`,
	setDomainCapture: (t) => `changed domain capture on ${t}`,
	claimAccounts: (t) => `claimed ${t}`,
	addCoOwner: (t) => `gave ${t} a console role`,
	removeCoOwner: (t) => `removed the console role of ${t}`,
	endAdminSessions: (t) => `ended every session of ${t}`,
	setStoragePolicy: (t) => `changed the storage policy of ${t}`,
	clearStoragePolicyOverride: (t) => `made ${t} follow the global storage rule`,
	provisionUser: (t) => `provisioned ${t}`,
	provisionLicense: (t) => `gave ${t} a license`,
	updateUser: (t) => `updated ${t}`,
	deprovisionUser: (t) => `deactivated ${t}`,
	deprovisionLicense: (t) => `removed the license of ${t}`,
	changeEmail: (t) => `changed the email of ${t}`,
	captureSignUp: (t) => `licensed ${t} on sign-up`,
	captureSignIn: (t) => `licensed ${t} at sign-in`,
	captureWaitingForSeat: (t) => `could not license ${t}: no free seat`,
	enableScim: () => 'turned SCIM provisioning on',
	disableScim: () => 'turned SCIM provisioning off',
	updateSsoSettings: () => 'changed the single sign-on settings',
	removeSsoSettings: () => 'removed single sign-on',
	ssoPasswordFallback: (t) => `signed ${t} in with a password while single sign-on is on`,
	seedEnterprise: () => 'loaded the demo data'
};

/** "removeLicense" → "remove license": an action without a phrase, still in words. */
function words(action: string): string {
	return action.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The sentence of an entry: "ada@acme.test removed the license of bob@acme.test". */
export function auditSentence(e: AuditLine): string {
	const who = e.actor ?? SOURCE[e.kind] ?? 'Roster';
	const target = e.target ?? '';
	const phrase = PHRASES[e.action];
	return `${who} ${phrase ? phrase(target) : `${words(e.action)} ${target}`.trim()}`;
}

function parse(json: string | null): unknown {
	if (json === null) return null;
	try {
		return JSON.parse(json);
	} catch {
		return json;
	}
}

function shown(key: string, value: unknown): string {
	if (value === null || value === undefined) return 'none';
	if (typeof value === 'boolean') return value ? 'on' : 'off';
	if (typeof value === 'number' && /At$/.test(key))
		return new Date(value).toISOString().slice(0, 10);
	if (Array.isArray(value)) return value.map((v) => shown('', v)).join(', ') || 'none';
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

/**
 * What an entry changed, field by field, where it carries both sides: `role: member → admin`.
 * Ids and unchanged fields are left out; an entry with one side only says nothing here.
 */
export function auditChanges(e: Pick<AuditLine, 'before' | 'after'>): string[] {
	const before = parse(e.before);
	const after = parse(e.after);
	if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return [];
	const b = before as Record<string, unknown>;
	const a = after as Record<string, unknown>;
	const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(
		(k) => !/ID$|^id$/.test(k)
	);
	return keys
		.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
		.map((k) => `${words(k)}: ${shown(k, b[k])} → ${shown(k, a[k])}`);
}

/** The actions the log's filter offers, in words ("Remove license"), by their stored names. */
export const AUDIT_ACTIONS: { value: string; label: string }[] = Object.keys(PHRASES)
	.map((value) => {
		const w = words(value);
		return { value, label: w[0]!.toUpperCase() + w.slice(1) };
	})
	.sort((a, b) => a.label.localeCompare(b.label));
