/**
 * Whether reloading the page now would lose or interrupt an admin's work. An update waits for
 * this (R18: never reload under unsynced work): a push in flight, a form with unsaved input, or a
 * hold some component took with `holdReload`.
 */

type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

const holds = new Map<symbol, string>();
const touched = new Set<Field>();
const baseline = new WeakMap<Field, string>();

/** Keeps the app from reloading (for an update) until the returned release function is called. */
export function holdReload(reason: string): () => void {
	const key = Symbol(reason);
	holds.set(key, reason);
	return () => holds.delete(key);
}

/**
 * Whether any tab is pushing or pulling right now. The sync engine runs each push and pull under
 * the Web Lock `<mirror>:push`, so a held lock with that suffix is a sync in flight.
 */
export async function syncInFlight(): Promise<boolean> {
	const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
	if (!locks?.query) return false;
	const { held = [] } = await locks.query();
	return held.some((lock) => lock.name?.endsWith(':push'));
}

function asField(target: EventTarget | null): Field | null {
	if (
		!(target instanceof HTMLInputElement) &&
		!(target instanceof HTMLTextAreaElement) &&
		!(target instanceof HTMLSelectElement)
	) {
		return null;
	}
	// Only what an admin is typing into a form counts: a search box or a stand-alone select holds
	// nothing that a reload would lose.
	if (!target.form || target.closest('[role="search"], [data-reload-safe]')) return null;
	if (
		target instanceof HTMLInputElement &&
		['search', 'hidden', 'button', 'submit', 'reset'].includes(target.type)
	) {
		return null;
	}
	return target;
}

function valueOf(field: Field): string {
	if (field instanceof HTMLInputElement && (field.type === 'checkbox' || field.type === 'radio')) {
		return String(field.checked);
	}
	return field.value;
}

/**
 * Starts noticing what the admin types into forms: a field is unsaved once its value differs from
 * what it held when first focused, until its form is submitted or reset, or it leaves the page.
 * Returns the function that stops watching.
 */
export function watchUnsavedInput(root: Document): () => void {
	const onFocus = (event: Event) => {
		const field = asField(event.target);
		if (field && !baseline.has(field)) baseline.set(field, valueOf(field));
	};
	const onInput = (event: Event) => {
		const field = asField(event.target);
		if (!field) return;
		if (!baseline.has(field)) {
			baseline.set(field, field instanceof HTMLSelectElement ? '' : field.defaultValue);
		}
		touched.add(field);
	};
	const onDone = (event: Event) => {
		for (const field of touched) {
			if (field.form === event.target) {
				touched.delete(field);
				baseline.delete(field);
			}
		}
	};
	root.addEventListener('focusin', onFocus, true);
	root.addEventListener('input', onInput, true);
	root.addEventListener('change', onInput, true);
	root.addEventListener('submit', onDone, true);
	root.addEventListener('reset', onDone, true);
	return () => {
		root.removeEventListener('focusin', onFocus, true);
		root.removeEventListener('input', onInput, true);
		root.removeEventListener('change', onInput, true);
		root.removeEventListener('submit', onDone, true);
		root.removeEventListener('reset', onDone, true);
	};
}

/** The accessible name of the first form field with unsaved input, or null when there is none. */
export function unsavedInput(): string | null {
	for (const field of touched) {
		if (!field.isConnected) {
			touched.delete(field);
			continue;
		}
		if (valueOf(field) === baseline.get(field)) continue;
		return nameOf(field);
	}
	return null;
}

function nameOf(field: Field): string {
	const aria = field.getAttribute('aria-label');
	if (aria) return aria;
	const label = field.labels?.[0];
	if (label) {
		// The label may wrap the control itself (and a select's options): keep only its own words.
		const copy = label.cloneNode(true) as HTMLElement;
		for (const control of copy.querySelectorAll('input, select, textarea')) control.remove();
		const text = copy.textContent?.replace(/\s+/g, ' ').trim();
		if (text) return text;
	}
	return field.form?.getAttribute('aria-label') ?? 'a form';
}

/**
 * Why the page must not reload now, in words for the update prompt, or null when reloading is safe.
 */
export async function reloadBlocker(): Promise<string | null> {
	const held = holds.values().next();
	if (!held.done) return held.value;
	const field = unsavedInput();
	if (field) return `Finish or clear “${field}” first`;
	if (await syncInFlight()) return 'Waiting for changes to finish syncing';
	return null;
}
