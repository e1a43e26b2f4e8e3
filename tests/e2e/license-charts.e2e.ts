import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';

// Issue 4, item 9 (R4, R19): the Licenses page draws seat usage over time (from the server) and the
// active users of the last 7/30/90 days (from the mirror), each with the numbers as text.
test('R4/R19: seat usage over time and active users 7/30/90 days, with text alternatives', async ({
	page
}) => {
	await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
	await page.goto('/e/acme/licenses');
	const usage = page.getByRole('region', { name: 'Usage' });
	const active = usage.getByRole('img', { name: /active in the last 7 days/ });
	// Once the mirror is filled, the counts are over every licensed user.
	await expect(active).toHaveAttribute('aria-label', /of [1-9][\d,]* licensed users$/, {
		timeout: 30_000
	});
	const label = (await active.getAttribute('aria-label'))!;
	const [d7, d30, d90, total] = [
		...label.matchAll(/([\d,]+) active in the last \d+ days|of ([\d,]+) licensed users/g)
	].map((m) => Number((m[1] ?? m[2])!.replace(/,/g, '')));
	expect(d7).toBeLessThanOrEqual(d30!);
	expect(d30).toBeLessThanOrEqual(d90!);
	expect(d90).toBeLessThanOrEqual(total!);
	expect(total).toBeGreaterThan(0);
	await expect(usage.getByRole('img', { name: /^Seats used went from/ })).toBeVisible();
	await expect(usage.getByRole('table', { name: 'Seats per day' }).getByRole('row')).toHaveCount(
		91
	);
});
