import { createContext } from 'svelte';
import { DEFAULT_THRESHOLDS, type ActivityThresholds } from '../domain/activity';
import { distinctUnmanagedCount } from '../domain/domains';
import { inviteCounts, isPendingInvite } from '../domain/seats';
import type { TeamOrgRole } from '../domain/entities';
import { FeatureState, type Loading } from './feature-state.svelte';
import { LicenseList } from './license-list/license-list.svelte';
import { mirrorSeatUsage } from './roster';

/**
 * Licenses (R5–R8, R15, R20): the seat meter's figures, the licensed users, the unmanaged count and
 * the activity thresholds, all from the mirror so queued changes show at once, offline too.
 */
export class LicensesState extends FeatureState {
	/** Seats bought, used by licenses and by pending invites. */
	readonly seats = this.live((db) => mirrorSeatUsage(db));

	/** R15, each person once: from the mirror's per-domain counts, so it is known offline too. */
	readonly unmanaged = this.live(async (db) => distinctUnmanagedCount(await db.domains.toArray()));

	/** The licensed users, searched, sorted and windowed in the list worker (only the rows on screen reach the page). */
	readonly list = new LicenseList(this.sync);

	/** The enterprise's activity thresholds (R20 decision), the defaults until an owner sets them. */
	readonly thresholds = this.live(async (db): Promise<ActivityThresholds> => {
		const enterprise = await db.enterprise.toCollection().first();
		return {
			activeDays: enterprise?.activeDays ?? DEFAULT_THRESHOLDS.activeDays,
			naAfterDays: enterprise?.naAfterDays ?? DEFAULT_THRESHOLDS.naAfterDays
		};
	});

	/** When this device's copy last matched the server, and the thresholds the report applies. */
	readonly reportCopy = this.live(async (db) => {
		const [synced, enterprise] = await Promise.all([
			db.meta.get('syncedAt'),
			db.enterprise.toCollection().first()
		]);
		return {
			syncedAt: (synced?.value as number | undefined) ?? null,
			activeDays: enterprise?.activeDays ?? DEFAULT_THRESHOLDS.activeDays,
			naAfterDays: enterprise?.naAfterDays ?? DEFAULT_THRESHOLDS.naAfterDays
		};
	});

	/**
	 * Active users in the last 7 and 30 days and the active period, in whole UTC days as the report
	 * counts them (one pass over the Last Active column; NaN = never, never counted).
	 */
	readonly active: Loading<{ total: number; windows: { days: number; active: number }[] }> =
		this.list.asked(
			() => String(this.#activeWindows.join()),
			async (api) => {
				const windows = this.#activeWindows;
				const { total, counts } = await api.activeCounts(Date.now(), windows);
				return { total, windows: windows.map((days, k) => ({ days, active: counts[k]! })) };
			}
		);

	get #activeWindows(): number[] {
		const activeDays = this.thresholds.current?.activeDays ?? DEFAULT_THRESHOLDS.activeDays;
		return [...new Set([7, 30, activeDays])].sort((a, b) => a - b);
	}

	/** The mirror's name, which the report worker opens. */
	get mirrorName(): string | null {
		return this.sync.engine?.db.name ?? null;
	}

	/** R7: queued through the mirror, so it works offline and the seat is free at once. */
	removeLicense(user: { id: string; email: string }) {
		return this.run(
			'removeLicense',
			{ userID: user.id },
			{ fail: (m) => `Could not remove the license of ${user.email}. ${m}` }
		);
	}

	/** Saves the activity thresholds (owner and co-owners, offline too). */
	setThresholds(next: ActivityThresholds) {
		return this.run('setActivityThresholds', next, {
			fail: (m) => `Could not save the thresholds: ${m}`,
			ok: 'Saved. The report and the charts use the new thresholds.'
		});
	}
}

/** An invite link the server made, to copy and send. */
interface SharedLink {
	email: string;
	url: string;
	copied: boolean;
}

/** Pending invites (R5): resend, change the role, revoke, and a link to copy. */
export class InvitesState extends FeatureState {
	#shared = $state<{ engine: unknown; link: SharedLink } | null>(null);

	/**
	 * The link the server made for an invite, shown until the admin is done with it, and only in
	 * the enterprise it was made for.
	 */
	get shared(): SharedLink | null {
		return this.#shared?.engine === this.sync.engine ? this.#shared.link : null;
	}
	set shared(link: SharedLink | null) {
		this.#shared = link ? { engine: this.sync.engine, link } : null;
	}
	/** The invite whose link is being made. */
	linking = $state<string | null>(null);

	/** R5: an expired invite frees its seat; it is listed after the pending ones so it can be resent. */
	readonly list = this.live(async (db) => {
		const now = Date.now();
		return (await db.invites.toArray()).sort(
			(a, b) =>
				Number(!isPendingInvite(a, now)) - Number(!isPendingInvite(b, now)) || b.sentAt - a.sentAt
		);
	});

	/**
	 * Pending and expired invites, counted from `list` itself, so the people list's tab and the
	 * list's own count never disagree (R4: only the pending ones hold seats); null while loading.
	 */
	readonly counts = $derived.by(() => {
		const list = this.list.current;
		return list ? inviteCounts(list, Date.now()) : null;
	});

	/** Invites with a change the server has not confirmed yet. */
	get pendingIDs(): Set<unknown> {
		return new Set(this.pending.map((p) => (p.args as { inviteID?: unknown } | null)?.inviteID));
	}

	override clear(): void {
		super.clear();
		this.shared = null;
	}

	changeRole(inviteID: string, role: TeamOrgRole) {
		return this.run('changeInviteRole', { inviteID, role });
	}

	resend(inviteID: string) {
		return this.run('resendInvite', { inviteID });
	}

	revoke(inviteID: string) {
		return this.run('revokeInvite', { inviteID });
	}

	// The server makes the link (only its hash is stored), so it needs the invite synced and a network.
	async copyLink(enterpriseID: string, invite: { id: string; email: string }): Promise<void> {
		this.message = '';
		this.linking = invite.id;
		try {
			const res = await fetch(
				`/api/enterprises/${encodeURIComponent(enterpriseID)}/invites/${encodeURIComponent(invite.id)}/link`,
				{ method: 'POST' }
			);
			const body = await res.json().catch(() => ({}));
			if (!res.ok) {
				this.message = `Could not make a link for ${invite.email}: ${body.message ?? `the server answered ${res.status}`}.`;
				return;
			}
			let copied = false;
			try {
				await navigator.clipboard.writeText(body.url);
				copied = true;
			} catch {
				// No clipboard permission: the link is shown to copy by hand.
			}
			this.shared = { email: invite.email, url: body.url, copied };
		} catch {
			this.message = `Could not make a link for ${invite.email}: you are offline. Try again once you are back online.`;
		} finally {
			this.linking = null;
		}
	}
}

/** Provides and reads the licenses state of the enterprise's pages. */
export const [getLicenses, setLicenses] = createContext<LicensesState>();
/** Provides and reads the pending invites state of the enterprise's pages. */
export const [getInvites, setInvites] = createContext<InvitesState>();
