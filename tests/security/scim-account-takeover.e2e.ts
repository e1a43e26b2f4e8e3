import { randomUUID } from 'node:crypto';
import { expect, request, test, type APIRequestContext } from '@playwright/test';
import { ADMINS, apiAs, BASE_URL, enterpriseID, me, type LicensesPage } from '../e2e/support/auth';
import { startServer } from './support/server';

// R25: an enterprise's SCIM client may create or link only people on its own verified domains, and
// never rewrites the sign-in email of an account that holds a console role or is licensed
// elsewhere. Before, Initech's token linked Acme's owner and could then change their sign-in email,
// locking them out and handing their identity to an address of the attacker's choosing.

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const INITECH_TOKEN = 'initech-scim-token';

const userBody = (email: string) => ({
	schemas: [USER],
	userName: email,
	name: { givenName: 'Taken', familyName: 'Over' },
	emails: [{ primary: true, value: email, type: 'work' }],
	displayName: 'Taken Over',
	active: true
});

function scimClient(api: APIRequestContext, token: string) {
	const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
	return {
		post: (path: string, data: unknown) => api.post(`/scim/v2${path}`, { headers, data }),
		put: (path: string, data: unknown) => api.put(`/scim/v2${path}`, { headers, data }),
		patch: (path: string, data: unknown) => api.patch(`/scim/v2${path}`, { headers, data }),
		get: (path: string) => api.get(`/scim/v2${path}`, { headers })
	};
}

async function expectScimRefusal(res: Awaited<ReturnType<APIRequestContext['get']>>, what: string) {
	const text = await res.text();
	expect(res.status(), `${what}: ${text}`).toBeGreaterThanOrEqual(400);
	expect(res.status(), `${what}: ${text}`).toBeLessThan(500);
	expect((JSON.parse(text) as { schemas: string[] }).schemas, what).toEqual([ERROR]);
}

/** Finds (linking if need be) a person through a SCIM token; returns their SCIM id. */
async function linked(scim: ReturnType<typeof scimClient>, email: string): Promise<string> {
	const made = await scim.post('/Users', userBody(email));
	if (made.status() === 201) return ((await made.json()) as { id: string }).id;
	expect(made.status(), await made.text()).toBe(409); // already a SCIM user there
	const found = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
	const list = (await found.json()) as { Resources: { id: string }[] };
	expect(list.Resources).toHaveLength(1);
	return list.Resources[0]!.id;
}

/** Signs in with a fresh cookie jar and returns who the session belongs to. */
async function signsIn(email: string, password: string) {
	const ctx = await request.newContext({ baseURL: BASE_URL });
	try {
		const res = await ctx.post('/api/auth/login', { data: { email, password } });
		expect(res.status(), `sign in as ${email}`).toBe(200);
		return (await me(ctx)).user;
	} finally {
		await ctx.dispose();
	}
}

