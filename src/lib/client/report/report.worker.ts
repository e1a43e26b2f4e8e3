import { expose } from 'comlink';
import Dexie from 'dexie';
import type { ReportOptions } from '../../domain/activity-report';
import { generateActivityReport, type ReportProgress } from './activity-report-generator';

/**
 * The activity report in a worker (R20): it opens the mirror itself by name, read only, so a
 * million rows never cross postMessage; only progress and the finished Blob do. Cancelling is
 * terminating the worker (report-client.ts).
 */
const api = {
	async generate(mirror: string, options: ReportOptions, onProgress?: ReportProgress) {
		// No schema declared: Dexie opens the mirror at whatever version it has and never creates it.
		const db = new Dexie(mirror);
		await db.open();
		try {
			return await generateActivityReport(db, options, onProgress);
		} finally {
			db.close();
		}
	}
};

expose(api);

/** The worker's API, for `wrap<ReportWorkerApi>()`. */
export type ReportWorkerApi = typeof api;
