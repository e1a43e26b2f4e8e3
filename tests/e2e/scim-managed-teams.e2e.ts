import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { plantQueuedChange, queuedCount } from '../security/support/device';
import { rowNamed } from './support/server-state';

// The Initech enterprise of the e2e server has SCIM on with this token (scripts/e2e-server.js).
const TOKEN = 'initech-scim-token';
const SCIM = {
	authorization: `Bearer ${TOKEN}`,
	'content-type': 'application/scim+json'
};

const teamRow = rowNamed;

test('R22, R25: a team the identity provider manages shows no rename, delete or member controls, and a queued change to it is refused in plain words without holding up the queue; the identity provider finds its group as it pushed it', async ({
	page
}) => {
	const tag = randomUUID().slice(0, 8);
	// The identity provider pushes a person and a group holding them.
	const person = await page.request.post('/scim/v2/Users', {
		headers: SCIM,
		data: {
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
			userName: `pushed.${tag}@initech.test`,
			displayName: `Pushed ${tag}`,
			active: true
		}
	});
	expect(person.status()).toBe(201);
	const personID = ((await person.json()) as { id: string }).id;
	const team = `IdP team ${tag}`;
	const group = await page.request.post('/scim/v2/Groups', {
		headers: SCIM,
		data: {
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
			displayName: team,
			members: [{ value: personID }]
		}
	});
	expect(group.status()).toBe(201);
	const teamID = ((await group.json()) as { id: string }).id;

	const me = await signIn(page, ADMINS.initechOwner.email, ADMINS.initechOwner.password);
	const initech = me.enterprises.find((e) => e.slug === 'initech')!.id;
	await page.goto('/e/initech/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });

	// A team made in the console has the controls; the IdP's team has none of them.
	const manual = `Console team ${tag}`;
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(manual);
	await page.getByRole('button', { name: 'Create team' }).click();
	await expect(page.getByRole('button', { name: `Rename ${manual}` })).toBeVisible();
	await expect(page.getByRole('button', { name: `Delete ${manual}` })).toBeVisible();

	const row = teamRow(page, team);
	await expect(row).toContainText('SCIM');
	await expect(row.getByRole('cell').nth(1)).toHaveText('1');
	await expect(page.getByRole('button', { name: `Rename ${team}` })).toHaveCount(0);
	await expect(page.getByRole('button', { name: `Delete ${team}` })).toHaveCount(0);
	await page.getByRole('button', { name: `Members of ${team}` }).click();
	const panel = page.getByRole('dialog', { name: `Members of ${team}` });
	await expect(panel).toContainText(`pushed.${tag}@initech.test`);
	await expect(panel).toContainText(
		"Managed by your identity provider. Change this team's members there."
	);
	await expect(panel.getByRole('button', { name: 'Add member' })).toHaveCount(0);
	await expect(panel.getByRole('button', { name: /^Remove / })).toHaveCount(0);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });

	// A change queued against it anyway (an older tab, or a script of the origin), then an ordinary one.
	await page.goto('/healthz');
	const mirror = `roster:${me.user.id}:${initech}`;
	await plantQueuedChange(page, mirror, 'renameTeam', { teamID, name: `Renamed ${tag}` });
	const after = `After the refusal ${tag}`;
	await plantQueuedChange(page, mirror, 'createTeam', { teamID: randomUUID(), name: after });
	expect(await queuedCount(page, mirror)).toBe(2);

	await page.goto('/e/initech/teams');
	const issues = page.getByRole('region', { name: 'Sync issues' });
	await expect(issues).toContainText(
		`${team} is managed by your identity provider. Rename the group there; Roster follows it.`,
		{ timeout: 30_000 }
	);
	await expect(issues.getByRole('button', { name: 'Retry' })).toHaveCount(0);
	await expect(issues.getByRole('button', { name: 'Edit' })).toHaveCount(0);
	// The queue went on: the change behind the refused one reached the server.
	await expect(page.getByRole('status')).toHaveText(/All changes synced · 1 rejected/, {
		timeout: 30_000
	});
	await expect(teamRow(page, after)).toBeVisible();
	await expect(teamRow(page, after)).not.toContainText('Pending sync');
	await expect(teamRow(page, team)).toBeVisible();

	await issues.getByRole('button', { name: 'Discard' }).click();
	await expect(issues).toHaveCount(0);
	await expect(page.getByRole('status')).toHaveText(/All changes synced$/);

	// The IdP's group is as it pushed it, found through the server's POST searches (RFC 7644 §3.4.3).
	const search = { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] };
	for (const path of ['/scim/v2/Groups/.search', '/scim/v2/.search']) {
		const found = await page.request.post(path, {
			headers: SCIM,
			data: { ...search, filter: `displayName eq "${team}"` }
		});
		expect(found.status(), path).toBe(200);
		const list = (await found.json()) as {
			totalResults: number;
			Resources: { id: string; displayName: string; members: { value: string }[] }[];
		};
		expect(list.totalResults, path).toBe(1);
		expect(list.Resources[0]).toMatchObject({ id: teamID, displayName: team });
		expect(list.Resources[0]!.members.map((m) => m.value)).toEqual([personID]);
	}
	const people = await page.request.post('/scim/v2/Users/.search', {
		headers: SCIM,
		data: { ...search, filter: `userName eq "pushed.${tag}@initech.test"` }
	});
	expect(((await people.json()) as { Resources: { id: string }[] }).Resources[0]!.id).toBe(
		personID
	);
});
