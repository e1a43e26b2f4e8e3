import { wrap } from 'comlink';
import type { InvitePreview } from './invite-csv';
import type { InviteCsvWorkerApi } from './invite-csv.worker';

/**
 * Reads and checks an invite CSV against the mirror named `mirror`, in a worker started for this
 * file and let go when it is done (imports are rare; nothing is worth keeping warm).
 */
export async function previewInviteFile(file: Blob, mirror: string): Promise<InvitePreview> {
	const raw = new Worker(new URL('./invite-csv.worker.ts', import.meta.url), { type: 'module' });
	try {
		return await wrap<InviteCsvWorkerApi>(raw).preview(file, mirror);
	} finally {
		raw.terminate();
	}
}
