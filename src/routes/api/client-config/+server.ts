import { json } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import { version } from '$app/environment';
import type { RequestHandler } from './$types';

/**
 * What the installed app needs to know about this server before it looks for a new version:
 * whether IT manages updates (R18, `DISABLE_AUTOMATIC_UPDATES=true`) and the build it serves.
 * Public like /healthz: it holds no enterprise data.
 */
export const GET: RequestHandler = () =>
	json(
		{ managedUpdates: env.DISABLE_AUTOMATIC_UPDATES === 'true', version },
		{ headers: { 'cache-control': 'no-store' } }
	);
