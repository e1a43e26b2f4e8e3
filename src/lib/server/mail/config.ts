import nodemailer, { type Transporter } from 'nodemailer';
import { log } from '../log';

/** How Roster sends email, from the environment; null when email is off (the default). */
export interface MailConfig {
	/** An SMTP URL as nodemailer takes it: `smtp://user:pass@host:587`, `smtps://…:465`. */
	url: string;
	/** The From address, e.g. `Roster <roster@example.com>`. */
	from: string;
}

/** Reads SMTP_URL and MAIL_FROM; without SMTP_URL email is off. */
export function mailConfig(env: NodeJS.ProcessEnv = process.env): MailConfig | null {
	const url = env.SMTP_URL?.trim();
	if (!url) return null;
	const from = env.MAIL_FROM?.trim() || `Roster <roster@${hostOf(url)}>`;
	return { url, from };
}

function hostOf(url: string): string {
	try {
		return new URL(url).hostname || 'localhost';
	} catch {
		return 'localhost';
	}
}

/** Whether this server sends email. */
export function mailEnabled(): boolean {
	return mailConfig() !== null;
}

/**
 * Where links in emails point: ORIGIN, when email is on and ORIGIN is set; otherwise null, and no
 * email with a link is sent. A link must never take its address from a request: a forged Host
 * header (or a name the attacker points at the server) would send the invitee or the account
 * owner a link to the attacker's site, and the secret with it.
 */
export function emailLinkOrigin(env: NodeJS.ProcessEnv = process.env): string | null {
	const origin = env.ORIGIN?.trim();
	return mailConfig(env) !== null && origin ? origin.replace(/\/+$/, '') : null;
}

/** Whether passwords can be reset by email: email on and ORIGIN set (see `emailLinkOrigin`). */
export function resetByEmailEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
	return emailLinkOrigin(env) !== null;
}

/** Sends one message; the queue calls it, tests can give their own. */
export type SendMail = (message: {
	to: string;
	subject: string;
	text: string;
	html: string;
}) => Promise<void>;

/** A sender over SMTP with timeouts short enough that a dead server only delays the queue. */
export function smtpSender(config: MailConfig): SendMail {
	const transport: Transporter = nodemailer.createTransport({
		url: config.url,
		connectionTimeout: 10_000,
		greetingTimeout: 10_000,
		socketTimeout: 30_000
	});
	return async (message) => {
		await transport.sendMail({ from: config.from, ...message });
	};
}

/**
 * Where a link shown to a signed-in admin points (a copied invite link): ORIGIN when set,
 * otherwise the address the admin's request came to. Never for a link in an email (see
 * `emailLinkOrigin`).
 */
export function linkOrigin(requestOrigin: string, env: NodeJS.ProcessEnv = process.env): string {
	const origin = env.ORIGIN?.trim();
	return origin ? origin.replace(/\/+$/, '') : requestOrigin;
}

/** Says at start whether email is on, and what to set when it is off. */
export function announceMail(config: MailConfig | null): void {
	if (!config) {
		log(
			'info',
			'email is off: invites are shared by copying their link from the Licenses page and passwords cannot be reset by email; set SMTP_URL (and MAIL_FROM) to send email'
		);
		return;
	}
	log('info', 'email is on', { smtpHost: hostOf(config.url), from: config.from });
	if (!process.env.ORIGIN?.trim()) {
		log(
			'warn',
			'email is on but ORIGIN is not set: invite emails are not sent (admins copy invite links from the Licenses page instead) and passwords cannot be reset by email, because a link in an email must not take its address from a request; set ORIGIN to the address people open'
		);
	}
}
