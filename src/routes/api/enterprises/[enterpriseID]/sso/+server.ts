import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, readJson, requireArea } from '$lib/server/http';
import {
	CALLBACK_PATH,
	removeSsoSettings,
	saveSsoSettings,
	ssoSettings,
	SsoError,
	testSsoSettings
} from '$lib/server/auth/sso.service';
import { NO_CONTROL_CHARACTERS, hasControlCharacter } from '$lib/domain/text';
import type { RequestHandler } from './$types';

const text = (name: string, max: number) =>
	z
		.string({ error: `${name} must be a string` })
		.trim()
		.max(max, `${name} is at most ${max} characters`)
		.refine((v) => !hasControlCharacter(v), `${name} ${NO_CONTROL_CHARACTERS}`);

const actionSchema = z.discriminatedUnion('action', [
	z.object({
		action: z.literal('save'),
		issuer: text('issuer', 500).pipe(z.string().min(1, 'issuer is required')),
		clientID: text('clientID', 500).pipe(z.string().min(1, 'clientID is required')),
		clientSecret: z.string().max(1000, 'clientSecret is at most 1000 characters').default(''),
		required: z.boolean().default(false)
	}),
	z.object({ action: z.literal('test') }),
	z.object({ action: z.literal('remove') })
]);

/** Owner and co-owners see the settings (R2); billing admins do not. */
async function ownerOrCoOwner(locals: App.Locals, enterpriseID: string) {
	const enterprise = await requireArea(locals, { id: enterpriseID }, 'settings');
	if (enterprise.role !== 'owner' && enterprise.role !== 'co-owner') {
		throw new ApiError(403, 'forbidden', `the ${enterprise.role} role cannot use single sign-on`);
	}
	return enterprise;
}

/** The SSO settings (never the client secret) and the redirect URI to register at the IdP. */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const enterprise = await ownerOrCoOwner(locals, params.enterpriseID);
	const settings = await ssoSettings(getDb(), enterprise.id);
	return json({ ...settings, redirectURI: `${url.origin}${CALLBACK_PATH}` });
});

/** Saves, tests or removes the SSO settings: the owner only; changes are audited (R24). */
export const POST: RequestHandler = api(async ({ locals, params, request, url }) => {
	const enterprise = await ownerOrCoOwner(locals, params.enterpriseID);
	if (enterprise.role !== 'owner') {
		throw new ApiError(403, 'forbidden', 'only the owner can change single sign-on');
	}
	const body = await readJson(request, actionSchema);
	const database = getDb();
	const actor = { userID: locals.user!.id };
	let test: { ok: boolean; message: string } | undefined;
	try {
		if (body.action === 'save') {
			await saveSsoSettings(database, enterprise.id, body, actor);
		} else if (body.action === 'remove') {
			await removeSsoSettings(database, enterprise.id, actor);
		} else {
			test = await testSsoSettings(database, enterprise.id);
		}
	} catch (err) {
		if (err instanceof SsoError) throw new ApiError(400, 'badRequest', err.message);
		throw err;
	}
	const settings = await ssoSettings(database, enterprise.id);
	return json({ ...settings, redirectURI: `${url.origin}${CALLBACK_PATH}`, test });
});
