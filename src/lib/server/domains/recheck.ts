import type { Db } from '../db';
import type { TxtLookup } from '../../domain/domains';
import { RECHECK_EVERY_MS } from '../../domain/domains';
import { enterpriseWrite } from '../sync/enterprise-write';
import { repeatEvery } from '../lifecycle';
import { log } from '../log';
import { dnsLookupBudget, lookupTxt, type LookupBudget } from './dns';

/** Who re-checks: Roster itself, in the audit log (R24). */
const recheckActor = { userID: null, kind: 'system' as const, queued: false };

/** A timer's jitter: a domain checked a little less than RECHECK_EVERY_MS ago is due too. */
const SLACK_MS = 30_000;

/**
 * R13: looks up the TXT record of every pending verification that is due (asked to verify within
 * the last 48 hours, last checked at least RECHECK_EVERY_MS ago), outside any transaction, then
 * verifies the domain or records the check, each in its enterprise's write. Each lookup takes a
 * token of the enterprise's DNS budget; a domain without one waits for the next round. Returns how
 * many domains were verified.
 */
export async function recheckPendingDomains(
	database: Db,
	{
		now = Date.now(),
		lookup = (domain: string) => lookupTxt(domain),
		budget = dnsLookupBudget
	}: {
		now?: number;
		lookup?: (domain: string) => Promise<TxtLookup>;
		budget?: LookupBudget;
	} = {}
): Promise<number> {
	const due = await database.db
		.selectFrom('domains')
		.select(['id', 'enterprise_id', 'domain'])
		.where('verified_at', 'is', null)
		.where('recheck_until', '>', now)
		.where((eb) =>
			eb.or([
				eb('checked_at', 'is', null),
				eb('checked_at', '<=', now - RECHECK_EVERY_MS + SLACK_MS)
			])
		)
		.orderBy('checked_at')
		.limit(500)
		.execute();
	let verified = 0;
	for (const d of due) {
		if (!budget.take(d.enterprise_id, now)) continue;
		const found = await lookup(d.domain);
		const done = await enterpriseWrite(
			database,
			d.enterprise_id,
			recheckActor,
			async (w) => {
				const current = (await w.store.listDomains()).find((x) => x.id === d.id);
				// Verified, deleted or no longer pending meanwhile: nothing to record.
				if (!current || current.verifiedAt != null || (current.recheckUntil ?? 0) <= now)
					return false;
				const value = current.verificationValue;
				if (value && !found.error && found.records.includes(value)) {
					await w.store.setDomainVerified(d.id, now);
					await w.audit(
						'verifyDomain',
						d.domain,
						{ verified: false },
						{ verified: true, automatic: true }
					);
					w.changed({ domains: true });
					return true;
				}
				await w.store.setDomainPending(d.id, current.recheckUntil!, {
					at: now,
					records: found.records,
					error: found.error ?? null
				});
				w.changed();
				return false;
			},
			now
		);
		if (done) verified++;
	}
	return verified;
}

/** Re-checks pending domain verifications every RECHECK_EVERY_MS (R13). Returns the stop. */
export function startDomainRechecks(
	database: Db,
	{ intervalMs = RECHECK_EVERY_MS }: { intervalMs?: number } = {}
): () => void {
	return repeatEvery(intervalMs, 'domain re-check failed', async () => {
		const verified = await recheckPendingDomains(database);
		if (verified > 0) log('info', 'pending domains verified on re-check', { verified });
	});
}
