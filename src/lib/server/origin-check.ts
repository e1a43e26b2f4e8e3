import { json, type Handle } from '@sveltejs/kit';
import { dev } from '$app/environment';

// Roster's own cross-site form check, in place of SvelteKit's (`csrf.trustedOrigins` in
// svelte.config.js turns that one off): the same rule — a POST, PUT, PATCH or DELETE with a form
// content type whose Origin is not this app's origin is refused with 403 — but the answer says why
// and what to set, instead of SvelteKit's bare text (which, after a sign-in, looked like the page
// simply reloading).

const FORM_TYPES = new Set([
	'application/x-www-form-urlencoded',
	'multipart/form-data',
	'text/plain',
	// SvelteKit's own form data type (remote functions), as kit's check has it
	'application/x-sveltekit-formdata'
]);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isFormContentType(request: Request): boolean {
	const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase();
	return FORM_TYPES.has(type ?? '');
}

/** What went wrong and what to do, in plain words (a line each). */
export function explainOriginMismatch(
	sentFrom: string | null,
	expected: string,
	originSet: boolean
): string[] {
	const from = sentFrom && sentFrom !== 'null' ? sentFrom : null;
	const lines = [
		from
			? `This form was sent from ${from}, but Roster is set up for ${expected}.`
			: `The browser did not say which site this form was sent from, and Roster only accepts forms from ${expected}.`
	];
	if (originSet) {
		lines.push(
			`Open Roster at ${expected} and try again.`,
			from
				? `If ${from} is the right address, whoever runs Roster should set ORIGIN=${from}, or unset ORIGIN so Roster accepts the address it is reached at.`
				: 'Whoever runs Roster can unset ORIGIN so Roster accepts the address it is reached at.'
		);
	} else {
		lines.push(
			`Open Roster at ${expected} and try again.`,
			'If Roster runs behind a proxy, whoever runs it should set ORIGIN to the address people open (for example ORIGIN=https://roster.example.com), or PROTOCOL_HEADER and HOST_HEADER to the headers the proxy sets.'
		);
	}
	return lines;
}

function escapeHTML(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(lines: string[]): Response {
	const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in refused · Roster</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 12vh auto; padding: 0 1.5rem; line-height: 1.5">
<h1>This form came from another address</h1>
${lines.map((line) => `<p>${escapeHTML(line)}</p>`).join('\n')}
</body>
</html>
`;
	return new Response(body, {
		status: 403,
		headers: {
			'content-type': 'text/html; charset=utf-8',
			// Nothing on this page loads anything; its one style attribute is allowed by hash.
			'content-security-policy': `default-src 'none'; style-src 'unsafe-hashes' 'sha256-${STYLE_HASH}'; frame-ancestors 'none'`
		}
	});
}

// sha256 (base64) of the body's style attribute above.
const STYLE_HASH = 'RlSwOv3o5+wfH5FZqqfxuX6EHOBDe3q7G+cP9vOn73c=';

export const originCheck: Handle = async ({ event, resolve }) => {
	const { request, url } = event;
	// As SvelteKit's own check: Vite's dev server is not checked.
	if (dev || !UNSAFE.has(request.method) || !isFormContentType(request)) return resolve(event);
	const sentFrom = request.headers.get('origin');
	if (sentFrom === url.origin) return resolve(event);
	const lines = explainOriginMismatch(sentFrom, url.origin, Boolean(process.env.ORIGIN));
	const message = lines.join(' ');
	if (url.pathname.startsWith('/api/')) {
		return json({ error: 'crossSiteForm', message }, { status: 403 });
	}
	if (request.headers.get('x-sveltekit-action') === 'true') {
		// A form sent by `use:enhance` reads an action result: a failure the page shows as its message
		// (the data is devalue's encoding of `{ message }`).
		return json(
			{ type: 'failure', status: 403, data: JSON.stringify([{ message: 1 }, message]) },
			{ status: 403 }
		);
	}
	return page(lines);
};
