import * as z from 'zod/mini';
import {
	isEffectivelyVerified,
	normalizeDomain,
	RECHECK_FOR_MS,
	type DomainState
} from '../domains';
import { OK, reject } from './result';
import { define, id, seatCheck } from './define';
import { plural } from '../text';

/** A domain name as typed: normalised, or refused with a message an admin can act on (R13). */
export const domainName = z.pipe(
	z.string(),
	z.transform((value: string, ctx) => {
		const result = normalizeDomain(value.slice(0, 400));
		if (!result.ok) {
			ctx.issues.push({ code: 'custom', message: result.message, input: value });
			return z.NEVER;
		}
		return result.domain;
	})
);

function verifiedRoots(domains: readonly DomainState[]): string[] {
	return domains.filter((d) => d.verifiedAt != null).map((d) => d.domain);
}

/** Domains (R13–R16): add, verify through DNS, delete, capture, claim unclaimed accounts. */
export const domainMutators = {
	addDomain: define({
		args: z.object({ domainID: id, domain: domainName }),
		area: 'domains',
		async apply(store, { domainID, domain }) {
			const domains = await store.listDomains();
			const same = domains.find((d) => d.id === domainID);
			if (same) {
				// A replayed add of the same domain is done already.
				if (same.domain === domain) return OK;
				return reject('ALREADY_EXISTS', 'this domain id is taken');
			}
			if (domains.some((d) => d.domain === domain)) {
				return reject('ALREADY_EXISTS', `${domain} is already one of your domains`);
			}
			if (!(await store.addDomain(domainID, domain)))
				return reject('ALREADY_EXISTS', 'this domain id is already in use; add the domain again');
			await store.audit('addDomain', domain, null, { domain });
			return OK;
		}
	}),
	verifyDomain: define({
		args: z.object({ domainID: id }),
		area: 'domains',
		// A lookup can take seconds: the server does it first (addDomains of the batch included).
		before: 'txtLookups',
		async apply(store, { domainID }, ctx) {
			const d = (await store.listDomains()).find((x) => x.id === domainID);
			if (!d) return reject('NOT_FOUND', 'the domain no longer exists');
			if (d.verifiedAt != null) return OK;
			// R13: the server looks the record up; the browser queues the request and waits.
			const found = await store.lookupTxt(d.domain);
			if (found === null || d.verificationValue === null) return OK;
			if (!found.limited && !found.error && found.records.includes(d.verificationValue)) {
				await store.setDomainVerified(domainID, ctx.now);
				await store.audit('verifyDomain', d.domain, { verified: false }, { verified: true });
				return OK;
			}
			// R13: a record not published yet (DNS can take an hour), a busy lookup budget or a DNS
			// error is expected: the domain stays pending, says what DNS held, and Roster keeps checking.
			await store.setDomainPending(
				domainID,
				ctx.now + RECHECK_FOR_MS,
				found.limited ? null : { at: ctx.now, records: found.records, error: found.error ?? null }
			);
			return OK;
		}
	}),
	deleteDomain: define({
		args: z.object({ domainID: id }),
		area: 'domains',
		async apply(store, { domainID }) {
			const domains = await store.listDomains();
			const d = domains.find((x) => x.id === domainID);
			// Deleting what is already gone is the outcome the admin wanted.
			if (!d) return OK;
			await store.deleteDomain(domainID);
			await store.audit('deleteDomain', d.domain, d, null);
			// R14: a subdomain verified only through this one loses its verification, and its capture.
			const rest = domains.filter((x) => x.id !== domainID);
			const roots = verifiedRoots(rest);
			for (const sub of rest) {
				if (sub.captureEnabled && !isEffectivelyVerified(sub.domain, roots)) {
					await store.setDomainCapture(sub.id, false);
					await store.audit(
						'setDomainCapture',
						sub.domain,
						{ enabled: true },
						{ enabled: false, reason: `${d.domain} was deleted` }
					);
				}
			}
			return OK;
		}
	}),
	setDomainCapture: define({
		args: z.object({ domainID: id, enabled: z.boolean() }),
		area: 'domains',
		async apply(store, { domainID, enabled }) {
			const domains = await store.listDomains();
			const d = domains.find((x) => x.id === domainID);
			if (!d) return reject('NOT_FOUND', 'the domain no longer exists');
			if (d.captureEnabled === enabled) return OK;
			// R14: only on a verified domain (a verified parent counts, R13).
			if (enabled && !isEffectivelyVerified(d.domain, verifiedRoots(domains))) {
				return reject(
					'DOMAIN_NOT_VERIFIED',
					`verify ${d.domain} (or a domain above it) before enabling domain capture`
				);
			}
			await store.setDomainCapture(domainID, enabled);
			await store.audit('setDomainCapture', d.domain, { enabled: !enabled }, { enabled });
			return OK;
		}
	}),
	claimAccounts: define({
		args: z.object({
			userIDs: z.array(id).check(z.minLength(1, 'select at least one account'), z.maxLength(1000))
		}),
		area: 'domains',
		async apply(store, { userIDs }, ctx) {
			const wanted: string[] = [];
			for (const userID of new Set(userIDs)) {
				// Someone licensed meanwhile is claimed already.
				if (!(await store.hasLicense(userID))) wanted.push(userID);
			}
			if (wanted.length === 0) return OK;
			const users = await store.unclaimedUsers(wanted);
			if (users !== null && users.length < wanted.length) {
				const missing = wanted.length - users.length;
				return reject(
					'NOT_FOUND',
					`${missing} of the selected accounts ${missing === 1 ? 'is' : 'are'} no longer an unclaimed account on a verified domain`
				);
			}
			// R15/R6: every selected account needs a seat, checked for all at once.
			const { noSeat } = await seatCheck(store, wanted.length, ctx.now);
			if (noSeat) return noSeat;
			for (const userID of wanted) await store.addLicense(userID);
			await store.audit('claimAccounts', plural(wanted.length, 'unclaimed account'), null, {
				emails: users?.map((u) => u.email) ?? wanted
			});
			return OK;
		}
	})
};
