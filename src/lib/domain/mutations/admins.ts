import * as z from 'zod/mini';
import { OK, reject } from './result';
import { define, email } from './define';
import { personActionRefusal } from './permissions';

/** Co-owners and billing admins (R2): only the owner adds or removes them (R8 keeps the owner). */
export const adminMutators = {
	addCoOwner: define({
		args: z.object({ email, role: z._default(z.enum(['co-owner', 'billing']), 'co-owner') }),
		area: 'co-owners',
		ownerOnly: true,
		async apply(store, { email, role }) {
			const account = await store.findAccount(email);
			// R2: one answer whether or not the email has an account anywhere, so it tells nothing.
			if (!account) {
				return reject(
					'NOT_FOUND',
					`${email} has no license in this enterprise. Admins are licensed users: invite them from Licenses first, then add them here once they have accepted.`
				);
			}
			const before = await store.adminRole(email);
			if (before === 'owner') return reject('ALREADY_EXISTS', `${email} is the owner already.`);
			if (before === role) return OK;
			await store.setAdminRole(account, role);
			await store.audit('addCoOwner', email, before ? { role: before } : null, { role });
			return OK;
		}
	}),
	removeCoOwner: define({
		args: z.object({ email }),
		area: 'co-owners',
		ownerOnly: true,
		async apply(store, { email }, ctx) {
			const before = await store.adminRole(email);
			if (!before || before === 'member') return OK;
			const account = await store.findAccount(email);
			// R8: the owner keeps every right; nobody removes their own role (the list asks the same).
			const refused = personActionRefusal(ctx, 'removeAdmin', {
				userID: account?.id,
				email,
				role: before
			});
			if (refused) return reject(refused.code, refused.message);
			await store.removeAdminRole(email);
			await store.audit('removeCoOwner', email, { role: before }, null);
			return OK;
		}
	})
};
