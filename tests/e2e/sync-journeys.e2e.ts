import { randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { ADMINS, apiAs, enterpriseID, signIn } from './support/auth';
import { rowNamed, serverRows } from './support/server-state';

/** The server's teams of an enterprise, read through a fresh full pull. */
const serverTeams = (api: APIRequestContext, id: string) =>
	serverRows<{ id: string; name: string }>(api, id, 'teams');

const teamRow = rowNamed;

async function createTeam(page: Page, name: string) {
	await page.getByRole('button', { name: 'Create team' }).click();
	await page.getByLabel('Team name').fill(name);
	await page.getByRole('button', { name: 'Create team' }).click();
	await expect(teamRow(page, name)).toBeVisible();
}

test('a team created offline stays queued and lands exactly once when back online', async ({
	page,
	context
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible();
	await expect(page.getByRole('status')).toHaveText(/All changes synced/);

	await context.setOffline(true);
	const name = `Offline ${randomUUID().slice(0, 8)}`;
	await createTeam(page, name);
	await expect(page.getByRole('status')).toHaveText(/1 change waiting \(offline\)/);
	await expect(teamRow(page, name)).toContainText('Pending sync');

	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(teamRow(page, name)).not.toContainText('Pending sync');
	const id = await enterpriseID(page.request, 'acme');
	expect((await serverTeams(page.request, id)).filter((t) => t.name === name)).toHaveLength(1);
});

test('two devices editing the same enterprise converge without reloading', async ({ browser }) => {
	const a = await browser.newContext();
	const b = await browser.newContext();
	const pageA = await a.newPage();
	const pageB = await b.newPage();
	await signIn(pageA, ADMINS.owner.email, ADMINS.owner.password);
	await signIn(pageB, ADMINS.coOwner.email, ADMINS.coOwner.password);
	await pageA.goto('/e/acme/teams');
	await pageB.goto('/e/acme/teams');
	// Each new device first mirrors the whole enterprise.
	await expect(pageA.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible({
		timeout: 30_000
	});
	await expect(pageB.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible({
		timeout: 30_000
	});

	const fromA = `Device A ${randomUUID().slice(0, 8)}`;
	const fromB = `Device B ${randomUUID().slice(0, 8)}`;
	await createTeam(pageA, fromA);
	await createTeam(pageB, fromB);
	// Each device learns of the other's change through the server's poke.
	await expect(teamRow(pageB, fromA)).toBeVisible({ timeout: 15_000 });
	await expect(teamRow(pageA, fromB)).toBeVisible({ timeout: 15_000 });
	const rowsA = await pageA.getByRole('row').allTextContents();
	const rowsB = await pageB.getByRole('row').allTextContents();
	expect(rowsA.map((r) => r.split('Rename')[0])).toEqual(rowsB.map((r) => r.split('Rename')[0]));
	await a.close();
	await b.close();
});

test('two tabs share one mirror: a change in one shows in the other and reaches the server once', async ({
	page,
	context
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const second = await context.newPage();
	await page.goto('/e/acme/teams');
	await second.goto('/e/acme/teams');
	await expect(second.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible();
	const pushes: string[] = [];
	for (const p of [page, second]) {
		p.on('request', (r) => {
			if (r.url().includes('/api/sync/push')) pushes.push(r.postData() ?? '');
		});
	}
	await context.setOffline(true);
	const name = `Two tabs ${randomUUID().slice(0, 8)}`;
	await createTeam(page, name);
	await expect(teamRow(second, name)).toBeVisible();
	await expect(second.getByRole('status')).toHaveText(/1 change waiting/);
	await context.setOffline(false);
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(second.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	const id = await enterpriseID(page.request, 'acme');
	expect((await serverTeams(page.request, id)).filter((t) => t.name === name)).toHaveLength(1);
	// However many tabs tried, the mutation was applied once (its id is stable across pushes).
	const carrying = pushes.filter((body) => body.includes(name));
	expect(carrying.length).toBeGreaterThanOrEqual(1);
	expect(
		new Set(
			carrying.map((b) =>
				JSON.stringify(
					(JSON.parse(b) as { mutations: { id: number }[] }).mutations.map((m) => m.id)
				)
			)
		).size
	).toBeLessThanOrEqual(carrying.length);
});

test('R6: an invite rejected for lack of seats shows in Sync issues and can be retried once a seat is free', async ({
	page,
	context
}) => {
	const admin = ADMINS.initechOwner;
	await signIn(page, admin.email, admin.password);
	const id = await enterpriseID(page.request, 'initech');
	await page.goto('/e/initech/licenses?tab=invites');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/);

	// Offline, this device still sees free seats and queues an invite.
	await context.setOffline(true);
	const email = `late-${randomUUID().slice(0, 8)}@initech.test`;
	await page.getByLabel('Email', { exact: true }).fill(email);
	await page.getByRole('button', { name: 'Send invite' }).click();
	await expect(page.getByRole('status')).toHaveText(/1 change waiting \(offline\)/);

	// Meanwhile another device of the same owner takes every free seat.
	const other = await apiAs(admin);
	const licenses = (await (
		await other.get(`/api/enterprises/${id}/licenses`, { params: { limit: 1 } })
	).json()) as {
		seats: { free: number };
	};
	const clientID = `other-${randomUUID()}`;
	const fill = Array.from({ length: licenses.seats.free }, (_, i) => ({
		id: i + 1,
		name: 'inviteUser',
		args: {
			inviteID: randomUUID(),
			email: `filler-${i}-${randomUUID().slice(0, 6)}@initech.test`,
			teamIDs: [],
			role: 'member'
		},
		createdAt: Date.now()
	}));
	const filled = await other.post('/api/sync/push', {
		data: { enterpriseID: id, clientGroupID: 'g', clientID, mutations: fill }
	});
	expect(filled.status()).toBe(200);

	await context.setOffline(false);
	const issues = page.getByRole('region', { name: 'Sync issues' });
	await expect(issues).toContainText(`Invite ${email}`, { timeout: 20_000 });
	await expect(issues).toContainText(/no free seat: [\d,]+ of [\d,]+ used/);
	await expect(page.getByRole('status')).toHaveText(/1 rejected/);

	// The other device frees a seat by removing a licensed user; retrying now succeeds.
	const page1 = (await (
		await other.get(`/api/enterprises/${id}/licenses`, { params: { sort: 'email', limit: 50 } })
	).json()) as {
		users: { id: string; email: string }[];
	};
	const victim = page1.users.find((u) => u.email !== admin.email);
	if (!victim) throw new Error('no removable user');
	const freed = await other.post('/api/sync/push', {
		data: {
			enterpriseID: id,
			clientGroupID: 'g',
			clientID,
			mutations: [
				{
					id: fill.length + 1,
					name: 'removeLicense',
					args: { userID: victim.id },
					createdAt: Date.now()
				}
			]
		}
	});
	expect(((await freed.json()) as { results: { status: string }[] }).results[0]?.status).toBe(
		'applied'
	);
	await other.dispose();

	await issues.getByRole('button', { name: 'Retry' }).click();
	await expect(page.getByRole('region', { name: 'Sync issues' })).toHaveCount(0, {
		timeout: 20_000
	});
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	await expect(page.getByRole('region', { name: 'Pending invites' })).toContainText(email);
});

test('a tab closed mid-push, after the server committed but before it heard back, loses and duplicates nothing', async ({
	page,
	context
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('cell', { name: 'Platform', exact: true })).toBeVisible({
		timeout: 30_000
	});
	let committed!: () => void;
	const serverHasIt = new Promise<void>((resolve) => (committed = resolve));
	// The push reaches the server, which commits it; the answer never reaches the tab.
	await page.route('**/api/sync/push', async (route) => {
		await route.fetch();
		committed();
		await new Promise(() => {});
	});
	const name = `Mid-push ${randomUUID().slice(0, 8)}`;
	await createTeam(page, name);
	await serverHasIt;
	await page.close();

	const next = await context.newPage();
	await next.goto('/e/acme/teams');
	await expect(teamRow(next, name)).toBeVisible({ timeout: 30_000 });
	await expect(next.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
	const id = await enterpriseID(next.request, 'acme');
	expect((await serverTeams(next.request, id)).filter((t) => t.name === name)).toHaveLength(1);
});
