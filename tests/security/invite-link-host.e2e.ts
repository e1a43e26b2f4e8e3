import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { startServer, type Server } from './support/server';
import { startSmtp, type TestSmtp } from '../support/smtp';

// Invite link poisoning: an admin's console reaches Roster under a name the attacker controls (a
// DNS name pointed at the server, a hostile proxy, a forged Host header). If the invite email's
// link took its address from the request, the invitee would get a genuine email whose link hands
// the invite secret (and the password they choose) to the attacker's site. Links in invite
// emails come only from ORIGIN; without ORIGIN, no invite email is sent at all (the console still
// shows the copyable link, and the server says at start why).

const OWNER = 'owner@mailco.test';
const EVIL = 'evil.example';

let smtp: TestSmtp;

test.beforeAll(async () => {
	smtp = await startSmtp('127.0.0.8');
});
test.afterAll(async () => {
	await smtp?.close();
});

/** Sends a JSON request to the server with a forged Host; the status and the parsed body. */
function send(
	server: Server,
	path: string,
	body: unknown,
	headers: Record<string, string> = {}
): Promise<{ status: number; body: unknown; cookie: string | undefined }> {
	const target = new URL(server.url);
	const text = JSON.stringify(body);
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			{
				host: target.hostname,
				port: target.port,
				path,
				method: 'POST',
				headers: {
					host: EVIL,
					origin: `http://${EVIL}`,
					'content-type': 'application/json',
					'content-length': Buffer.byteLength(text),
					...headers
				}
			},
			(res) => {
				let answer = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => (answer += chunk));
				res.on('end', () => {
					let parsed: unknown = answer;
					try {
						parsed = JSON.parse(answer);
					} catch {
						// not JSON: keep the text
					}
					const setCookie = res.headers['set-cookie']?.[0];
					resolve({
						status: res.statusCode ?? 0,
						body: parsed,
						cookie: setCookie?.split(';')[0]
					});
				});
			}
		);
		req.on('error', reject);
		req.end(text);
	});
}

for (const origin of [undefined, 'configured'] as const) {
	test(`a forged Host cannot put its address in an invite email (${origin ? 'ORIGIN set' : 'ORIGIN unset'})`, async () => {
		test.setTimeout(120_000);
		const server = await startServer({
			database: 'sqlite',
			// startServer sets ORIGIN to the server's own URL; undefined unsets it.
			env: {
				SMTP_URL: smtp.url,
				MAIL_FROM: 'Roster <roster@mailco.test>',
				...(origin ? {} : { ORIGIN: undefined })
			}
		});
		try {
			server.seed(['--enterprise', 'Mailco', '--users', '2', '--seats', '5']);
			const signedIn = await send(
				server,
				'/api/auth/login',
				{ email: OWNER, password: 'roster-demo' },
				origin ? { host: new URL(server.url).host, origin: server.url } : {}
			);
			expect(signedIn.status, 'the owner signs in').toBe(200);
			const cookie = signedIn.cookie!;
			const owner = await server.signIn(OWNER, 'roster-demo');
			const me = (await (await owner.get('/api/me')).json()) as {
				enterprises: { id: string }[];
			};
			const enterpriseID = me.enterprises[0]!.id;
			const invitee = `victim.${Date.now()}@elsewhere.test`;
			const inviteID = randomUUID();
			const clientID = randomUUID();
			const pushed = await send(
				server,
				'/api/sync/push',
				{
					enterpriseID,
					clientGroupID: clientID,
					clientID,
					mutations: [
						{ id: 1, name: 'inviteUser', args: { inviteID, email: invitee }, createdAt: Date.now() }
					]
				},
				{ cookie }
			);
			expect(pushed.status, 'the push answers without a server error').toBe(200);

			// The invite is on the server; its email, if any, was queued in the same transaction.
			const db = new Database(join(server.env.DATA_DIR!, 'roster.db'), { readonly: true });
			try {
				const invite = db.prepare('select id from invites where id = ?').get(inviteID);
				expect(invite, 'the invite was saved').toBeTruthy();
				const queued = db
					.prepare('select link_origin from mail_queue where invite_id = ?')
					.all(inviteID) as { link_origin: string }[];
				if (origin) {
					expect(queued.map((r) => r.link_origin)).toEqual([server.url]);
				} else {
					// ORIGIN unset: no invite email at all (the console shows the link to copy instead).
					expect(queued).toEqual([]);
				}
			} finally {
				db.close();
			}
			if (origin) {
				const mail = await smtp.next(invitee, 30_000);
				const text = `${mail.text ?? ''} ${mail.html || ''}`;
				expect(text).toContain(`${server.url}/invite/`);
				expect(text).not.toContain(EVIL);
			}
			expect(
				smtp.messages.some((m) => `${m.text ?? ''}${m.html || ''}`.includes(EVIL)),
				'no email carries the forged address'
			).toBe(false);
			// The copyable link still works for the admin (shown to them, never emailed).
			const copied = await owner.post(`/api/enterprises/${enterpriseID}/invites/${inviteID}/link`);
			expect(copied.status()).toBe(200);
			// And the server said at start why no invite email goes out.
			if (!origin) expect(server.output()).toContain('invite emails are not sent');
		} finally {
			await server.stop();
		}
	});
}
