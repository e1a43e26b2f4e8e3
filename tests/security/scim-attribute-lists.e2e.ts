import { expect, test } from '@playwright/test';
import { startServer, type Server } from './support/server';

// `attributes` and `excludedAttributes` name what a SCIM answer holds. Each name is matched against
// every attribute of every resource returned, so one request with a 2 MB list of names kept the
// server busy for every user on the page. Any enterprise's token could send it, to every search
// and list endpoint. Lists are now capped: at most 100 names of at most 300 characters each.

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const TOKEN = 'attribute-lists-scim-token';

const many = (n: number) => Array.from({ length: n }, (_, i) => `a${i}`);
const long = 'x'.repeat(301);

test.describe('SCIM attribute lists', () => {
	let server: Server;

	test.beforeAll(async () => {
		test.setTimeout(180_000);
		// As `npm start` and `node build` run it: the app's own 2 MB SCIM body cap is the limit.
		server = await startServer({ database: 'sqlite', env: { BODY_SIZE_LIMIT: '6M' } });
		server.seed([
			'--enterprise',
			'Listers',
			'--users',
			'20',
			'--domains',
			'listers.test',
			'--owner',
			'owner@listers.test',
			'--password',
			'listers-pass',
			'--scim-token',
			TOKEN
		]);
	});
	test.afterAll(async () => {
		await server?.stop();
	});

	test('a search or list naming more than 100 attributes, or a name longer than 300 characters, is a 400 invalidValue that says so, on POST /.search, /Users/.search, /Groups/.search and GET ?attributes= / ?excludedAttributes=; without a token every search is a 401', async () => {
		const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
		const refused = async (what: string, res: Awaited<ReturnType<typeof server.api.get>>) => {
			expect(res.status(), `${what}: ${(await res.text()).slice(0, 200)}`).toBe(400);
			const body = (await res.json()) as { schemas: string[]; scimType?: string; detail: string };
			expect(body.schemas, what).toEqual([ERROR]);
			expect(body.scimType, what).toBe('invalidValue');
			// Plain words: what is wrong and the limit, no rule numbers or code names.
			expect(body.detail, what).toMatch(/at most (100 attribute names|300 characters)/);
			expect(body.detail, what).not.toMatch(/\bR\d+\b|ScimError|MAX_/);
		};

		// Without a token, no search is answered: 401 with a SCIM error body.
		for (const path of ['/scim/v2/.search', '/scim/v2/Users/.search', '/scim/v2/Groups/.search']) {
			const anonymous = await server.api.post(path, {
				headers: { 'content-type': 'application/scim+json' },
				data: { schemas: [SEARCH], attributes: ['userName'] }
			});
			expect(anonymous.status(), path).toBe(401);
			expect(((await anonymous.json()) as { schemas: string[] }).schemas).toEqual([ERROR]);
		}

		// The attack: 150,000 names in one SearchRequest (under the 2 MB body cap), on each endpoint.
		for (const path of ['/scim/v2/.search', '/scim/v2/Users/.search', '/scim/v2/Groups/.search']) {
			for (const field of ['attributes', 'excludedAttributes']) {
				const started = Date.now();
				const res = await server.api.post(path, {
					headers,
					data: { schemas: [SEARCH], [field]: many(150_000) }
				});
				await refused(`${path} with 150,000 ${field}`, res);
				expect(Date.now() - started, `${path} ${field}`).toBeLessThan(5_000);
				// One comma-separated string counts the same as a list.
				await refused(
					`${path} with 101 ${field} in one string`,
					await server.api.post(path, {
						headers,
						data: { schemas: [SEARCH], [field]: many(101).join(',') }
					})
				);
				await refused(
					`${path} with a ${field} name of 301 characters`,
					await server.api.post(path, { headers, data: { schemas: [SEARCH], [field]: [long] } })
				);
			}
		}

		// The same through the query string of a list and of a single resource.
		const list = await server.api.get('/scim/v2/Users?count=1', { headers });
		const id = ((await list.json()) as { Resources: { id: string }[] }).Resources[0]!.id;
		for (const path of ['/scim/v2/Users', `/scim/v2/Users/${id}`, '/scim/v2/Groups']) {
			for (const field of ['attributes', 'excludedAttributes']) {
				await refused(
					`GET ${path}?${field}= with 101 names`,
					await server.api.get(`${path}?${field}=${many(101).join(',')}`, { headers })
				);
				await refused(
					`GET ${path}?${field}= with a name of 301 characters`,
					await server.api.get(`${path}?${field}=${long}`, { headers })
				);
			}
		}

		// At the limits, the request is answered.
		const atLimit = [...many(99), 'userName'];
		const search = await server.api.post('/scim/v2/Users/.search', {
			headers,
			data: { schemas: [SEARCH], attributes: atLimit, count: 2 }
		});
		expect(search.status(), await search.text()).toBe(200);
		const found = (await search.json()) as { Resources: Record<string, unknown>[] };
		expect(found.Resources).toHaveLength(2);
		expect(Object.keys(found.Resources[0]!).sort()).toEqual(['id', 'schemas', 'userName']);
		const get = await server.api.get(
			`/scim/v2/Users/${id}?excludedAttributes=${['x'.repeat(300), ...many(99)].join(',')}`,
			{ headers }
		);
		expect(get.status(), await get.text()).toBe(200);
	});
});
