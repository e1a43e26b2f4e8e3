import { describe, expect, it } from 'vitest';
import { controllerFor, id } from './support/console.svelte';
import { specScope } from './support/spec-scope';
import { TeamsState } from './teams.svelte';

const WEB = id('team Web');
const ENG = id('org Engineering');
const ADA = id('ada@acme.test');

const { mirror, watched } = specScope();

describe('teams state', () => {
	it('says it is loading while no mirror is open, not that there are no teams', async () => {
		const teams = new TeamsState(controllerFor());
		expect(watched(() => teams.list.current).value).toBeNull();
	});

	it('says it is loading while the first sync fills the mirror, not that there are no teams', async () => {
		const m = await mirror();
		const sync = controllerFor(m, { synced: false });
		const teams = new TeamsState(sync);
		const list = watched(() => teams.list.current);
		// The mirror answers at once (with no teams): still loading until a sync has filled it.
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(list.value).toBeNull();
		sync.ready = true;
		expect(await list.until((l) => l !== null)).toEqual([]);
	});

	it('says nothing on another enterprise’s page about a change made before the switch', async () => {
		const first = await mirror();
		const second = await mirror();
		await first.db.teams.put({ id: WEB, name: 'Web', source: 'manual' });
		const sync = controllerFor(first);
		const teams = new TeamsState(sync);
		const renaming = teams.rename(WEB, 'x'.repeat(101), 'Web');
		sync.engine = second.engine;
		expect(await renaming).toBe(false);
		expect(teams.message).toBe('');
		sync.engine = first.engine;
		expect(teams.message).toBe('');
	});

	it('lists the teams by name with their member counts and linked organizations', async () => {
		const m = await mirror({ users: ['ada@acme.test', 'bob@acme.test'] });
		await m.db.teams.bulkPut([
			{ id: WEB, name: 'Web', source: 'manual' },
			{ id: id('team API'), name: 'API', source: 'manual' }
		]);
		await m.db.teamMembers.bulkPut([
			{ key: `${WEB}:${ADA}`, teamID: WEB, userID: ADA },
			{ key: `${WEB}:${id('bob@acme.test')}`, teamID: WEB, userID: id('bob@acme.test') }
		]);
		await m.db.organizations.put({ id: ENG, name: 'Engineering' });
		await m.db.teamOrgLinks.put({ key: `${WEB}:${ENG}`, teamID: WEB, orgID: ENG, role: 'admin' });
		const teams = new TeamsState(controllerFor(m));
		const list = watched(() => teams.list.current);

		const shown = await list.until((l) => l !== null);
		expect(shown?.map((t) => [t.name, t.members, t.links])).toEqual([
			['API', 0, []],
			['Web', 2, [{ org: 'Engineering', role: 'admin' }]]
		]);
	});

	it('shows a created team at once, offline, and follows the mirror when the enterprise changes', async () => {
		const first = await mirror();
		const second = await mirror();
		await second.db.teams.put({ id: id('team Ops'), name: 'Ops', source: 'manual' });
		const sync = controllerFor(first);
		const teams = new TeamsState(sync);
		const names = watched(() => teams.list.current?.map((t) => t.name) ?? null);
		await names.until((n) => n !== null);

		expect((await teams.create('Design')).ok).toBe(true);
		await names.until((n) => n?.join() === 'Design');

		sync.engine = second.engine;
		expect(await names.until((n) => n?.join() === 'Ops')).toEqual(['Ops']);
	});

	it('keeps the refusal of a rename in its message, in the mutator’s words', async () => {
		const m = await mirror();
		await m.db.teams.put({ id: WEB, name: 'Web platform', source: 'manual' });
		const teams = new TeamsState(controllerFor(m));
		const message = watched(() => teams.message);

		// The admin saw "Web", but someone renamed it meanwhile.
		expect(await teams.rename(WEB, 'Website', 'Web')).toBe(false);
		expect(message.value).toBe('Someone else renamed it to “Web platform” meanwhile');

		expect(await teams.rename(WEB, 'Website', 'Web platform')).toBe(true);
		expect(message.value).toBe('');
	});

	it('refuses to add someone without a license to a team, and adds a licensed user', async () => {
		const m = await mirror({ users: ['ada@acme.test'] });
		const team = { id: WEB, name: 'Web', source: 'manual' as const };
		await m.db.teams.put(team);
		const members = new TeamsState(controllerFor(m)).members(() => team);
		const emails = watched(() => members.list.current?.map((p) => p.email) ?? null);
		await emails.until((e) => e !== null);

		expect(await members.add('nobody@acme.test')).toBe(false);
		expect(members.message).toBe(
			'No licensed user has the email nobody@acme.test. Invite them from the Licenses page first.'
		);

		expect(await members.add(' ada@acme.test ')).toBe(true);
		expect(members.message).toBe('');
		expect(members.done).toBe('ada@acme.test added to Web.');
		expect(await emails.until((e) => e?.length === 1)).toEqual(['ada@acme.test']);
	});

	it('links a team to an organization and says what its members become there', async () => {
		const m = await mirror();
		const team = { id: WEB, name: 'Web', source: 'manual' as const };
		await m.db.teams.put(team);
		await m.db.organizations.put({ id: ENG, name: 'Engineering' });
		const links = new TeamsState(controllerFor(m)).orgs(() => team);
		const linked = watched(() => links.list.current?.linked ?? null);
		await linked.until((l) => l !== null);

		expect(await links.link(ENG, 'admin')).toBe(true);
		expect(links.done).toBe('Web linked to Engineering as admin. Its members are admins there.');
		expect(await linked.until((l) => l?.length === 1)).toEqual([
			{ orgID: ENG, name: 'Engineering', role: 'admin' }
		]);
	});

	it('offers licensed users of the mirror by part of a name or email, leaving out members, offline', async () => {
		const m = await mirror({ users: ['ada@acme.test', 'adam@acme.test', 'bob@acme.test'] });
		const team = { id: WEB, name: 'Web', source: 'manual' as const };
		await m.db.teams.put(team);
		await m.db.teamMembers.put({ key: `${WEB}:${ADA}`, teamID: WEB, userID: ADA });
		const members = new TeamsState(controllerFor(m)).members(() => team);
		const list = watched(() => members.list.current);
		await list.until((l) => l?.length === 1);

		expect((await members.suggest('ADA')).map((p) => p.email)).toEqual(['adam@acme.test']);
		expect(await members.suggest('  ')).toEqual([]);
		const [bob] = await members.suggest('bo');
		expect(bob).toEqual({ id: id('bob@acme.test'), email: 'bob@acme.test', name: 'bob' });
		expect(await members.addPerson(bob!)).toBe(true);
		expect(members.done).toBe('bob@acme.test added to Web.');
		await list.until((l) => l?.length === 2);
	});

	it('removes a member without asking, and Undo queues adding them back rather than losing the removal', async () => {
		const m = await mirror({ users: ['ada@acme.test'] });
		const team = { id: WEB, name: 'Web', source: 'manual' as const };
		await m.db.teams.put(team);
		await m.db.teamMembers.put({ key: `${WEB}:${ADA}`, teamID: WEB, userID: ADA });
		const members = new TeamsState(controllerFor(m)).members(() => team);
		const emails = watched(() => members.list.current?.map((p) => p.email) ?? null);
		await emails.until((e) => e?.length === 1);

		expect(await members.remove(ADA, 'ada@acme.test')).toBe(true);
		await emails.until((e) => e?.length === 0);
		expect(await members.undo.undo()).toBe(true);
		expect(members.done).toBe('ada@acme.test is back in Web.');
		expect(await emails.until((e) => e?.length === 1)).toEqual(['ada@acme.test']);
		const queued = await m.db.outbox.orderBy('mutationID').toArray();
		expect(queued.map((q) => [q.name, q.args])).toEqual([
			['removeTeamMember', { teamID: WEB, userID: ADA }],
			['addTeamMember', { teamID: WEB, userID: ADA }]
		]);
		// Undone once: a second Undo does nothing.
		expect(await members.undo.undo()).toBe(false);
	});
});
