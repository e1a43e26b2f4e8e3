import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SyncEngine } from '../../client/sync/engine';
import type { SyncController } from '../../client/sync-context.svelte';
import type { MutationResult } from './result';
import type { MutationArgs, MutationName } from './types';
import { describeIntent, type Descriptions } from './describe';
import { mutators } from './index';

// The @ts-expect-error lines below are checked by `npm run check`: if a misspelt name or wrong
// args ever compiled again, the directive would be unused and the check would fail.

const T = '00000000-0000-4000-8000-000000000001';
const refused: MutationResult = { ok: false, code: 'UNKNOWN_MUTATION', message: 'not sent' };

/** A stand-in with the engine's own mutate signature, so these calls only exercise the types. */
const engineMutate: SyncEngine['mutate'] = async () => refused;
/** The same with the sync context's mutate signature, which components call. */
const contextMutate: SyncController['mutate'] = async () => refused;

describe('the typed mutation surface', () => {
	it('names only the registered mutators, with args inferred from their schemas', () => {
		expectTypeOf<'createTeam'>().toExtend<MutationName>();
		expectTypeOf<'createTeem'>().not.toExtend<MutationName>();
		expectTypeOf<MutationArgs<'createTeam'>>().toEqualTypeOf<{ teamID: string; name: string }>();
		// z.input: what a caller sends, so defaulted fields stay optional.
		expectTypeOf<MutationArgs<'inviteUser'>>().toEqualTypeOf<{
			inviteID: string;
			email: string;
			teamIDs?: string[] | undefined;
			role?: 'admin' | 'member' | undefined;
		}>();
	});

	it('a misspelt mutation name does not compile, on the engine or the sync context', async () => {
		// @ts-expect-error: there is no mutation "createTeem"
		expect(await engineMutate('createTeem', { teamID: T, name: 'Ops' })).toBe(refused);
		// @ts-expect-error: there is no mutation "removeLicence"
		expect(await contextMutate('removeLicence', { userID: T })).toBe(refused);
	});

	it('wrong args do not compile: a missing field, a wrong type, another mutation’s args', async () => {
		// @ts-expect-error: createTeam needs a name
		await engineMutate('createTeam', { teamID: T });
		// @ts-expect-error: setSeatCount takes a number of seats, not text
		await contextMutate('setSeatCount', { seats: '12' });
		// @ts-expect-error: the role of a link is admin or member
		await contextMutate('linkTeamToOrg', { teamID: T, orgID: T, role: 'owner' });
		// @ts-expect-error: deleteTeam's args are not removeLicense's
		await contextMutate('deleteTeam', { userID: T });
		// The right name with the right args compiles.
		expect(await contextMutate('createTeam', { teamID: T, name: 'Ops' })).toBe(refused);
	});

	it('every mutation carries its own description: one missing does not compile, and none falls back to its bare name', () => {
		// Required for every name (not optional), so leaving one out of the record is a type error.
		expectTypeOf<Descriptions>().toEqualTypeOf<Required<Descriptions>>();
		expectTypeOf<keyof Descriptions>().toEqualTypeOf<MutationName>();
		for (const name of Object.keys(mutators)) expect(describeIntent(name, {})).not.toBe(name);
		expect(describeIntent('noSuchMutation', {})).toBe('noSuchMutation');
	});
});
