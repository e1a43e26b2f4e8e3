/** Seat usage of an enterprise (R4). */
export interface SeatUsage {
	purchased: number;
	licensed: number;
	pendingInvites: number;
	used: number;
	free: number;
}

/** Seats used = licensed users + pending invites; free = purchased − used, never below zero (R4). */
export function seatUsage(purchased: number, licensed: number, pendingInvites: number): SeatUsage {
	const used = licensed + pendingInvites;
	return { purchased, licensed, pendingInvites, used, free: Math.max(0, purchased - used) };
}

/** Whether an invite still holds a seat at `now`: sent, not yet expired (R4, R5). */
export function isPendingInvite(invite: { expiresAt: number }, now: number): boolean {
	return invite.expiresAt > now;
}

/**
 * Pending and expired invites among `invites` at `now` (R5): the one count the people list's tab,
 * the list itself and the seat meter show.
 */
export function inviteCounts(
	invites: readonly { expiresAt: number }[],
	now: number
): { pending: number; expired: number } {
	const pending = invites.filter((i) => isPendingInvite(i, now)).length;
	return { pending, expired: invites.length - pending };
}

/** Days an invite stays pending before it expires and frees its seat (R5). */
export const INVITE_TTL_DAYS = 30;

/** When an invite sent at `sentAt` (epoch ms) expires (R5). */
export function inviteExpiresAt(sentAt: number): number {
	return sentAt + INVITE_TTL_DAYS * DAY_MS;
}

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** A count as a message shows it: digits grouped by thousands ("1,001"). */
export function count(n: number): string {
	return n.toLocaleString('en-US');
}

/** Most people one bulk change names (licenses removed, people added to a team); the console sends larger selections as several changes. */
export const MAX_BULK_PEOPLE = 1000;
