/** One email's subject and bodies. */
export interface MailMessage {
	subject: string;
	text: string;
	html: string;
}

function escapeHTML(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(paragraphs: string[], link: string, action: string): string {
	const body = paragraphs.map((p) => `<p>${escapeHTML(p)}</p>`).join('\n');
	return `<!doctype html>
<html lang="en"><body style="font-family: system-ui, sans-serif; line-height: 1.5">
${body}
<p><a href="${escapeHTML(link)}">${escapeHTML(action)}</a></p>
<p style="color: #555">Or open this address: ${escapeHTML(link)}</p>
</body></html>`;
}

/** The invite email (R5): who invites, to what, and the link that accepts it. */
export function inviteMessage(input: {
	enterpriseName: string;
	link: string;
	expiresAt: number;
}): MailMessage {
	const until = new Date(input.expiresAt).toISOString().slice(0, 10);
	const paragraphs = [
		`You are invited to join ${input.enterpriseName} on Roster.`,
		`Accepting gives you a license for ${input.enterpriseName}. The invite works until ${until} (UTC).`
	];
	return {
		subject: `You are invited to join ${input.enterpriseName}`,
		text: `${paragraphs.join('\n\n')}\n\nAccept the invite: ${input.link}\n`,
		html: html(paragraphs, input.link, 'Accept the invite')
	};
}

/** The password reset email: the single-use link and how long it works. */
export function resetMessage(input: { link: string; validMinutes: number }): MailMessage {
	const paragraphs = [
		'Someone asked to reset the password of your Roster account.',
		`The link below works once, for ${input.validMinutes} minutes. Resetting signs you out everywhere. If you did not ask for this, ignore this email: your password stays as it is.`
	];
	return {
		subject: 'Reset your Roster password',
		text: `${paragraphs.join('\n\n')}\n\nReset your password: ${input.link}\n`,
		html: html(paragraphs, input.link, 'Reset your password')
	};
}
