import { api, requireArea } from '$lib/server/http';
import { onPoke } from '$lib/server/sync/poke';
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
	let stop = () => {};
	const stream = new ReadableStream<string>({
		start(controller) {
			controller.enqueue(': connected\n\n');
			const off = onPoke(enterprise.id, () => controller.enqueue('data: {}\n\n'));
			const beat = setInterval(() => controller.enqueue(': keep-alive\n\n'), HEARTBEAT_MS);
			const close = () => {
				stop();
				try {
					controller.close();
				} catch {
					// already closed
				}
			};
			let offShutdown = () => {};
			stop = () => {
				off();
				offShutdown();
				clearInterval(beat);
			};
			request.signal.addEventListener('abort', close);
			// On shutdown the stream ends so the server can close; EventSource reconnects through the
			// load balancer to another instance.
			offShutdown = onShutdown(close);
		},
		cancel() {
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
