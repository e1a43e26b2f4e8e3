import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { decodeRosterPage, ROSTER_BINARY_TYPE } from '../../src/lib/domain/sync/roster-wire';
import { ADMINS, BASE_URL, enterpriseID, signIn } from './support/auth';

interface RosterPage {
	ids: string[];
	emails: string[];
}

function emailsByID(page: RosterPage): Map<string, string> {
	return new Map(page.ids.map((id, i) => [id, page.emails[i]!]));
}

/** The same users with the same emails, but for the few another journey changed in between. */
function expectSameUsers(expected: Map<string, string>, page: RosterPage): void {
	const got = emailsByID(page);
	const same = [...expected].filter(([id, email]) => got.get(id) === email).length;
	expect(same).toBeGreaterThanOrEqual(expected.size - 10);
}

interface Raw {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: Buffer;
}

/** A GET with exactly these headers, its body as the bytes on the wire (not decoded). */
function rawGet(path: string, headers: Record<string, string>): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const req = httpRequest(new URL(path, BASE_URL), { headers }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (c: Buffer) => chunks.push(c));
			res.on('end', () =>
				resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) })
			);
			res.on('error', reject);
		});
		req.on('error', reject);
		req.end();
	});
}

// A tablet on a slow link pages the whole roster at its first sync: the sync API answers in brotli
// or gzip when the browser accepts them, and the same users either way, in JSON or binary.
test('the roster and pulls come compressed to a browser that accepts it, and identical once decoded', async ({
	page
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	const id = await enterpriseID(page.request, 'acme');
	const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
	// Other journeys change Acme meanwhile: the answers are compared user by user, not whole.
	const roster = `/api/sync/roster?enterpriseID=${id}&limit=1000`;
	const plain = await rawGet(roster, { cookie, 'accept-encoding': 'identity' });
	expect(plain.status).toBe(200);
	expect(plain.headers['content-encoding']).toBeUndefined();
	expect(plain.headers.vary).toContain('accept-encoding');
	const users = emailsByID(JSON.parse(plain.body.toString('utf8')) as RosterPage);
	expect(users.size).toBe(1000);

	const br = await rawGet(roster, { cookie, 'accept-encoding': 'gzip, deflate, br, zstd' });
	expect(br.headers['content-encoding']).toBe('br');
	expect(Number(br.headers['content-length'])).toBe(br.body.length);
	expectSameUsers(users, JSON.parse(brotliDecompressSync(br.body).toString('utf8')) as RosterPage);
	// Much smaller on the wire: the roster is mostly ids, names and emails.
	expect(br.body.length).toBeLessThan(plain.body.length / 2);

	const gz = await rawGet(roster, { cookie, 'accept-encoding': 'gzip;q=1, br;q=0' });
	expect(gz.headers['content-encoding']).toBe('gzip');
	expectSameUsers(users, JSON.parse(gunzipSync(gz.body).toString('utf8')) as RosterPage);

	// The console's binary form: compressed too, the same users, and fewer bytes than the JSON.
	const binary = await rawGet(`${roster}&format=binary`, { cookie, 'accept-encoding': 'br' });
	expect(binary.status).toBe(200);
	expect(binary.headers['content-type']).toBe(ROSTER_BINARY_TYPE);
	expect(binary.headers['content-encoding']).toBe('br');
	expectSameUsers(users, decodeRosterPage(brotliDecompressSync(binary.body)));
	expect(binary.body.length).toBeLessThan(br.body.length);
	const binaryGz = await rawGet(`${roster}&format=binary`, { cookie, 'accept-encoding': 'gzip' });
	expect(binaryGz.headers['content-encoding']).toBe('gzip');
	expectSameUsers(users, decodeRosterPage(gunzipSync(binaryGz.body)));

	const pull = await rawGet(
		`/api/sync/pull?enterpriseID=${id}&clientID=compression-${Date.now()}&licenses=chunked`,
		{ cookie, 'accept-encoding': 'br' }
	);
	expect(pull.status).toBe(200);
	expect(pull.headers['content-encoding']).toBe('br');
	const patch = JSON.parse(brotliDecompressSync(pull.body).toString('utf8')) as {
		cookie: number;
		changes: { table: string }[];
	};
	expect(patch.cookie).toBeGreaterThan(0);
	expect(patch.changes.some((c) => c.table === 'teams')).toBe(true);

	// A refusal stays plain JSON (and small): nothing to decode for a client that reads the error.
	const refused = await rawGet(`/api/sync/roster?enterpriseID=${id}&limit=0`, {
		cookie,
		'accept-encoding': 'br'
	});
	expect(refused.status).toBe(400);
	expect(refused.headers['content-encoding']).toBeUndefined();
	expect(JSON.parse(refused.body.toString('utf8'))).toMatchObject({ error: 'badRequest' });
	const badFormat = await rawGet(`/api/sync/roster?enterpriseID=${id}&format=xml`, {
		cookie,
		'accept-encoding': 'br'
	});
	expect(badFormat.status).toBe(400);
	expect(JSON.parse(badFormat.body.toString('utf8'))).toMatchObject({
		message: expect.stringMatching(/format must be json or binary/)
	});
});
