// zod/mini: the mutators ship to every browser, so their schemas use the small build of zod.
import * as z from 'zod/mini';
import type { MutationContext } from '../entities';
import type { ConsoleArea } from '../roles';
import { normalizeEmail } from '../email';
import { reject, type MutationResult } from './result';
import { count, seatUsage, type SeatUsage } from '../seats';
import { hasControlCharacter, NO_CONTROL_CHARACTERS } from '../text';
import type { MutationStore } from './store';

/** A UUID made by the client, so later offline changes can refer to it. */
export const id = z.uuid('must be a UUID');

/** No control characters (R26): PostgreSQL cannot store NUL, and none belongs in a name. */
const plainText = z.refine<string>((s) => !hasControlCharacter(s), NO_CONTROL_CHARACTERS);

/** A team or organization name: trimmed, 1–100 characters, no control characters (R26). */
export const name = z
	.string()
	.check(
		z.trim(),
		z.minLength(1, 'name is required'),
		z.maxLength(100, 'name is at most 100 characters'),
		plainText
	);

/**
 * R26: names are unique within an enterprise, case aside. `holder` is the team or organization
 * that already has the name (found by `teamNamed`/`orgNamed`); being renamed to its own name in
 * another case is fine.
 */
export function nameTaken(
	kind: 'team' | 'organization',
	holder: { id: string; name: string } | undefined,
	id: string
): MutationResult | null {
	if (!holder || holder.id === id) return null;
	return reject(
		'ALREADY_EXISTS',
		`${kind === 'team' ? 'a team' : 'an organization'} named “${holder.name}” already exists; choose another name`,
		{
			field: 'name',
			taken: holder.name
		}
	);
}

/** An email address, normalised, no control characters (R26). */
export const email = z.pipe(
	z.pipe(
		z.string().check(z.trim(), z.maxLength(320), plainText),
		z.email('must be an email address')
	),
	z.transform((e: string) => normalizeEmail(e))
);

/**
 * Work the server does for a push before its transaction opens, named here and done by the server
 * (the browser never runs it): `txtLookups`, the DNS TXT lookups of domains the batch verifies (R13).
 */
export type PreWork = 'txtLookups';

/** A mutation: its args schema, who may run it, and how it changes the store. */
export interface MutatorDef<S extends z.ZodMiniType> {
	args: S;
	area: ConsoleArea;
	/** Only the owner may run it, whatever the area says (R2: co-owners are the owner's to name). */
	ownerOnly?: true;
	/** What the server must do before the push's transaction opens (slow work: no write lock held). */
	before?: PreWork;
	apply(store: MutationStore, args: z.infer<S>, ctx: MutationContext): Promise<MutationResult>;
}

/** Declares a mutation with its types inferred from the args schema. */
export function define<S extends z.ZodMiniType>(def: MutatorDef<S>): MutatorDef<S> {
	return def;
}

/** What the R6 seat check found: the seat usage, and the rejection when too few seats are free. */
export interface SeatCheck {
	usage: SeatUsage;
	/** null when the seats needed are free, else NEEDS_TO_INCREASE_SEATS saying how many are needed and free. */
	noSeat: MutationResult | null;
}

/**
 * R6, the one seat check (mutations, SCIM, accepting an invite, domain capture): `needed` new
 * seats may be taken at `now` only when that many are free (licensed users and pending invites
 * use seats, R4).
 */
export async function seatCheck(
	store: MutationStore,
	needed: number,
	now: number
): Promise<SeatCheck> {
	const [purchased, counts] = await Promise.all([store.seats(), store.seatCounts(now)]);
	const usage = seatUsage(purchased, counts.licensed, counts.pendingInvites);
	if (usage.free >= needed) return { usage, noSeat: null };
	return {
		usage,
		noSeat: reject(
			'NEEDS_TO_INCREASE_SEATS',
			`no free seat: ${count(usage.used)} of ${count(usage.purchased)} used; ${count(needed)} needed, ${count(usage.free)} free`,
			{ needed, free: usage.free, used: usage.used, purchased: usage.purchased }
		)
	};
}
