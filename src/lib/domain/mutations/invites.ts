import * as z from 'zod/mini';
import { count, inviteExpiresAt, seatUsage } from '../seats';
import { OK, reject } from './result';
import { define, id, seatCheck } from './define';

/** Most seats an enterprise can hold: a sanity bound on input, far above any real purchase. */
export const MAX_SEATS = 10_000_000;

/** Pending invites after they are sent (R5) and the purchased seat count (R4, R6). */
export const inviteMutators = {
	resendInvite: define({
		args: z.object({ inviteID: id }),
		area: 'licenses',
		async apply(store, { inviteID }, ctx) {
			const invite = await store.getInvite(inviteID);
			if (!invite) return reject('NOT_FOUND', 'the invite was revoked or accepted meanwhile');
			// R5: an expired invite freed its seat; sending it again takes one.
			if (invite.expiresAt <= ctx.now) {
				const { noSeat } = await seatCheck(store, 1, ctx.now);
				if (noSeat) return noSeat;
			}
			const resent = { ...invite, sentAt: ctx.now, expiresAt: inviteExpiresAt(ctx.now) };
			await store.putInvite(resent);
			await store.audit(
				'resendInvite',
				invite.email,
				{ expiresAt: invite.expiresAt },
				{ expiresAt: resent.expiresAt }
			);
			return OK;
		}
	}),
	changeInviteRole: define({
		args: z.object({ inviteID: id, role: z.enum(['admin', 'member']) }),
		area: 'licenses',
		async apply(store, { inviteID, role }, ctx) {
			const invite = await store.getInvite(inviteID);
			if (!invite || invite.expiresAt <= ctx.now)
				return reject('NOT_FOUND', 'the invite is no longer pending');
			if (invite.role === role) return OK;
			await store.putInvite({ ...invite, role });
			await store.audit('changeInviteRole', invite.email, { role: invite.role }, { role });
			return OK;
		}
	}),
	revokeInvite: define({
		args: z.object({ inviteID: id }),
		area: 'licenses',
		async apply(store, { inviteID }) {
			const invite = await store.getInvite(inviteID);
			// Revoking what is gone is the outcome the admin wanted.
			if (!invite) return OK;
			// R5: the seat is free at once and the invite disappears from every list.
			await store.deleteInvite(inviteID);
			await store.audit('revokeInvite', invite.email, invite, null);
			return OK;
		}
	}),
	setSeatCount: define({
		args: z.object({
			seats: z
				.int('seats must be a whole number')
				.check(
					z.minimum(1, 'seats must be at least 1'),
					z.maximum(MAX_SEATS, `seats must be at most ${MAX_SEATS.toLocaleString('en-US')}`)
				)
		}),
		area: 'seats',
		async apply(store, { seats }, ctx) {
			const [before, counts] = await Promise.all([store.seats(), store.seatCounts(ctx.now)]);
			const usage = seatUsage(before, counts.licensed, counts.pendingInvites);
			if (seats < usage.used) {
				return reject(
					'SEATS_IN_USE',
					`${count(usage.used)} seats are in use (${count(counts.licensed)} licensed, ${count(counts.pendingInvites)} pending invites); remove licenses or revoke invites before going below that`,
					{ used: usage.used, requested: seats }
				);
			}
			if (seats === before) return OK;
			await store.setSeats(seats);
			await store.audit('setSeatCount', 'seats', { seats: before }, { seats });
			return OK;
		}
	})
};
