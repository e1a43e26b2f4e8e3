import { proxy, wrap, type Remote } from 'comlink';
import type { ReportOptions } from '../../domain/activity-report';
import type { ActivityReport } from './activity-report-generator';
import type { ReportWorkerApi } from './report.worker';

/** Idle time after which the report worker is let go. */
const IDLE_MS = 60_000;

let worker: { raw: Worker; api: Remote<ReportWorkerApi> } | null = null;
let idle: ReturnType<typeof setTimeout> | undefined;

function start() {
	clearTimeout(idle);
	if (!worker) {
		const raw = new Worker(new URL('./report.worker.ts', import.meta.url), { type: 'module' });
		worker = { raw, api: wrap<ReportWorkerApi>(raw) };
	}
	return worker;
}

function stop() {
	clearTimeout(idle);
	worker?.raw.terminate();
	worker = null;
}

/**
 * Generates the activity report of the mirror named `mirror` in the report worker (started on
 * first use, kept for a minute after). `signal` cancels it: the worker is terminated at once.
 */
export async function runActivityReport(
	mirror: string,
	options: ReportOptions,
	onProgress: (done: number, total: number) => void,
	signal?: AbortSignal
): Promise<ActivityReport> {
	signal?.throwIfAborted();
	const { api } = start();
	let rejectOnAbort: (reason: unknown) => void = () => undefined;
	const aborted = new Promise<never>((_, reject) => (rejectOnAbort = reject));
	const onAbort = () => {
		stop();
		rejectOnAbort(new DOMException('The report was cancelled', 'AbortError'));
	};
	signal?.addEventListener('abort', onAbort, { once: true });
	try {
		return await Promise.race([api.generate(mirror, options, proxy(onProgress)), aborted]);
	} finally {
		signal?.removeEventListener('abort', onAbort);
		if (worker) idle = setTimeout(stop, IDLE_MS);
	}
}
