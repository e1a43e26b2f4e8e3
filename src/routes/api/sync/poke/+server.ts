import { getDb } from '$lib/server/db';
import { api, requireArea } from '$lib/server/http';
import { onPoke, onSessionEnd, streamAllowed } from '$lib/server/sync/poke';
import { onShutdown } from '$lib/server/lifecycle';
import type { RequestHandler } from './$types';

// Comments keep proxies from closing an idle stream.
const HEARTBEAT_MS = 25_000;

export const GET: RequestHandler = api(async ({ url, locals, request }) => {
	const enterprise = await requireArea(
		locals,
		{ id: url.searchParams.get('enterpriseID') ?? '' },
		'settings'
	);
	const secret = locals.sessionSecret!;
	let stop = () => {};
	let cancelled = false;
	const stream = new ReadableStream<string>({
		start(controller) {
			let closed = false;
			const close = () => {
				if (closed) return;
				closed = true;
				stop();
				try {
					controller.close();
				} catch {
					// already closed
				}
			};
			const send = (text: string) => {
				if (closed || cancelled) return;
				try {
					controller.enqueue(text);
				} catch {
					// the client went away between a check and its answer
				}
			};
			// Before each poke and heartbeat the session and the role are checked again (R2): a
			// signed-out admin, or one whose role was removed, hears nothing more. One check runs at a
			// time; pokes arriving meanwhile share the one after it, which sees their commits.
			let running: Promise<boolean> | null = null;
			let queued: Promise<boolean> | null = null;
			const check = (): Promise<boolean> => {
				if (!running) {
					running = streamAllowed(getDb(), secret, enterprise.id).finally(() => (running = null));
					return running;
				}
				queued ??= running.then(() => {
					queued = null;
					return check();
				});
				return queued;
			};
			const sendIfAllowed = (text: string) =>
				void check().then((allowed) => (allowed ? send(text) : close()));
			send(': connected\n\n');
			const off = onPoke(enterprise.id, () => sendIfAllowed('data: {}\n\n'));
			const beat = setInterval(() => sendIfAllowed(': keep-alive\n\n'), HEARTBEAT_MS);
			// Signing out on this instance ends the session's streams at once.
			const offSession = onSessionEnd(secret, close);
			let offShutdown = () => {};
			stop = () => {
				off();
				offSession();
				offShutdown();
				clearInterval(beat);
			};
			request.signal.addEventListener('abort', close);
			// On shutdown the stream ends so the server can close; EventSource reconnects through the
			// load balancer to another instance.
			offShutdown = onShutdown(close);
		},
		cancel() {
			cancelled = true;
			stop();
		}
	});
	return new Response(stream.pipeThrough(new TextEncoderStream()), {
		headers: {
			'content-type': 'text/event-stream',
			'cache-control': 'no-store',
			connection: 'keep-alive'
		}
	});
});
