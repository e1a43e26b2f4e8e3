import Papa from 'papaparse';
import { email as emailSchema } from '../domain/mutations/define';
import type { Team } from '../domain/entities';

/** The most invites one file may hold. */
export const MAX_INVITE_ROWS = 5000;

/** Why a row of an invite file cannot be queued. */
export type InviteRowErrorCode =
	| 'INVALID_EMAIL'
	| 'DUPLICATE'
	| 'ALREADY_LICENSED'
	| 'ALREADY_INVITED'
	| 'UNKNOWN_TEAM'
	| 'UNKNOWN_ROLE';

/** One row error, worded for the preview table. */
export interface InviteRowError {
	code: InviteRowErrorCode;
	message: string;
}

/** One data row of an invite file, checked against the mirror. */
export interface InviteRow {
	/** 1-based record number in the file, the header being record 1. */
	line: number;
	/** Normalised (trimmed, lower case) when valid; as written otherwise. */
	email: string;
	role: 'admin' | 'member';
	teamNames: string[];
	teamIDs: string[];
	errors: InviteRowError[];
}

/** What the preview shows before anything is queued. */
export interface InvitePreview {
	rows: InviteRow[];
	/** Rows with no error: the invites "Invite N people" queues. */
	valid: number;
	/** A problem with the whole file (no email column, too many rows, empty); rows is then empty. */
	fileError: string | null;
}

/** A data row as read from the file, before checking. */
export interface RawInviteRow {
	line: number;
	email: string;
	role: string;
	teams: string;
}

/** The file as read: its data rows, or why it cannot be used. */
export interface RawInviteFile {
	rows: RawInviteRow[];
	fileError: string | null;
}

/** What the rows are checked against: the mirror's teams, licensed users and pending invites. */
export interface InviteCheckContext {
	teams: readonly Pick<Team, 'id' | 'name' | 'source'>[];
	/** Normalised emails of licensed users (at least those the file names). */
	licensed: ReadonlySet<string>;
	/** Normalised emails with a pending (unexpired) invite. */
	invited: ReadonlySet<string>;
}

/**
 * The delimiter, from the header line only: team lists in the data use `;`, so guessing from data
 * rows (as Papa's auto-detection does) could take `;` for the separator of a comma file.
 */
