import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getDb } from '$lib/server/db';
import { api, ApiError, describeIssues, requireArea } from '$lib/server/http';
import { seatHistory } from '$lib/server/seat-history.service';
import type { RequestHandler } from './$types';

const querySchema = z.object({
	days: z.coerce.number().int().min(1).max(365).default(90)
});

/** Seat usage per day over the last `days` days (an approximation, see seatHistory). */
export const GET: RequestHandler = api(async ({ locals, params, url }) => {
	const parsed = querySchema.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success) throw new ApiError(400, 'badRequest', describeIssues(parsed.error).message);
	const enterprise = await requireArea(locals, { id: params.enterpriseID }, 'licenses');
	const points = await seatHistory(getDb(), enterprise.id, parsed.data.days);
	return json({ days: parsed.data.days, approximate: true, points });
});
