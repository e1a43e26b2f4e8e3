import * as z from 'zod/mini';
import { thresholdsProblem } from '../activity';
import { OK, reject } from './result';
import { define } from './define';

/** The activity report's settings (R20 decision). */
export const reportMutators = {
	setActivityThresholds: define({
		args: z.object({
			activeDays: z.int('the active period must be a whole number of days'),
			naAfterDays: z.int('the N/A period must be a whole number of days')
		}),
		// R20 decision: owner and co-owners (billing reads reports but does not change them, R2).
		area: 'reports',
		async apply(store, thresholds) {
			const problem = thresholdsProblem(thresholds);
			if (problem) return reject('INVALID_ARGS', problem);
			const before = await store.thresholds();
			if (
				before.activeDays === thresholds.activeDays &&
				before.naAfterDays === thresholds.naAfterDays
			)
				return OK;
			await store.setThresholds(thresholds);
			await store.audit('setActivityThresholds', 'activity report', before, thresholds);
			return OK;
		}
	})
};
