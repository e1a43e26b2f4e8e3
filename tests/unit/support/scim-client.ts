import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/lib/server/db';
import { hashToken } from '../../../src/lib/server/auth/tokens';
import * as users from '../../../src/routes/scim/v2/Users/+server';
import * as user from '../../../src/routes/scim/v2/Users/[id]/+server';
import * as groups from '../../../src/routes/scim/v2/Groups/+server';
import * as group from '../../../src/routes/scim/v2/Groups/[id]/+server';
import * as schemas from '../../../src/routes/scim/v2/Schemas/+server';
import * as schema from '../../../src/routes/scim/v2/Schemas/[id]/+server';
import * as resourceTypes from '../../../src/routes/scim/v2/ResourceTypes/+server';
import * as resourceType from '../../../src/routes/scim/v2/ResourceTypes/[id]/+server';
import * as config from '../../../src/routes/scim/v2/ServiceProviderConfig/+server';
import * as rest from '../../../src/routes/scim/v2/[...rest]/+server';
import * as search from '../../../src/routes/scim/v2/[x+2e]search/+server';
import * as usersSearch from '../../../src/routes/scim/v2/Users/[x+2e]search/+server';
import * as groupsSearch from '../../../src/routes/scim/v2/Groups/[x+2e]search/+server';

/** The origin the fake requests come from. */
export const ORIGIN = 'https://roster.example';

type Handler = (event: never) => Promise<Response>;
type Route = Partial<Record<string, Handler>> & { fallback?: Handler };

const ROUTES: [RegExp, Route][] = [
	[/^\/scim\/v2\/\.search$/, search as Route],
	[/^\/scim\/v2\/Users\/\.search$/, usersSearch as Route],
	[/^\/scim\/v2\/Groups\/\.search$/, groupsSearch as Route],
	[/^\/scim\/v2\/Users$/, users as Route],
	[/^\/scim\/v2\/Users\/(?<id>[^/]+)$/, user as Route],
	[/^\/scim\/v2\/Groups$/, groups as Route],
	[/^\/scim\/v2\/Groups\/(?<id>[^/]+)$/, group as Route],
	[/^\/scim\/v2\/Schemas$/, schemas as Route],
	[/^\/scim\/v2\/Schemas\/(?<id>[^/]+)$/, schema as Route],
	[/^\/scim\/v2\/ResourceTypes$/, resourceTypes as Route],
	[/^\/scim\/v2\/ResourceTypes\/(?<id>[^/]+)$/, resourceType as Route],
	[/^\/scim\/v2\/ServiceProviderConfig$/, config as Route],
	[/^\/scim\/v2\/(?<rest>.*)$/, rest as Route]
];

/** What a SCIM call came back with. */
export interface ScimReply {
	status: number;
	headers: Headers;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	body: any;
}

/**
 * Calls the SvelteKit route handlers as SvelteKit would, with a real Request: the IdP's method,
 * path (with query), headers and raw body.
 */
export async function scim(
	method: string,
	path: string,
	opts: {
		token?: string | null;
		body?: unknown;
		raw?: string;
		headers?: Record<string, string>;
	} = {}
): Promise<ScimReply> {
	const url = new URL(path, ORIGIN);
	const headers: Record<string, string> = { accept: 'application/scim+json', ...opts.headers };
	if (opts.token !== null && opts.token !== undefined)
		headers.authorization = `Bearer ${opts.token}`;
	let body: string | undefined;
	if (opts.raw !== undefined) body = opts.raw;
	else if (opts.body !== undefined) body = JSON.stringify(opts.body);
	if (body !== undefined) headers['content-type'] ??= 'application/scim+json; charset=utf-8';
	const request = new Request(url, { method, headers, body });
	const pathname = decodeURIComponent(url.pathname);
	for (const [pattern, route] of ROUTES) {
		const m = pattern.exec(url.pathname);
		if (!m) continue;
		const params: Record<string, string> = {};
		for (const [k, v] of Object.entries(m.groups ?? {})) params[k] = decodeURIComponent(v);
		void pathname;
		const handler = route[method] ?? route.fallback;
		if (!handler) throw new Error(`no ${method} handler for ${path}`);
		const res = await handler({ request, url, params, locals: {} } as never);
		const text = await res.text();
		return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
	}
	throw new Error(`no route for ${path}`);
}

/**
 * Installs a SCIM token for an enterprise (hashed, as the console does) and enables SCIM; with
 * `domains`, first adds them as verified domains, the only ones SCIM may provision on (R25).
 */
export async function installToken(
	{ db }: Db,
	enterpriseID: string,
	opts: {
		expiresAt?: number | null;
		revoked?: boolean;
		enable?: boolean;
		domains?: readonly string[];
	} = {}
): Promise<string> {
	for (const domain of opts.domains ?? []) {
		await db
			.insertInto('domains')
			.values({
				id: randomUUID(),
				enterprise_id: enterpriseID,
				domain,
				verification_value: `roster-verification=${randomUUID().replaceAll('-', '')}`,
				verified_at: Date.now(),
				created_at: Date.now()
			})
			.execute();
	}
	const token = `test_${randomUUID()}`;
	await db
		.insertInto('scim_tokens')
		.values({
			id: randomUUID(),
			enterprise_id: enterpriseID,
			token_hash: hashToken(token),
			created_at: Date.now(),
			expires_at: opts.expiresAt ?? null,
			revoked_at: opts.revoked ? Date.now() : null
		})
		.execute();
	if (opts.enable !== false) {
		await db
			.updateTable('enterprises')
			.set({ scim_enabled: 1 })
			.where('id', '=', enterpriseID)
			.execute();
	}
	return token;
}
