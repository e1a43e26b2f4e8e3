import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** The serious and critical violations on the page, one line each, for a readable failure. */
export async function seriousViolations(page: Page): Promise<string[]> {
	const { violations, passes } = await new AxeBuilder({ page })
		.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
		.analyze();
	// A scan that checked nothing would pass vacuously.
	expect(passes.length).toBeGreaterThan(0);
	return violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map(
			(v) =>
				`${v.impact} ${v.id}: ${v.help} — ${v.nodes
					.slice(0, 3)
					.map((n) => n.target.join(' '))
					.join(', ')}`
		);
}
