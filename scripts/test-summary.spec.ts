import { describe, expect, it } from 'vitest';
import { testSummary } from './test-summary.js';

describe('the closing line of npm test', () => {
	const unit = { numPassedTests: 10, numFailedTests: 0, numPendingTests: 1, numTodoTests: 0 };

	it('counts an e2e test that passed on a retry as passed, not failed, and says so', () => {
		const e2e = { stats: { expected: 4, unexpected: 0, flaky: 2, skipped: 1 } };
		expect(testSummary(unit, e2e, { unit: 0, e2e: 0 })).toEqual({
			ok: true,
			lines: [
				'unit: 10 passed, 0 failed',
				'e2e: 6 passed (2 on a retry), 0 failed',
				'tests: 16 passed, 0 failed, 2 skipped'
			]
		});
	});

	it('reports a failure when a half exits non-zero, even with no failed test in its report', () => {
		const summary = testSummary(unit, null, { unit: 0, e2e: 1 });
		expect(summary.ok).toBe(false);
		expect(summary.lines.at(-1)).toBe('tests: 10 passed, 1 failed, 1 skipped');
	});

	it('reports a failure when nothing ran at all', () => {
		expect(testSummary(null, null, { unit: 0, e2e: 0 }).lines.at(-1)).toBe(
			'tests: 0 passed, 1 failed, 0 skipped'
		);
	});
});
