import { createContext } from 'svelte';
import { rejectionPage } from '../domain/mutations/describe';
import { FeatureState } from './feature-state.svelte';
import { plural } from '../domain/text';

const ORDER = { owner: 0, 'co-owner': 1, billing: 2 };

/** The enterprise's owner, co-owners and billing admins (R2), and the owner's changes to them. */
export class AdminsState extends FeatureState {
	/** Owner first, then co-owners, then billing admins, each by email. */
	readonly list = this.live(async (db) =>
		(await db.admins.toArray()).sort(
			(a, b) => ORDER[a.role] - ORDER[b.role] || a.email.localeCompare(b.email)
		)
	);

	/** Emails of admins with an addition or removal the server has not confirmed yet. */
	get pendingEmails(): Set<string> {
		return new Set(
			this.pending
				.filter((p) => p.name === 'addCoOwner' || p.name === 'removeCoOwner')
				.map((p) => String((p.args as { email?: string } | null)?.email ?? '').toLowerCase())
		);
	}

	/**
	 * Admin changes the server refused once synced (an email without a license here, the owner…):
	 * told on this page, where the admin made them, each with its email and the server's words.
	 */
	get refusals(): { mutationID: number; email: string; message: string }[] {
		return this.sync.rejections
			.filter((r) => rejectionPage(r.name) === 'co-owners')
			.map((r) => ({
				mutationID: r.mutationID,
				email: String((r.args as { email?: unknown } | null)?.email ?? ''),
				message: r.message
			}));
	}

	/** Forgets a refused change once the admin has read it. */
	async dismiss(mutationID: number): Promise<void> {
		await this.sync.engine?.discard(mutationID);
	}

	add(email: string, role: 'co-owner' | 'billing') {
		return this.run('addCoOwner', { email, role });
	}

	remove(email: string) {
		return this.run('removeCoOwner', { email });
	}

	/** Signs an admin out everywhere (a lost laptop, someone leaving); needs the server. */
	async endSessions(enterpriseID: string, admin: { email: string; userID: string }): Promise<void> {
		this.clear();
		try {
			const res = await fetch(
				`/api/enterprises/${enterpriseID}/admins/${encodeURIComponent(admin.userID)}/sessions`,
				{ method: 'DELETE' }
			);
			const body = (await res.json().catch(() => null)) as {
				ended?: number;
				message?: string;
			} | null;
			if (!res.ok) this.message = body?.message ?? `The server answered ${res.status}. Try again.`;
			else
				this.done = `${admin.email} is signed out everywhere (${plural(body?.ended ?? 0, 'session')} ended).`;
		} catch {
			this.message = 'Ending sessions needs a connection to the server. Reconnect and try again.';
		}
	}
}

/** Provides and reads the admins state of the enterprise's pages. */
export const [getAdmins, setAdmins] = createContext<AdminsState>();
