import { describe, expect, it } from 'vitest';
import {
	MAX_INVITE_ROWS,
	missingSeats,
	previewInviteCsv,
	type InviteCheckContext
} from './invite-csv';

const PLATFORM = '11111111-1111-4111-8111-111111111111';
const DESIGN = '22222222-2222-4222-8222-222222222222';
const OKTA = '33333333-3333-4333-8333-333333333333';

const ctx: InviteCheckContext = {
	teams: [
		{ id: PLATFORM, name: 'Platform', source: 'manual' },
		{ id: DESIGN, name: 'Design', source: 'manual' },
		{ id: OKTA, name: 'Okta Engineers', source: 'scim' }
	],
	licensed: new Set(['taken@acme.test']),
	invited: new Set(['pending@acme.test'])
};

const codes = (csv: string) =>
	previewInviteCsv(csv, ctx).rows.map((r) => [r.email, r.errors.map((e) => e.code)]);

describe('invite CSV preview', () => {
	it('R5/R6: reads email, role and teams; a valid row is one invite with its team ids', () => {
		const preview = previewInviteCsv(
			'email,role,teams\r\nAda@Acme.test,admin,Platform;design\r\nbob@acme.test,,\r\n',
			ctx
		);
		expect(preview.fileError).toBeNull();
		expect(preview.valid).toBe(2);
		expect(preview.rows).toEqual([
			{
				line: 2,
				email: 'ada@acme.test',
				role: 'admin',
				teamNames: ['Platform', 'design'],
				teamIDs: [PLATFORM, DESIGN],
				errors: []
			},
			{ line: 3, email: 'bob@acme.test', role: 'member', teamNames: [], teamIDs: [], errors: [] }
		]);
	});

	it('headers in any case and order, a BOM, `;` delimiter, blank lines skipped', () => {
		const preview = previewInviteCsv(
			'\ufeffTeams;EMAIL;Role\n\nPlatform;ada@acme.test;MEMBER\n"Design";bob@acme.test;admin\n',
			ctx
		);
		expect(preview.fileError).toBeNull();
		expect(preview.rows.map((r) => [r.email, r.role, r.teamIDs])).toEqual([
			['ada@acme.test', 'member', [PLATFORM]],
			['bob@acme.test', 'admin', [DESIGN]]
		]);
	});

	it('a comma file whose teams column holds `;` lists is still read as comma-separated', () => {
		const preview = previewInviteCsv(
			'email,teams\nada@acme.test,Platform;Design\nbob@acme.test,Design;Platform\n',
			ctx
		);
		expect(preview.valid).toBe(2);
		expect(preview.rows[1]!.teamIDs).toEqual([DESIGN, PLATFORM]);
	});

	it('an email-only file (no delimiter at all) works, role defaults to member', () => {
		const preview = previewInviteCsv('Email\nada@acme.test\n', ctx);
		expect(preview.rows).toMatchObject([{ email: 'ada@acme.test', role: 'member' }]);
	});

	it('every row error: invalid email, duplicate, already licensed, already invited, unknown team, unknown role', () => {
		const csv = [
			'email,role,teams',
			'not-an-email,member,',
			',member,',
			'ok@acme.test,member,',
			'OK@acme.test,member,',
			'taken@acme.test,member,',
			'pending@acme.test,member,',
			'team@acme.test,member,Platform;Nope',
			'scim@acme.test,member,okta engineers',
			'role@acme.test,owner,'
		].join('\n');
		expect(codes(csv)).toEqual([
			['not-an-email', ['INVALID_EMAIL']],
			['', ['INVALID_EMAIL']],
			['ok@acme.test', []],
			['ok@acme.test', ['DUPLICATE']],
			['taken@acme.test', ['ALREADY_LICENSED']],
			['pending@acme.test', ['ALREADY_INVITED']],
			['team@acme.test', ['UNKNOWN_TEAM']],
			['scim@acme.test', ['UNKNOWN_TEAM']],
			['role@acme.test', ['UNKNOWN_ROLE']]
		]);
		const preview = previewInviteCsv(csv, ctx);
		expect(preview.valid).toBe(1);
		const messages = preview.rows.flatMap((r) => r.errors.map((e) => e.message));
		expect(messages).toEqual([
			'“not-an-email” is not an email address',
			'the email is missing',
			'ok@acme.test is already on row 4',
			'taken@acme.test already has a license',
			'pending@acme.test already has a pending invite',
			'no team is named “Nope”',
			'team “Okta Engineers” is managed by your identity provider',
			'role “owner” is not admin or member'
		]);
	});

	it('a row can carry several errors at once', () => {
		const [row] = previewInviteCsv('email,role,teams\nbad,boss,Ghosts\n', ctx).rows;
		expect(row!.errors.map((e) => e.code)).toEqual([
			'INVALID_EMAIL',
			'UNKNOWN_ROLE',
			'UNKNOWN_TEAM'
		]);
	});

	it(`at most ${MAX_INVITE_ROWS} rows: one more is refused as a whole, with a clear message`, () => {
		const rows = (n: number) =>
			['email', ...Array.from({ length: n }, (_, i) => `u${i}@acme.test`)].join('\n');
		const full = previewInviteCsv(rows(MAX_INVITE_ROWS), ctx);
		expect(full.fileError).toBeNull();
		expect(full.valid).toBe(MAX_INVITE_ROWS);
		const over = previewInviteCsv(rows(MAX_INVITE_ROWS + 1), ctx);
		expect(over.rows).toEqual([]);
		expect(over.fileError).toBe(
			'The file has more than 5,000 rows. Split it into files of at most 5,000 invites.'
		);
	});

	it('a file without an email column, an empty file, a header only: a file error, no rows', () => {
		expect(previewInviteCsv('name,role\nAda,admin\n', ctx).fileError).toMatch(/“email” column/);
		expect(previewInviteCsv('', ctx).fileError).toBe('The file is empty.');
		expect(previewInviteCsv('email\n\n', ctx).fileError).toBe(
			'The file has a header but no invites.'
		);
	});

	it('R6: the seats the valid invites need beyond the free ones', () => {
		expect(missingSeats(3, 5)).toBe(0);
		expect(missingSeats(5, 5)).toBe(0);
		expect(missingSeats(7, 5)).toBe(2);
		expect(missingSeats(2, 0)).toBe(2);
	});
});
