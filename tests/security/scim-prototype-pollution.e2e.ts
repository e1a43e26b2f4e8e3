import { expect, request, test } from '@playwright/test';
import { pgURL, startServer, type Server } from './support/server';

// scim-patch 0.8.3 writes through `__proto__` and `constructor.prototype`. One PATCH with any
// enterprise's token once polluted Object.prototype for the whole process: every later sign-in
// cookie carried `Domain=evil.example`, and a Kysely-shaped `limit` emptied sessions and
// memberships of every tenant. These attacks run on a server of their own, since a success
// would spoil it for every other test.

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const TOKEN = 'polluter-scim-token';

// Raw JSON text: in a JS object literal `__proto__` would set the prototype instead of a key.
const ATTACKS: [string, string][] = [
	[
		'a path through __proto__',
		'{"op":"add","path":"name.__proto__.domain","value":"evil.example"}'
	],
	[
		'a path through constructor.prototype',
		'{"op":"add","path":"name.constructor.prototype.domain","value":"evil.example"}'
	],
	[
		'a path-less value keyed __proto__',
		'{"op":"add","value":{"__proto__":{"domain":"evil.example"}}}'
	],
	[
		'a path-less value with __proto__ one level down',
		'{"op":"replace","value":{"name":{"__proto__":{"domain":"evil.example"}}}}'
	],
	[
		'a Kysely LimitNode through __proto__',
		'{"op":"add","path":"name.__proto__.limit","value":{"kind":"LimitNode","limit":{"kind":"ValueNode","value":0}}}'
	],
	[
		'a dotted key that scim-patch splits into __proto__',
		'{"op":"add","path":"name","value":{"__proto__.domain":"evil.example"}}'
	],
	[
		'a Group displayName through __proto__',
		'{"op":"add","path":"displayName.__proto__.domain","value":"evil.example"}'
	]
];

for (const database of ['sqlite', 'postgres'] as const) {
	test.describe(`SCIM PATCH on ${database}`, () => {
		test.skip(database === 'postgres' && !pgURL, 'TEST_DATABASE_URL is not set');
		let server: Server;

		test.beforeAll(async () => {
			test.setTimeout(180_000);
			server = await startServer({ database });
			server.seed([
				'--enterprise',
				'Polluter',
				'--users',
				'5',
				'--domains',
				'polluter.test',
				'--owner',
				'owner@polluter.test',
				'--password',
				'polluter-pass',
				'--scim-token',
				TOKEN
			]);
			server.seed([
				'--enterprise',
				'Bystander',
				'--users',
				'5',
				'--domains',
				'bystander.test',
				'--owner',
				'owner@bystander.test',
				'--password',
				'bystander-pass'
			]);
		});
		test.afterAll(async () => {
			await server?.stop();
		});

		test('a SCIM PATCH cannot reach Object.prototype through __proto__ or constructor.prototype: every tenant still signs in with a host-only cookie, sessions and memberships intact', async () => {
			const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
			const bystander = await server.signIn('owner@bystander.test', 'bystander-pass');
			const email = `victim@polluter.test`;
			const created = await server.api.post('/scim/v2/Users', {
				headers,
				data: {
					schemas: [USER],
					userName: email,
					name: { givenName: 'Vic', familyName: 'Tim' },
					emails: [{ value: email, type: 'work', primary: true }],
					active: true
				}
			});
			expect(created.status(), await created.text()).toBe(201);
			const userID = ((await created.json()) as { id: string }).id;
			const group = await server.api.post('/scim/v2/Groups', {
				headers,
				data: { displayName: 'Polluters' }
			});
			expect(group.status()).toBe(201);
			const groupID = ((await group.json()) as { id: string }).id;

			for (const [what, operation] of ATTACKS) {
				const target = what.includes('Group') ? `Groups/${groupID}` : `Users/${userID}`;
				const res = await server.api.patch(`/scim/v2/${target}`, {
					headers,
					data: `{"schemas":["${PATCH_OP}"],"Operations":[${operation}]}`
				});
				expect(res.status(), `${what}: ${await res.text()}`).toBe(400);
				const body = (await res.json()) as { schemas: string[]; scimType?: string };
				expect(body.schemas, what).toEqual([ERROR]);
				expect(body.scimType, what).toBe('invalidPath');
			}

			// A later sign-in works and its cookie is host-only (no Domain attribute).
			const fresh = await request.newContext({ baseURL: server.url });
			try {
				const login = await fresh.post('/api/auth/login', {
					data: { email: 'owner@polluter.test', password: 'polluter-pass' }
				});
				expect(login.status()).toBe(200);
				const setCookie = login
					.headersArray()
					.filter((h) => h.name.toLowerCase() === 'set-cookie')
					.map((h) => h.value);
				expect(setCookie.length).toBeGreaterThan(0);
				for (const cookie of setCookie) expect(cookie).not.toMatch(/;\s*domain=/i);
				const me = await fresh.get('/api/me');
				expect(me.status()).toBe(200);
				expect(((await me.json()) as { enterprises: { slug: string }[] }).enterprises).toHaveLength(
					1
				);
			} finally {
				await fresh.dispose();
			}

			// The session made before the attacks still stands, with its membership.
			const me = await bystander.get('/api/me');
			expect(me.status()).toBe(200);
			const body = (await me.json()) as { user: { email: string }; enterprises: unknown[] };
			expect(body.user.email).toBe('owner@bystander.test');
			expect(body.enterprises).toHaveLength(1);

			// Queries without a LIMIT still return every row: the victim is listed, untouched.
			const list = await server.api.get('/scim/v2/Users?count=100', { headers });
			expect(list.status()).toBe(200);
			const users = (await list.json()) as { Resources: { id: string; name: object }[] };
			const victim = users.Resources.find((r) => r.id === userID);
			expect(victim?.name).toEqual({ formatted: 'Vic Tim', givenName: 'Vic', familyName: 'Tim' });

			// The allowed paths still work after the refusals.
			const rename = await server.api.patch(`/scim/v2/Users/${userID}`, {
				headers,
				data: {
					schemas: [PATCH_OP],
					Operations: [{ op: 'replace', path: 'name.givenName', value: 'Victor' }]
				}
			});
			expect(rename.status(), await rename.text()).toBe(200);
			expect(((await rename.json()) as { name: { givenName: string } }).name.givenName).toBe(
				'Victor'
			);

			// And the production build runs with its prototypes frozen: defence in depth for whatever
			// another library might write through.
			expect(server.output()).toMatch(/prototypes frozen/);
		});
	});
}
