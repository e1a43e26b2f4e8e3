import * as z from 'zod/mini';
import { OK, reject } from './result';
import { define, email } from './define';

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
					`only licensed users can be admins; give ${email} a license in this enterprise first`
				);
			}
			const before = await store.adminRole(email);
			if (before === 'owner') return reject('ALREADY_EXISTS', `${email} is the owner already`);
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
			if (before === 'owner')
				return reject('CANNOT_REMOVE_OWNER', `${email} is the owner and keeps every right`);
			const account = await store.findAccount(email);
			if (account?.id === ctx.userID)
				return reject('CANNOT_REMOVE_SELF', 'you cannot remove your own role');
			await store.removeAdminRole(email);
			await store.audit('removeCoOwner', email, { role: before }, null);
			return OK;
		}
	})
};