function headerDelimiter(text: string): string {
	const end = text.search(/\r?\n|\r/);
	const header = end < 0 ? text : text.slice(0, end);
	const counts = [',', ';', '\t'].map((d) => [d, header.split(d).length - 1] as const);
	counts.sort((a, b) => b[1] - a[1]);
	return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

/**
 * Reads an invite CSV: a header row naming `email` and optionally `role` and `teams` (any case), a
 * BOM allowed, `,`, `;` or tab separated, blank lines skipped, at most {@link MAX_INVITE_ROWS} rows.
 */
export function readInviteCsv(input: string): RawInviteFile {
	const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
	const parsed = Papa.parse<string[]>(text, {
		delimiter: headerDelimiter(text),
		skipEmptyLines: false,
		// One record past the limit tells "too many" without reading a huge file to the end.
		preview: MAX_INVITE_ROWS + 2
	});
	const records = parsed.data;
	const headerIndex = records.findIndex((r) => r.some((c) => c.trim() !== ''));
	if (headerIndex < 0) return { rows: [], fileError: 'The file is empty.' };
	const header = records[headerIndex]!.map((h) => h.trim().toLowerCase());
	const col = (name: string) => header.indexOf(name);
	const [emailCol, roleCol, teamsCol] = [col('email'), col('role'), col('teams')];
	if (emailCol < 0) {
		return {
			rows: [],
			fileError:
				'The file needs a header row with an “email” column (and optionally “role” and “teams”).'
		};
	}
	const rows: RawInviteRow[] = [];
	for (let i = headerIndex + 1; i < records.length; i++) {
		const r = records[i]!;
		if (r.every((c) => c.trim() === '')) continue;
		if (rows.length === MAX_INVITE_ROWS) {
			return {
				rows: [],
				fileError: `The file has more than ${MAX_INVITE_ROWS.toLocaleString('en')} rows. Split it into files of at most ${MAX_INVITE_ROWS.toLocaleString('en')} invites.`
			};
		}
		rows.push({
			line: i + 1,
			email: (r[emailCol] ?? '').trim(),
			role: roleCol < 0 ? '' : (r[roleCol] ?? '').trim(),
			teams: teamsCol < 0 ? '' : (r[teamsCol] ?? '')
		});
	}
	if (rows.length === 0) return { rows: [], fileError: 'The file has a header but no invites.' };
	return { rows, fileError: null };
}

/** The normalised emails a file names (what to look up in the mirror before checking). */
export function normalizedEmails(rows: readonly RawInviteRow[]): string[] {
	const out: string[] = [];
	for (const row of rows) {
		const parsed = emailSchema.safeParse(row.email);
		if (parsed.success) out.push(parsed.data);
	}
	return out;
}

/**
 * Checks each row (R5, R6): a valid email, not twice in the file, not already licensed, not already
 * invited, a known role (`admin`/`member`, default member), teams known by name (`;`-separated).
 */
export function checkInviteRows(raw: RawInviteFile, ctx: InviteCheckContext): InvitePreview {
	if (raw.fileError) return { rows: [], valid: 0, fileError: raw.fileError };
	const teamsByName = new Map(ctx.teams.map((t) => [t.name.trim().toLowerCase(), t]));
	const seen = new Map<string, number>();
	const rows = raw.rows.map((r): InviteRow => {
		const errors: InviteRowError[] = [];
		const parsed = emailSchema.safeParse(r.email);
		const email = parsed.success ? parsed.data : r.email;
		if (!parsed.success) {
			errors.push({
				code: 'INVALID_EMAIL',
				message: r.email ? `“${r.email}” is not an email address` : 'the email is missing'
			});
		} else {
			const first = seen.get(email);
			if (first !== undefined) {
				errors.push({ code: 'DUPLICATE', message: `${email} is already on row ${first}` });
			} else {
				seen.set(email, r.line);
			}
			if (ctx.licensed.has(email)) {
				errors.push({ code: 'ALREADY_LICENSED', message: `${email} already has a license` });
			} else if (ctx.invited.has(email)) {
				errors.push({ code: 'ALREADY_INVITED', message: `${email} already has a pending invite` });
			}
		}
		const roleText = r.role.toLowerCase();
		let role: InviteRow['role'] = 'member';
		if (roleText === 'admin' || roleText === 'member') role = roleText;
		else if (roleText !== '') {
			errors.push({
				code: 'UNKNOWN_ROLE',
				message: `role “${r.role}” is not admin or member`
			});
		}
		const teamNames = r.teams
			.split(';')
			.map((t) => t.trim())
			.filter(Boolean);
		const teamIDs: string[] = [];
		for (const teamName of teamNames) {
			const team = teamsByName.get(teamName.toLowerCase());
			if (!team) {
				errors.push({ code: 'UNKNOWN_TEAM', message: `no team is named “${teamName}”` });
			} else if (team.source === 'scim') {
				errors.push({
					code: 'UNKNOWN_TEAM',
					message: `team “${team.name}” is managed by your identity provider`
				});
			} else if (!teamIDs.includes(team.id)) {
				teamIDs.push(team.id);
			}
		}
		return { line: r.line, email, role, teamNames, teamIDs, errors };
	});
	return { rows, valid: rows.filter((r) => r.errors.length === 0).length, fileError: null };
}

/** Reads and checks an invite file in one step (what the worker runs, and what tests call). */
export function previewInviteCsv(text: string, ctx: InviteCheckContext): InvitePreview {
	return checkInviteRows(readInviteCsv(text), ctx);
}

/** Seats the valid invites need beyond the free ones (R6): 0 when they all fit. */
export function missingSeats(valid: number, free: number): number {
	return Math.max(0, valid - free);
}
