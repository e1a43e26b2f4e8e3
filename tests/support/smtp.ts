import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

/** A real SMTP server on a loopback address that keeps every message it receives, parsed. */
export interface TestSmtp {
	/** The SMTP_URL that reaches it (plain SMTP, no STARTTLS, no auth). */
	url: string;
	messages: ParsedMail[];
	/** While true the server answers every connection with 421 (an outage); messages are lost. */
	down: boolean;
	/** The next message sent to `to` (waits for it), or the one already received and not yet taken. */
	next(to: string, timeoutMs?: number): Promise<ParsedMail>;
	close(): Promise<void>;
}

/** Starts the SMTP server on `host` (127.0.0.6 by default), on a free port. */
export async function startSmtp(host = '127.0.0.6'): Promise<TestSmtp> {
	const taken = new Set<ParsedMail>();
	const waiters: { to: string; resolve: (m: ParsedMail) => void }[] = [];
	const state: TestSmtp = {
		url: '',
		messages: [],
		down: false,
		next(to, timeoutMs = 15_000) {
			const found = state.messages.find((m) => !taken.has(m) && recipients(m).includes(to));
			if (found) {
				taken.add(found);
				return Promise.resolve(found);
			}
			return new Promise((resolve, reject) => {
				const waiter = {
					to,
					resolve: (m: ParsedMail) => {
						clearTimeout(timer);
						taken.add(m);
						resolve(m);
					}
				};
				// A waiter that gave up takes no later message from the next one.
				const timer = setTimeout(() => {
					waiters.splice(waiters.indexOf(waiter), 1);
					reject(new Error(`no email to ${to} within ${timeoutMs} ms`));
				}, timeoutMs);
				waiters.push(waiter);
			});
		},
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onConnect(_session, callback) {
			if (state.down) {
				const err = new Error('service not available') as Error & { responseCode: number };
				err.responseCode = 421;
				return callback(err);
			}
			callback();
		},
		onData(stream, _session, callback) {
			simpleParser(stream)
				.then((mail) => {
					state.messages.push(mail);
					const to = recipients(mail);
					const i = waiters.findIndex((w) => to.includes(w.to));
					if (i >= 0) waiters.splice(i, 1)[0]!.resolve(mail);
					callback();
				})
				.catch((err: Error) => callback(err));
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, host, () => resolve());
	});
	const { port } = server.server.address() as AddressInfo;
	state.url = `smtp://${host}:${port}`;
	return state;
}

/** The addresses a parsed message was sent to. */
export function recipients(mail: ParsedMail): string[] {
	const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
	return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** The first link in a message's text that contains `path` (e.g. `/invite/`). */
export function linkIn(mail: ParsedMail, path: string): string {
	const match = (mail.text ?? '').match(
		new RegExp(`https?://\\S*${path.replace(/\//g, '\\/')}\\S+`)
	);
	if (!match) throw new Error(`no ${path} link in the email:\n${mail.text}`);
	return match[0];
}
