/** A control character (Unicode Cc: C0, DEL, C1), NUL included; PostgreSQL cannot store NUL. */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** Whether a string holds a control character (R26: names, emails, domains and ids never do). */
export function hasControlCharacter(value: string): boolean {
	return CONTROL_CHARACTER.test(value);
}

/** What a field with a control character is told (R26), after its name. */
export const NO_CONTROL_CHARACTERS =
	'must not contain control characters (line breaks, tabs or other invisible codes)';

/** Replaces every control character with U+FFFD, for text the server keeps but did not validate. */
export function withoutControlCharacters(value: string): string {
	return value.replace(/\p{Cc}/gu, '\uFFFD');
}

/**
 * What makes two team or organization names the same (R26): compared after trimming, without
 * case, and with compatible Unicode forms (a full-width "Ｐｌａｔｆｏｒｍ" is "platform"). Browser
 * and server compute it the same way; the database keeps it, unique per enterprise.
 */
export function nameKey(name: string): string {
	return name.trim().normalize('NFKC').toLowerCase();
}

const PLURAL = new Intl.PluralRules('en-US');

/** A count with its noun in the right number: `plural(1, 'minute')` is "1 minute", 15 "15 minutes". */
export function plural(n: number, one: string, other = `${one}s`): string {
	return `${n.toLocaleString('en-US')} ${PLURAL.select(n) === 'one' ? one : other}`;
}

/** How long ago `at` was at `now`, in words: "just now", "3 minutes ago", "2 hours ago", "1 day ago". */
export function timeAgo(at: number, now: number): string {
	const minutes = Math.floor((now - at) / 60_000);
	if (minutes < 1) return 'just now';
	if (minutes < 60) return `${plural(minutes, 'minute')} ago`;
	const hours = Math.floor(minutes / 60);
	if (hours < 24) return `${plural(hours, 'hour')} ago`;
	return `${plural(Math.floor(hours / 24), 'day')} ago`;
}

/**
 * A message as the start of a sentence: its first word capitalised, unless that word is an email,
 * a domain or a name as typed ("x@acme.test already has a license" stays as it is).
 */
export function sentence(message: string): string {
	return /^[a-z]+(?=[\s,:;—–-]|$)/.test(message)
		? message[0]!.toUpperCase() + message.slice(1)
		: message;
}
