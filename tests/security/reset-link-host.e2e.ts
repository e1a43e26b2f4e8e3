import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { startServer, type Server } from './support/server';
import { startSmtp, type TestSmtp } from '../support/smtp';

// Password reset poisoning: someone not signed in asks for a reset of the victim's account with a
// forged Host (and an Origin the server takes for its own, so the form passes the cross-site check:
// with ORIGIN set that is ORIGIN; without it, the origin adapter-node builds from the Host, https by
// default). If the emailed link
// took its address from the request, the victim would get a genuine-looking email whose link hands
// the reset secret to the attacker's site. Links in reset emails come only from ORIGIN; without
// ORIGIN, passwords are not reset by email at all.

const VICTIM = 'owner@mailco.test';
const EVIL = 'evil.example';

let smtp: TestSmtp;

test.beforeAll(async () => {
	smtp = await startSmtp('127.0.0.7');
});
test.afterAll(async () => {
	await smtp?.close();
});

/**
 * POSTs the forgot-password form with a forged Host and the given Origin, as `use:enhance` would;
 * the action's status (a failure comes back as HTTP 200 with its status in the body).
 */
function askForReset(server: Server, origin: string): Promise<number> {
	const target = new URL(server.url);
	const body = new URLSearchParams({ email: VICTIM }).toString();
	return new Promise((resolve, reject) => {
		const req = httpRequest(
			{
				host: target.hostname,
				port: target.port,
				path: '/forgot-password',
				method: 'POST',
				headers: {
					host: EVIL,
					origin,
					'content-type': 'application/x-www-form-urlencoded',
					accept: 'application/json',
					'x-sveltekit-action': 'true',
					'content-length': Buffer.byteLength(body)
				}
			},
			(res) => {
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk: string) => (text += chunk));
				res.on('end', () => {
					let status = res.statusCode ?? 0;
					try {
						const result = JSON.parse(text) as { type?: string; status?: number };
						if (result.type === 'failure' && typeof result.status === 'number')
							status = result.status;
					} catch {
						// not an action result: keep the HTTP status
					}
					resolve(status);
				});
			}
		);
		req.on('error', reject);
		req.end(body);
	});
}

for (const origin of [undefined, 'configured'] as const) {
	test(`a forged Host cannot put its address in a reset email (${origin ? 'ORIGIN set' : 'ORIGIN unset'})`, async () => {
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
			const status = await askForReset(server, origin ? server.url : `https://${EVIL}`);
			expect(status, 'the form answers without a server error').toBeLessThan(500);
			if (origin) {
				// ORIGIN set: the email is sent, and its link points at ORIGIN, never at the forged host.
				const mail = await smtp.next(VICTIM, 30_000);
				const text = `${mail.text ?? ''} ${mail.html || ''}`;
				expect(text).toContain(`${server.url}/reset-password/`);
				expect(text).not.toContain('evil.example');
			} else {
				// ORIGIN unset: no reset email at all (the page says to ask whoever runs Roster).
				expect(status).toBe(409);
				// Refused before anything was queued: the queue is empty, so no email can follow.
				const db = new Database(join(server.env.DATA_DIR!, 'roster.db'), { readonly: true });
				try {
					expect(db.prepare('select count(*) as n from mail_queue').get()).toEqual({ n: 0 });
				} finally {
					db.close();
				}
				expect(
					smtp.messages.some((m) => `${m.text ?? ''}${m.html || ''}`.includes('evil.example'))
				).toBe(false);
			}
		} finally {
			await server.stop();
		}
	});
}
