import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/lib/server/db';

let seq = 0;

/** A small enterprise inserted straight into SQL (no password hashing: fast enough per property run). */
export interface SmallEnterprise {
	enterpriseID: string;
	ownerID: string;
	billingID: string;
	/** Licensed users other than the owner. */
	licensed: string[];
	/** Users of the vendor without a license here (adding them to a team takes a seat). */
	unlicensed: string[];
	teams: string[];
	seats: number;
}

/** Inserts a small enterprise: an owner, a billing admin, licensed and unlicensed users, teams with one member each. */
export async function makeSmallEnterprise(
	{ db }: Db,
	opts: { licensed: number; unlicensed: number; teams: number; seats: number }
): Promise<SmallEnterprise> {
	const n = ++seq;
	const now = Date.now();
	const enterpriseID = randomUUID();
	const user = async (label: string) => {
		const id = randomUUID();
		await db
			.insertInto('users')
			.values({
				id,
				email: `${label}.${n}.${id.slice(0, 8)}@props.test`,
				name: label,
				password_hash: null,
				last_login_at: null,
				created_at: now
			})
			.execute();
		return id;
	};
	await db
		.insertInto('enterprises')
		.values({
			id: enterpriseID,
			name: `Props ${n}`,
			slug: `props-${n}-${enterpriseID.slice(0, 8)}`,
			seats: opts.seats,
			version: 1,
			created_at: now
		})
		.execute();
	const ownerID = await user('owner');
	const billingID = await user('billing');
	await db
		.insertInto('account_roles')
		.values([
			{ enterprise_id: enterpriseID, user_id: ownerID, role: 'owner', created_at: now },
			{ enterprise_id: enterpriseID, user_id: billingID, role: 'billing', created_at: now }
		])
		.execute();
	const licensed: string[] = [];
	for (let i = 0; i < opts.licensed; i++) licensed.push(await user(`licensed${i}`));
	const unlicensed: string[] = [];
	for (let i = 0; i < opts.unlicensed; i++) unlicensed.push(await user(`unlicensed${i}`));
	await db
		.insertInto('licenses')
		.values(
			[ownerID, ...licensed].map((user_id) => ({
				enterprise_id: enterpriseID,
				user_id,
				source: 'seed' as const,
				created_at: now
			}))
		)
		.execute();
	const teams: string[] = [];
	for (let i = 0; i < opts.teams; i++) {
		const id = randomUUID();
		teams.push(id);
		await db
			.insertInto('teams')
			.values({
				id,
				enterprise_id: enterpriseID,
				name: `Seed team ${i}`,
				name_key: `seed team ${i}`,
				source: 'manual',
				external_id: null,
				created_at: now
			})
			.execute();
		if (licensed.length)
			await db
				.insertInto('team_members')
				.values({
					team_id: id,
					user_id: licensed[i % licensed.length]!,
					enterprise_id: enterpriseID
				})
				.execute();
	}
	return { enterpriseID, ownerID, billingID, licensed, unlicensed, teams, seats: opts.seats };
}