test.describe('SCIM cannot take over accounts (R25)', () => {
	test("a SCIM token cannot create or link a person outside its enterprise's verified domains (R25)", async () => {
		const api = await request.newContext({ baseURL: BASE_URL });
		try {
			const initech = scimClient(api, INITECH_TOKEN);
			// Acme's owner: an existing account on another tenant's domain.
			await expectScimRefusal(
				await initech.post('/Users', userBody(ADMINS.owner.email)),
				'Initech links owner@acme.test'
			);
			// Nobody new on someone else's domain either, and the same refusal whether or not the
			// account exists (no oracle for who has an account).
			await expectScimRefusal(
				await initech.post('/Users', userBody(`new.${randomUUID().slice(0, 8)}@acme.test`)),
				'Initech creates someone on acme.test'
			);
			const lookup = await initech.get(
				`/Users?filter=${encodeURIComponent(`userName eq "${ADMINS.owner.email}"`)}`
			);
			expect(((await lookup.json()) as { totalResults: number }).totalResults).toBe(0);
		} finally {
			await api.dispose();
		}
		const owner = await signsIn(ADMINS.owner.email, ADMINS.owner.password);
		expect(owner.email).toBe(ADMINS.owner.email);
	});

	test("another tenant's SCIM token cannot rewrite the sign-in email of an account that holds a console role (R25)", async () => {
		const api = await request.newContext({ baseURL: BASE_URL });
		const owner = ADMINS.initechOwner;
		try {
			const initech = scimClient(api, INITECH_TOKEN);
			// Initech's own owner is on initech.test: linking is allowed, rewriting the identity is not.
			const id = await linked(initech, owner.email);
			const attacker = `attacker.${randomUUID().slice(0, 8)}@initech.test`;
			await expectScimRefusal(
				await initech.patch(`/Users/${id}`, {
					schemas: [PATCH_OP],
					Operations: [{ op: 'replace', path: 'userName', value: attacker }]
				}),
				'PATCH userName of an owner'
			);
			await expectScimRefusal(
				await initech.patch(`/Users/${id}`, {
					schemas: [PATCH_OP],
					Operations: [{ op: 'replace', path: 'emails[type eq "work"].value', value: attacker }]
				}),
				'PATCH the work email of an owner'
			);
			await expectScimRefusal(
				await initech.put(`/Users/${id}`, userBody(attacker)),
				'PUT a new userName on an owner'
			);
			const after = await initech.get(`/Users/${id}`);
			expect(((await after.json()) as { userName: string }).userName).toBe(owner.email);
		} finally {
			await api.dispose();
		}
		// The real owner still signs in, under their own address.
		expect((await signsIn(owner.email, owner.password)).email).toBe(owner.email);
	});

	test("an enterprise's own SCIM token cannot rewrite its owner's sign-in email or name (R25)", async () => {
		const admin = await apiAs(ADMINS.owner);
		const api = await request.newContext({ baseURL: BASE_URL });
		try {
			const acmeID = await enterpriseID(admin, 'acme');
			const before = (await me(admin)).user;
			expect(
				(
					await admin.post(`/api/enterprises/${acmeID}/scim`, { data: { action: 'enable' } })
				).status()
			).toBe(200);
			const issued = await admin.post(`/api/enterprises/${acmeID}/scim`, {
				data: { action: 'generate', expiry: '30d' }
			});
			expect(issued.status(), await issued.text()).toBe(201);
			const { token } = (await issued.json()) as { token: string };
			const acme = scimClient(api, token);

			const id = await linked(acme, ADMINS.owner.email);
			const attacker = `hijack.${randomUUID().slice(0, 8)}@acme.test`;
			await expectScimRefusal(
				await acme.patch(`/Users/${id}`, {
					schemas: [PATCH_OP],
					Operations: [{ op: 'replace', path: 'userName', value: attacker }]
				}),
				"PATCH the owner's userName with Acme's own token"
			);
			await expectScimRefusal(
				await acme.put(`/Users/${id}`, userBody(attacker)),
				"PUT a new userName on the owner with Acme's own token"
			);
			// A new display name is the IdP's view, kept for Acme only: the account's name stays.
			const renamed = await acme.patch(`/Users/${id}`, {
				schemas: [PATCH_OP],
				Operations: [{ op: 'replace', path: 'displayName', value: 'Someone Else' }]
			});
			expect(renamed.status(), await renamed.text()).toBe(200);
			expect(((await renamed.json()) as { displayName: string }).displayName).toBe('Someone Else');
			const after = (await me(admin)).user;
			expect(after).toEqual(before);
		} finally {
			await api.dispose();
			await admin.dispose();
		}
		const owner = await signsIn(ADMINS.owner.email, ADMINS.owner.password);
		expect(owner.email).toBe(ADMINS.owner.email);
	});

	test("a parent domain's SCIM token cannot rewrite the sign-in email or name of someone another enterprise licenses (R25)", async () => {
		test.setTimeout(180_000);
		// A parent company verifies shared.test; its subsidiary, a separate enterprise, licenses the
		// people of eu.shared.test. The parent's IdP may link them (they are on its verified root) but
		// the account is not the parent's alone, so their sign-in identity is not its to change.
		const server = await startServer();
		try {
			server.seed([
				'--enterprise',
				'Parent',
				'--users',
				'3',
				'--domains',
				'shared.test',
				'--scim-token',
				'parent-scim-token'
			]);
			server.seed([
				'--enterprise',
				'Subsidiary',
				'--users',
				'5',
				'--domains',
				'eu.shared.test',
				'--owner',
				'owner@eu.shared.test',
				'--password',
				'subsidiary-pass'
			]);
			const subsidiary = await server.signIn('owner@eu.shared.test', 'subsidiary-pass');
			const subID = (
				(await (await subsidiary.get('/api/me')).json()) as { enterprises: { id: string }[] }
			).enterprises[0]!.id;
			const page = (await (
				await subsidiary.get(`/api/enterprises/${subID}/licenses`, { params: { limit: 20 } })
			).json()) as LicensesPage;
			const person = page.users.find((u) => u.email !== 'owner@eu.shared.test')!;
			expect(person.email).toMatch(/@eu\.shared\.test$/);

			const parent = scimClient(server.api, 'parent-scim-token');
			const id = await linked(parent, person.email);
			const attacker = `attacker@shared.test`;
			await expectScimRefusal(
				await parent.patch(`/Users/${id}`, {
					schemas: [PATCH_OP],
					Operations: [{ op: 'replace', path: 'userName', value: attacker }]
				}),
				'PATCH userName of someone licensed by another enterprise'
			);
			await expectScimRefusal(
				await parent.put(`/Users/${id}`, userBody(attacker)),
				'PUT a new userName on someone licensed by another enterprise'
			);
			const renamed = await parent.patch(`/Users/${id}`, {
				schemas: [PATCH_OP],
				Operations: [{ op: 'replace', path: 'displayName', value: 'Renamed By Parent' }]
			});
			expect(renamed.status(), await renamed.text()).toBe(200);
			// The subsidiary still sees the person as they were.
			const after = (await (
				await subsidiary.get(`/api/enterprises/${subID}/licenses`, { params: { q: person.email } })
			).json()) as LicensesPage;
			expect(after.users.map((u) => ({ email: u.email, name: u.name }))).toEqual([
				{ email: person.email, name: person.name }
			]);
		} finally {
			await server.stop();
		}
	});
});
