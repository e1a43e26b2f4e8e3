import type { Db } from './db';
import { log } from './log';

let shuttingDown = false;
const closers = new Set<() => void>();

/** Whether the process has been told to stop (it reports not ready and closes its SSE streams). */
export function isShuttingDown(): boolean {
	return shuttingDown;
}

/**
 * Runs `listener` when shutdown begins, for requests that would never finish on their own (SSE);
 * returns the function that unregisters it.
 */
export function onShutdown(listener: () => void): () => void {
	if (shuttingDown) {
		listener();
		return () => {};
	}
	closers.add(listener);
	return () => closers.delete(listener);
}

/** Starts the shutdown: not ready any more, and every open SSE stream is closed. */
export function beginShutdown(signal: string): void {
	if (shuttingDown) return;
	shuttingDown = true;
	log('info', 'shutting down: finishing in-flight requests', { signal, streams: closers.size });
	for (const close of [...closers]) close();
	closers.clear();
}

/**
 * Graceful shutdown under adapter-node. On SIGTERM/SIGINT the adapter stops accepting connections
 * and waits for in-flight requests (a push transaction commits); SSE streams never end by
 * themselves, so they are closed here at once. When the adapter's server has closed it emits
 * `sveltekit:shutdown`: background work stops, the database (the PostgreSQL pool) closes and the
 * process exits 0. The adapter closes connections still open after SHUTDOWN_TIMEOUT (30 s).
 */
export function installGracefulShutdown(database: Db, stops: (() => unknown)[]): void {
	process.once('SIGTERM', () => beginShutdown('SIGTERM'));
	process.once('SIGINT', () => beginShutdown('SIGINT'));
	process.once('sveltekit:shutdown', (reason: unknown) => {
		beginShutdown(String(reason));
		void (async () => {
			let code = 0;
			try {
				for (const stop of stops) await stop();
				await database.close();
			} catch (err) {
				code = 1;
				log('error', 'shutdown failed', { err: err instanceof Error ? err.message : String(err) });
			}
			log('info', 'shut down', { reason: String(reason), code });
			process.exit(code);
		})();
	});
}

/**
 * Runs `task` now and then every `intervalMs`, never two runs at once, on a timer that does not keep
 * the process alive; a run that fails is logged as `failure`. Returns the function that stops it.
 */
export function repeatEvery(
	intervalMs: number,
	failure: string,
	task: () => Promise<void>
): () => void {
	let running = false;
	const run = async () => {
		if (running) return;
		running = true;
		try {
			await task();
		} catch (err) {
			log('warn', failure, { err: err instanceof Error ? err.message : String(err) });
		} finally {
			running = false;
		}
	};
	void run();
	const timer = setInterval(() => void run(), intervalMs);
	timer.unref();
	return () => clearInterval(timer);
}
