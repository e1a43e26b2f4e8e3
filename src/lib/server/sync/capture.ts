import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db';
import { normalizeEmail } from '../../domain/auth';
import { capturingDomain, emailDomain } from '../../domain/domains';
import { seatCheck } from '../../domain/mutations/define';
import { count } from '../../domain/seats';
import { enterpriseWrite, enterpriseWriteIn } from './enterprise-write';
import { poke } from './poke';

/** The domain rows, of every enterprise, that an email's domain is on or under (R14, R15). */
async function domainsAbove(database: Db, email: string) {
	const labels = emailDomain(email).split('.');
	const names = labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
	if (names.length === 0) return new Map<string, DomainRow[]>();
	const rows = await database.db
		.selectFrom('domains')
		.select(['enterprise_id', 'domain', 'verified_at', 'capture_enabled'])
		.where('domain', 'in', names)
		.execute();
	const byEnterprise = new Map<string, DomainRow[]>();
	for (const r of rows) {
		const list = byEnterprise.get(r.enterprise_id) ?? [];
		list.push({
			domain: r.domain,
			verifiedAt: r.verified_at == null ? null : Number(r.verified_at),
			captureEnabled: Number(r.capture_enabled) === 1
		});
		byEnterprise.set(r.enterprise_id, list);
	}
	return byEnterprise;
}

interface DomainRow {
	domain: string;
	verifiedAt: number | null;
	captureEnabled: boolean;
}

const captureActor = { userID: null, kind: 'capture' as const, queued: false };

/** Why a sign-up could not go through. */
export class SignUpRefused extends Error {
	constructor(
		readonly code: 'alreadyRegistered' | 'needsSeats',
		message: string,
		readonly details?: Record<string, unknown>
	) {
		super(message);
	}
}

/**
 * Signs a new user up from the API client (R14): creates them and, when their email is on a
 * captured domain of an enterprise, licenses them there (seat-checked; audited as `capture`, R24).
 * With no free seat the sign-up is blocked and nobody is created.
 */
export async function signUp(
	database: Db,
	input: { email: string; name: string },
	now = Date.now()
): Promise<{ userID: string; licensedIn: string[] }> {
	const email = normalizeEmail(input.email);
	const above = await domainsAbove(database, email);
	const touched = [...above.keys()].sort();
	const userID = randomUUID();
	const licensedIn: string[] = [];
	await database.db.transaction().execute(async (trx) => {
		const existing = await trx
			.selectFrom('users')
			.select('id')
			.where(sql`lower(email)`, '=', email)
			.executeTakeFirst();
		if (existing) {
			throw new SignUpRefused('alreadyRegistered', `${email} already has an account; sign in`);
		}
		await trx
			.insertInto('users')
			.values({
				id: userID,
				email,
				name: input.name,
				password_hash: null,
				last_login_at: now,
				created_at: now
			})
			.execute();
		// Enterprises in a fixed order, so concurrent sign-ups lock them the same way.
		for (const enterpriseID of touched) {
			await enterpriseWriteIn(
				trx,
				database.dialect,
				enterpriseID,
				captureActor,
				async (w) => {
					const captured = capturingDomain(above.get(enterpriseID) ?? [], email);
					if (captured) {
						const { usage, noSeat } = await seatCheck(w.store, 1, now);
						if (noSeat) {
							// R14: with no free seat the new sign-up is blocked.
							throw new SignUpRefused(
								'needsSeats',
								`${email} is on ${captured.domain}, captured by an enterprise with no free seat (${count(usage.used)} of ${count(usage.purchased)} used); the enterprise's admins need to free or buy a seat first`,
								{ domain: captured.domain, ...usage }
							);
						}
						await w.store.addLicense(userID);
						await w.audit('captureSignUp', email, null, {
							licensed: true,
							domain: captured.domain
						});
						licensedIn.push(enterpriseID);
					}
					// Every mirror of the enterprise pulls fresh unclaimed counts.
					w.changed({ domains: true });
				},
				now
			);
		}
	});
	for (const enterpriseID of touched) void poke(enterpriseID);
	return { userID, licensedIn };
}

/**
 * Domain capture when a user signs in to the API client (R14; never a console sign-in): an
 * unmanaged user on a captured domain takes a seat in that enterprise; with no free seat they stay unmanaged ("waiting for a seat", audited).
 * Returns the enterprises they were licensed in.
 */
export async function captureOnSignIn(
	database: Db,
	user: { id: string; email: string },
	now = Date.now()
): Promise<string[]> {
	const above = await domainsAbove(database, user.email);
	const licensedIn: string[] = [];
	for (const [enterpriseID, domains] of [...above].sort(([a], [b]) => a.localeCompare(b))) {
		const captured = capturingDomain(domains, user.email);
		if (!captured) continue;
		const licensed = await enterpriseWrite(
			database,
			enterpriseID,
			captureActor,
			async (w) => {
				if (await w.store.hasLicense(user.id)) return false;
				const { usage, noSeat } = await seatCheck(w.store, 1, now);
				const domain = captured.domain;
				if (noSeat) {
					await w.audit('captureWaitingForSeat', user.email, null, { domain, ...usage });
					return false;
				}
				await w.store.addLicense(user.id);
				await w.audit('captureSignIn', user.email, { licensed: false }, { licensed: true, domain });
				w.changed({ domains: true });
				return true;
			},
			now
		);
		if (licensed) licensedIn.push(enterpriseID);
	}
	return licensedIn;
}
