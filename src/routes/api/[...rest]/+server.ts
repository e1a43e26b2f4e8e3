import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

const notFound: RequestHandler = ({ url }) =>
	json({ error: 'notFound', message: `no API endpoint at ${url.pathname}` }, { status: 404 });

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
