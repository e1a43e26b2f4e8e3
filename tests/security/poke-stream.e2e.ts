import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS } from '../e2e/support/auth';
import { startServer, type Server } from './support/server';
import { cookieHeader, openPokeStream, pushClient, whoAmI } from './support/device';

// The poke stream (`GET /api/sync/poke`) tells a console that its enterprise changed. Once the
// admin signed out, or lost their console role, it must stop telling them anything (R2). Roles
// change here, so these attacks run on a server of their own.

let server: Server;

test.beforeAll(async () => {
	server = await startServer({ demo: true });
});

test.afterAll(async () => {
	await server?.stop();
});

/** The owner's console client, to make commits that poke Acme. */
async function ownerClient() {
	const owner = await server.signIn(ADMINS.owner.email, ADMINS.owner.password);
	const me = await whoAmI(owner);
	const acme = me.enterprises.find((e) => e.slug === 'acme')!.id;
	return { acme, client: pushClient(owner, acme, { userID: me.user.id }) };
}

async function createTeam(client: ReturnType<typeof pushClient>): Promise<void> {
	const res = await client.send('createTeam', { teamID: randomUUID(), name: `T ${randomUUID()}` });
	expect(res.status).toBe(200);
}

test("a co-owner's poke stream ends when they sign out (R2)", async () => {
	const { acme, client } = await ownerClient();
	const coOwner = await server.signIn(ADMINS.coOwner.email, ADMINS.coOwner.password);
	const stream = await openPokeStream(server.url, await cookieHeader(coOwner), acme);
	try {
		await createTeam(client);
		expect(await stream.next()).toBe('poke');

		expect((await coOwner.post('/api/auth/logout')).status()).toBe(200);
		// The next commit in Acme reaches the signed-out stream no more: it has ended.
		await createTeam(client);
		expect(await stream.next()).toBe('ended');
	} finally {
		await stream.close();
	}
});

test("a co-owner's poke stream ends when the owner removes their role (R2)", async () => {
	const { acme, client } = await ownerClient();
	const coOwner = await server.signIn(ADMINS.coOwner.email, ADMINS.coOwner.password);
	const stream = await openPokeStream(server.url, await cookieHeader(coOwner), acme);
	try {
		await createTeam(client);
		expect(await stream.next()).toBe('poke');

		const removed = await client.send('removeCoOwner', { email: ADMINS.coOwner.email });
		expect(removed.body).toMatchObject({ results: [{ status: 'applied' }] });
		expect(await stream.next()).toBe('ended');
		// Later commits do not reopen it, and a new stream is refused.
		const again = await fetch(`${server.url}/api/sync/poke?enterpriseID=${acme}`, {
			headers: { cookie: await cookieHeader(coOwner) }
		});
		expect(again.status).toBe(403);
	} finally {
		await stream.close();
	}
});
