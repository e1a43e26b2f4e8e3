import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, auditChanges, auditSentence } from './audit-text';

const entry = { kind: 'console', before: null, after: null };

describe('the audit log in sentences (R24)', () => {
	it('says who did what to whom, in words, never the stored action name', () => {
		expect(
			auditSentence({
				...entry,
				actor: 'Ada Admin',
				action: 'removeLicense',
				target: 'bob@acme.test'
			})
		).toBe('Ada Admin removed the license of bob@acme.test');
		expect(
			auditSentence({
				...entry,
				actor: 'Ada',
				action: 'addTeamMember',
				target: 'Platform: bob@acme.test'
			})
		).toBe('Ada added bob@acme.test to team Platform');
		expect(
			auditSentence({
				...entry,
				kind: 'scim',
				actor: null,
				action: 'provisionLicense',
				target: 'cy@acme.test'
			})
		).toBe('Your identity provider (SCIM) gave cy@acme.test a license');
		const unknown = auditSentence({ ...entry, actor: 'Ada', action: 'someNewThing', target: 'x' });
		expect(unknown).toBe('Ada some new thing x');
		expect(AUDIT_ACTIONS.find((a) => a.value === 'removeLicense')?.label).toBe('Remove license');
	});

	it('shows before → after for the fields an entry changed, and nothing when it carries one side', () => {
		expect(
			auditChanges({
				before: JSON.stringify({ role: 'member' }),
				after: JSON.stringify({ role: 'admin' })
			})
		).toEqual(['role: member → admin']);
		expect(
			auditChanges({
				before: JSON.stringify({ enabled: false, teamID: 'a' }),
				after: JSON.stringify({ enabled: true, teamID: 'b' })
			})
		).toEqual(['enabled: off → on']);
		expect(
			auditChanges({
				before: JSON.stringify({ expiresAt: Date.UTC(2026, 0, 1) }),
				after: JSON.stringify({ expiresAt: Date.UTC(2026, 0, 31) })
			})
		).toEqual(['expires at: 2026-01-01 → 2026-01-31']);
		expect(auditChanges({ before: null, after: JSON.stringify({ name: 'x' }) })).toEqual([]);
	});
});
