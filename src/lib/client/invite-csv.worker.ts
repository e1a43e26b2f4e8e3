import { expose } from 'comlink';
import { RosterDB } from './db';
import { licenseColumns } from './roster';
import { checkInviteRows, normalizedEmails, readInviteCsv, type InvitePreview } from './invite-csv';

/**
 * The invite file preview in a worker: papaparse reads the file here (`worker: false`, ours is the
 * worker), and the mirror is opened by name so the licensed-user scan never blocks the page.
 */
const api = {
	async preview(file: Blob, mirror: string): Promise<InvitePreview> {
		const raw = readInviteCsv(await file.text());
		if (raw.fileError)
			return checkInviteRows(raw, { teams: [], licensed: new Set(), invited: new Set() });
		const wanted = new Set(normalizedEmails(raw.rows));
		const db = new RosterDB(mirror);
		try {
			const now = Date.now();
			const [teams, invites, columns] = await Promise.all([
				db.teams.toArray(),
				db.invites.filter((i) => i.expiresAt > now).toArray(),
				licenseColumns(db)
			]);
			// One pass over the licensed users, keeping only the emails the file names.
			const licensed = new Set<string>();
			for (const email of columns.emails) {
				const lower = email.toLowerCase();
				if (wanted.has(lower)) licensed.add(lower);
			}
			const invited = new Set(invites.map((i) => i.email.toLowerCase()));
			return checkInviteRows(raw, { teams, licensed, invited });
		} finally {
			db.close();
		}
	}
};

expose(api);

/** The worker's API, for `wrap<InviteCsvWorkerApi>()`. */
export type InviteCsvWorkerApi = typeof api;
