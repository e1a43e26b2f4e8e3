import type { Db } from '../db';
import { preWorkOf } from '../../domain/mutations';
import type { PreWork } from '../../domain/mutations/define';
import { prefetchTxt } from '../domains/sql';
import type { SqlMutationStore } from './sql-store';

type Mutation = { name: string; args: unknown };

/** Readies a store for what the work found (called for each store of the batch). */
type Ready = (store: SqlMutationStore) => void;

/** The server's side of each kind of pre-work: done once for the whole batch. */
const PRE_WORK: Record<
	PreWork,
	(database: Db, enterpriseID: string, mutations: readonly Mutation[]) => Promise<Ready>
> = {
	// R13: DNS answers are fetched before the write lock is taken (see prefetchTxt).
	async txtLookups(database, enterpriseID, mutations) {
		const txt = await prefetchTxt(database, enterpriseID, mutations);
		return (store) => {
			store.txtLookups = txt;
		};
	}
};

/**
 * Does, before a push's transaction opens, the slow work its mutations declare (`before`), once per
 * kind for the whole batch. Returns what readies each mutation's store with the results.
 */
export async function preWork(
	database: Db,
	enterpriseID: string,
	mutations: readonly Mutation[]
): Promise<Ready> {
	const kinds = new Set(mutations.map((m) => preWorkOf(m.name)).filter((k) => k !== undefined));
	const ready = await Promise.all(
		[...kinds].map((kind) => PRE_WORK[kind](database, enterpriseID, mutations))
	);
	return (store) => {
		for (const r of ready) r(store);
	};
}
