/**
 * The closing lines of `npm test`, from Vitest's and Playwright's JSON reports (null when that half
 * did not run) and the two exit codes. A Playwright test that failed and then passed on a retry is
 * reported as flaky, not expected: it passed, so it counts as passed and the e2e line says how many.
 * @param {{ numPassedTests?: number, numFailedTests?: number, numPendingTests?: number, numTodoTests?: number } | null} v
 * @param {{ stats?: { expected?: number, unexpected?: number, flaky?: number, skipped?: number } } | null} p
 * @param {{ unit: number, e2e: number }} status
 */
export function testSummary(v, p, { unit, e2e }) {
	const flaky = p?.stats?.flaky ?? 0;
	const e2ePassed = (p?.stats?.expected ?? 0) + flaky;
	const e2eFailed = p?.stats?.unexpected ?? 0;
	const passed = (v?.numPassedTests ?? 0) + e2ePassed;
	const failed = (v?.numFailedTests ?? 0) + e2eFailed;
	const skipped = (v?.numPendingTests ?? 0) + (v?.numTodoTests ?? 0) + (p?.stats?.skipped ?? 0);
	const ok = unit === 0 && e2e === 0 && passed > 0;
	return {
		ok,
		lines: [
			`unit: ${v?.numPassedTests ?? 0} passed, ${v?.numFailedTests ?? 0} failed`,
			`e2e: ${e2ePassed} passed${flaky ? ` (${flaky} on a retry)` : ''}, ${e2eFailed} failed`,
			`tests: ${passed} passed, ${ok ? failed : Math.max(failed, 1)} failed, ${skipped} skipped`
		]
	};
}
