import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS } from '../e2e/support/auth';
import { startServer, type Server } from './support/server';
import {
	controlledByServiceWorker,
	fireOutboxSync,
	plantQueuedChange,
	pushClient,
	queuedCount,
	whoAmI
} from './support/device';

// A billing admin plants a change only the owner may make in their own offline queue, then the
// owner uses the same browser. Neither the service worker nor the server may send it as the owner
// (R2: only the owner adds co-owners; R24: the audit log must not blame the owner). Roles change
// here, so these attacks run on a server of their own.

let server: Server;

test.beforeAll(async () => {
	server = await startServer({ demo: true });
});

test.afterAll(async () => {
	await server?.stop();
});

/** Billing's role in Acme, as the server sees it. */
async function billingRole(): Promise<string | undefined> {
	const billing = await server.signIn(ADMINS.billing.email, ADMINS.billing.password);
	return (await whoAmI(billing)).enterprises.find((e) => e.slug === 'acme')?.role;
}

test("Background Sync pushes only the signed-in admin's queue: a billing admin's planted addCoOwner stays unsent when the owner uses the browser (R2)", async ({
	browser
}) => {
	const context = await browser.newContext({ baseURL: server.url });
	const page = await context.newPage();

	// The billing admin signs in; their mirror of Acme fills.
	const billingLogin = await page.request.post('/api/auth/login', { data: ADMINS.billing });
	expect(billingLogin.status()).toBe(200);
	const billing = await whoAmI(page.request);
	const acme = billing.enterprises.find((e) => e.slug === 'acme')!.id;
	await page.goto('/e/acme/licenses');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await controlledByServiceWorker(page);
	// Away from the console (no sync engine running), they plant the owner-only change in their queue.
	await page.goto('/healthz');
	const billingMirror = `roster:${billing.user.id}:${acme}`;
	await plantQueuedChange(page, billingMirror, 'addCoOwner', {
		email: ADMINS.billing.email,
		role: 'co-owner'
	});

	// The owner signs in on the same browser and queues a change of their own.
	const ownerLogin = await page.request.post('/api/auth/login', { data: ADMINS.owner });
	expect(ownerLogin.status()).toBe(200);
	const owner = await whoAmI(page.request);
	await page.goto('/e/acme/teams');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await page.goto('/healthz');
	const teamName = `From the worker ${randomUUID().slice(0, 8)}`;
	await plantQueuedChange(page, `roster:${owner.user.id}:${acme}`, 'createTeam', {
		teamID: randomUUID(),
		name: teamName
	});

	// The owner closes Roster; the network comes back and the browser fires Background Sync.
	await page.close();
	expect(await fireOutboxSync(context, server.url)).toBe('done');

	// The owner's own change went out; the billing admin's did not, and stays queued for them.
	const ownerAPI = await server.signIn(ADMINS.owner.email, ADMINS.owner.password);
	const pull = await ownerAPI.get('/api/sync/pull', {
		params: { enterpriseID: acme, clientID: `probe-${randomUUID()}`, cookie: 0 }
	});
	const changes = (
		(await pull.json()) as { changes: { table: string; value?: { name?: string } }[] }
	).changes;
	expect(changes.filter((c) => c.table === 'teams' && c.value?.name === teamName)).toHaveLength(1);
	expect(await billingRole()).toBe('billing');
	const check = await context.newPage();
	await check.goto('/healthz');
	expect(await queuedCount(check, billingMirror)).toBe(1);
	await context.close();
});

test('the push endpoint refuses changes that name another admin, or come from a client another admin registered (R2)', async () => {
	const owner = await server.signIn(ADMINS.owner.email, ADMINS.owner.password);
	const billing = await server.signIn(ADMINS.billing.email, ADMINS.billing.password);
	const ownerMe = await whoAmI(owner);
	const billingMe = await whoAmI(billing);
	const acme = ownerMe.enterprises.find((e) => e.slug === 'acme')!.id;
	const promote = { email: ADMINS.billing.email, role: 'co-owner' };

	// The owner's session pushing a queue that says it is the billing admin's: refused whole.
	const naming = pushClient(owner, acme, { userID: billingMe.user.id });
	const named = await naming.send('addCoOwner', promote);
	expect(named.status).toBe(403);
	expect(named.body).toMatchObject({ error: 'forbidden' });

	// A client the billing admin registered, pushed through the owner's session: refused whole, with
	// or without a userID in the body.
	const billingClient = pushClient(billing, acme, { userID: billingMe.user.id });
	expect((await billingClient.send('setSeatCount', { seats: 100_000 })).status).toBe(200);
	for (const extra of [{ userID: ownerMe.user.id }, {}]) {
		const res = await owner.post('/api/sync/push', {
			data: {
				enterpriseID: acme,
				clientGroupID: randomUUID(),
				clientID: billingClient.clientID,
				...extra,
				mutations: [{ id: 2, name: 'addCoOwner', args: promote, createdAt: Date.now() }]
			}
		});
		expect(res.status()).toBe(403);
	}

	// The owner's own changes, naming the owner, still go through.
	const own = pushClient(owner, acme, { userID: ownerMe.user.id });
	const renamed = await own.send('createTeam', { teamID: randomUUID(), name: 'Own change' });
	expect(renamed.status).toBe(200);
	expect(await billingRole()).toBe('billing');
});
