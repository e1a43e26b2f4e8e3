import { liveQuery } from 'dexie';
import { RosterDB } from '../db';
import { baseIndexOf, generationToken, loadRosterBase, type RosterBase } from '../roster';
import { LicenseIndex, type ListQuery, type ListWindow } from './license-index';

/** Told after each change of the mirror's licensed users has been applied (the page asks again). */
export type ListChanged = (version: number) => void;

/**
 * The licensed-user list over a mirror, as the list worker exposes it (and, for a baseline, as the
 * page can run it itself): it opens the mirror by name, follows its licenses through a live query
 * (a pull, a queued change, another tab), keeps a `LicenseIndex` up to date and answers windows,
 * the ids of all matches and the active-user counts. Only what is asked for crosses to the page.
 */
export function createLicenseListApi() {
	let db: RosterDB | null = null;
	let stop: (() => void) | null = null;
	let index = new LicenseIndex();
	let base: RosterBase | null = null;
	let version = 0;
	let ready: Promise<void> = new Promise(() => undefined);

	function close() {
		stop?.();
		stop = null;
		db?.close();
		db = null;
		base = null;
		index = new LicenseIndex();
		ready = new Promise(() => undefined);
	}

	const api = {
		/** Opens the mirror named `mirror` and follows it; resolves once the list is loaded. */
		async open(mirror: string, onChange: ListChanged): Promise<void> {
			close();
			const opened = new RosterDB(mirror);
			db = opened;
			const mine = index;
			let settle: (error?: unknown) => void = () => undefined;
			ready = new Promise<void>((resolve, reject) => {
				settle = (error) => (error === undefined ? resolve() : reject(error));
			});
			let applying = Promise.resolve();
			const apply = async ({ gen, token, edit, overlay }: Awaited<ReturnType<typeof read>>) => {
				try {
					const held = base;
					if (!held || held.gen !== gen || held.token !== token || held.edit !== edit) {
						const fresh = await loadRosterBase(opened);
						if (index !== mine) return;
						// Same generation (its token, not its number: numbers are reused after a clear):
						// only Last Active moved, so the base's text and ids stay.
						const columns = held && held.token === fresh.token ? held : fresh;
						base = fresh;
						index.setBase(
							{
								ids: columns.ids,
								emails: columns.emails,
								names: columns.names,
								lastActive: fresh.lastActive
							},
							(id) => baseIndexOf(fresh, id)
						);
					}
					if (index !== mine) return;
					index.setOverlay(overlay);
					settle();
					onChange(++version);
				} catch (error) {
					settle(error);
				}
			};
			const read = async () => {
				const [gen, token, edit, overlay] = await Promise.all([
					opened.meta.get('rosterGen'),
					opened.meta.get('rosterToken'),
					opened.meta.get('rosterEdit'),
					opened.licenses.toArray()
				]);
				const g = (gen?.value as number | undefined) ?? 0;
				return {
					gen: g,
					token: generationToken(g, token?.value),
					edit: (edit?.value as number | undefined) ?? 0,
					overlay
				};
			};
			const sub = liveQuery(read).subscribe({
				// Applied one after the other, in the order the mirror answered.
				next: (value) => {
					applying = applying.then(() => apply(value));
				},
				error: (error) => settle(error)
			});
			stop = () => sub.unsubscribe();
			await ready;
		},

		/** The list's rows [from, to) for `q`, with the totals (waits for the list to load). */
		async window(
			q: ListQuery,
			from: number,
			to: number
		): Promise<ListWindow & { version: number }> {
			await ready;
			return { ...index.window(q, from, to), version };
		},

		/** The ids of every licensed user `q` matches ("select all matching"). */
		async matchingIDs(q: ListQuery): Promise<string[]> {
			await ready;
			return index.matchingIDs(q);
		},

		/** Licensed users in all, and active within each of `windows` days as of `now` (R20). */
		async activeCounts(now: number, windows: number[]) {
			await ready;
			return index.activeCounts(now, windows);
		},

		/** Stops following the mirror and lets it go. */
		close(): void {
			close();
		}
	};
	return api;
}

/** The list's API, as the page calls it (through the worker, or in the page itself). */
export type LicenseListApi = ReturnType<typeof createLicenseListApi>;
