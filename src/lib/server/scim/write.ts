import type { Db } from '../db';
import { enterpriseWrite, type EnterpriseWrite } from '../sync/enterprise-write';

/** One SCIM change in progress (see EnterpriseWrite); its store acts as SCIM. */
export type ScimWrite = EnterpriseWrite;

/**
 * Runs a SCIM change with the enterprise write protocol (enterpriseWrite): licenses get source
 * 'scim', audit rows actor_kind 'scim'.
 */
export function scimWrite<T>(
	database: Db,
	enterpriseID: string,
	fn: (w: ScimWrite) => Promise<T>,
	now = Date.now()
): Promise<T> {
	return enterpriseWrite(
		database,
		enterpriseID,
		{ userID: null, kind: 'scim', queued: false },
		fn,
		now
	);
}
