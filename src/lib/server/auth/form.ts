import { redirect } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '../db';
import { safeNext } from './next';
import { mayGoOnTo } from './reach';
import { plural } from '../../domain/text';

/** What the sign-in, reset and invite pages say when the posted body is not a form. */
export const FORM_UNREADABLE = 'The form could not be read. Reload the page and try again.';

/** The posted form, or null when the body cannot be read as one. */
export async function readForm(request: Request): Promise<FormData | null> {
	try {
		return await request.formData();
	} catch {
		return null;
	}
}

/** A form field as text: '' when it is missing. */
export function field(form: FormData, name: string): string {
	return String(form.get(name) ?? '');
}

/** A work email as the sign-in pages take it. */
export const emailSchema = z
	.string()
	.trim()
	.min(1, 'Enter your work email.')
	.max(320)
	.pipe(z.email('Enter your work email, like name@company.com.'));

/** "N minutes" (or "1 minute"): how long to wait, rounded up to whole minutes. */
export function minutesToWait(seconds: number): string {
	return plural(Math.ceil(seconds / 60), 'minute');
}

/**
 * The sign-in pages' load: signed in already, on to `next`, unless this session may not act there
 * (then sign in again).
 */
export async function goOnIfSignedIn({ locals, url }: { locals: App.Locals; url: URL }) {
	const next = safeNext(url.searchParams.get('next'), url.origin);
	if (locals.user && (await mayGoOnTo(getDb(), locals.user, locals.sessionOrigin, next))) {
		redirect(303, next);
	}
	return {};
}
