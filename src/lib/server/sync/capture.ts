import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db';
import type { Database } from '../db/schema';
import { normalizeEmail } from '../../domain/auth';
import { capturingDomains, emailDomain } from '../../domain/domains';
import { seatUsage } from '../../domain/seats';
import { SqlMutationStore } from './sql-store';
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

/** Takes the enterprise's write lock (PostgreSQL) and returns its version. */
async function lock(trx: Transaction<Database>, database: Db, enterpriseID: string) {
	const q = trx.selectFrom('enterprises').select('version').where('id', '=', enterpriseID);
	const row = await (database.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirstOrThrow();
	return Number(row.version);
}

/**
 * Advances an enterprise's version and stamps its domains with it, so every mirror pulls fresh
 * unclaimed counts (someone on its domains signed up or was licensed).
 */
async function bump(trx: Transaction<Database>, enterpriseID: string, version: number) {
	await trx.updateTable('enterprises').set({ version }).where('id', '=', enterpriseID).execute();
	await trx
		.updateTable('domains')
		.set({ version })
		.where('enterprise_id', '=', enterpriseID)
		.execute();
}

async function freeSeats(store: SqlMutationStore, now: number) {
	const [purchased, counts] = await Promise.all([store.seats(), store.seatCounts(now)]);
	return seatUsage(purchased, counts.licensed, counts.pendingInvites);
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
			const version = (await lock(trx, database, enterpriseID)) + 1;
			const captured = capturingDomains(above.get(enterpriseID) ?? [], email);
			if (captured.length > 0) {
				const store = new SqlMutationStore(trx, enterpriseID, version, captureActor, now);
				const usage = await freeSeats(store, now);
				if (usage.free < 1) {
					// R14: with no free seat the new sign-up is blocked.
					throw new SignUpRefused(
						'needsSeats',
						`${email} is on ${captured[0]!.domain}, captured by an enterprise with no free seat (${usage.used} of ${usage.purchased} used); the enterprise's admins need to free or buy a seat first`,
						{ domain: captured[0]!.domain, ...usage }
					);
				}
				await store.addLicense(userID);
				await store.audit('captureSignUp', email, null, {
					licensed: true,
					domain: captured[0]!.domain
				});
				licensedIn.push(enterpriseID);
			}
			await bump(trx, enterpriseID, version);
		}
	});
	for (const enterpriseID of touched) poke(enterpriseID);
	return { userID, licensedIn };
}

/**
 * Domain capture when a user signs in (R14): an unmanaged user on a captured domain takes a seat
 * in that enterprise; with no free seat they stay unmanaged ("waiting for a seat", audited).
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
		const captured = capturingDomains(domains, user.email);
		if (captured.length === 0) continue;
		const licensed = await database.db.transaction().execute(async (trx) => {
			const version = (await lock(trx, database, enterpriseID)) + 1;
			const store = new SqlMutationStore(trx, enterpriseID, version, captureActor, now);
			if (await store.hasLicense(user.id)) return false;
			const usage = await freeSeats(store, now);
			const domain = captured[0]!.domain;
			if (usage.free < 1) {
				await store.audit('captureWaitingForSeat', user.email, null, { domain, ...usage });
				return false;
			}
			await store.addLicense(user.id);
			await store.audit(
				'captureSignIn',
				user.email,
				{ licensed: false },
				{ licensed: true, domain }
			);
			await bump(trx, enterpriseID, version);
			return true;
		});
		if (licensed) {
			licensedIn.push(enterpriseID);
			poke(enterpriseID);
		}
	}
	return licensedIn;
}
