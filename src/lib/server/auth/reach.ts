import type { Db } from '../db';
import { canUseConsole, type AccountRole } from '../../domain/roles';
import { membershipIn } from '../enterprises.service';
import type { SessionOrigin } from './session';

/**
 * Why a session cannot act in an enterprise where its admin holds `role`, in plain words, or null
 * when it can. Checked on every request, not only at sign-in:
 * - a session made through an enterprise's IdP reaches that enterprise only (an IdP vouches for
 *   its own enterprise, not for the others the account belongs to);
 * - a password session cannot act in an enterprise that requires single sign-on, except the
 *   owner's (the way back in when the IdP fails; audited at sign-in).
 */
export async function sessionRefusal(
	{ db }: Db,
	origin: SessionOrigin,
	enterprise: { id: string; name: string; role: AccountRole }
): Promise<string | null> {
	if (origin.method === 'sso') {
		if (origin.ssoEnterpriseID === enterprise.id) return null;
		return `Sign in to ${enterprise.name}: you signed in with the single sign-on of another enterprise, which does not vouch for you in ${enterprise.name}.`;
	}
	if (enterprise.role === 'owner') return null;
	const config = await db
		.selectFrom('sso_configs')
		.select('required')
		.where('enterprise_id', '=', enterprise.id)
		.executeTakeFirst();
	if (config?.required !== 1) return null;
	return `Sign in to ${enterprise.name} with single sign-on: ${enterprise.name} requires it, and you signed in with a password.`;
}

/**
 * Whether a signed-in session may go straight on to `next` from the sign-in pages: not when `next`
 * is a console page of an enterprise it may not act in (there, signing in again is the point).
 */
export async function mayGoOnTo(
	database: Db,
	user: { id: string },
	origin: SessionOrigin | null | undefined,
	next: string
): Promise<boolean> {
	const slug = /^\/e\/([a-z0-9-]{1,100})(?:[/?#]|$)/.exec(next)?.[1];
	if (!slug || !origin) return true;
	const membership = await membershipIn(database, user.id, { slug });
	if (!membership || !canUseConsole(membership.role)) return true;
	return (await sessionRefusal(database, origin, membership)) === null;
}
