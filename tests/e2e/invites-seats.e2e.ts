import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';
import { VIEWPORTS } from './support/viewports';

const num = (text: string) => Number(text.replace(/,/g, ''));

// R4–R6: pending invites are resent, re-roled and revoked; with no free seat an
// invite says how many seats are missing and leads to the seat count, which never goes below use.
// Globex (owned by the demo owner) is used so the Acme journeys elsewhere keep their seat numbers.
for (const [label, options] of VIEWPORTS) {
	test.describe(label, () => {
		test.use(options);
		test(`R4–R6: no free seat → change the seat count → invite; change role, resend and revoke pending invites (${label})`, async ({
			page
		}) => {
			await signIn(page, ADMINS.owner.email, ADMINS.owner.password);
			const licenses = new LicensesPage(page);
			await licenses.goto('globex', '?tab=invites');
			await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
			const seats = licenses.seats;

			// Fill the seats exactly: the purchased count becomes the seats in use.
			const [used, purchased] = (await licenses.seatFigure.innerText())
				.replace(' seats used', '')
				.split(' of ')
				.map(num) as [number, number];
			await seats.getByRole('button', { name: 'Change seat count' }).click();
			// Below use is refused, and says why.
			await seats.getByLabel('Purchased seats').fill(String(used - 1));
			await seats.getByRole('button', { name: 'Save seat count' }).click();
			await expect(seats.getByRole('alert')).toContainText(
				`${used.toLocaleString('en-US')} seats are in use`
			);
			await seats.getByLabel('Purchased seats').fill(String(used));
			await seats.getByRole('button', { name: 'Save seat count' }).click();
			await expect(licenses.seatFigure).toHaveText(
				`${used.toLocaleString('en-US')} of ${used.toLocaleString('en-US')} seats used`
			);

			// R6: an invite with no free seat says so with the numbers, and offers the way out.
			const email = `seat-${randomUUID().slice(0, 8)}@globex.test`;
			const invite = page.getByRole('form', { name: 'Invite someone' });
			await invite.getByLabel('Email').fill(email);
			await invite.getByRole('button', { name: 'Send invite' }).click();
			await expect(invite.getByRole('alert')).toContainText(
				`no free seat: ${used} of ${used} used; 1 needed, 0 free`
			);
			await invite.getByRole('button', { name: 'Change seat count' }).click();
			await seats.getByLabel('Purchased seats').fill(String(used + 1));
			await seats.getByRole('button', { name: 'Save seat count' }).click();
			await expect(licenses.figure('Free seats')).toHaveText('1');
			await invite.getByLabel('Email').fill(email);
			await invite.getByRole('button', { name: 'Send invite' }).click();
			const pending = page.getByRole('region', { name: 'Pending invites' });
			const row = pending.getByRole('row').filter({ hasText: email });
			await expect(row).toBeVisible();
			await expect(licenses.figure('Free seats')).toHaveText('0');

			// R5: change its role, resend it, then revoke it: the seat is free at once.
			await row
				.getByRole('combobox', { name: `Role of the invite to ${email}` })
				.selectOption('admin');
			await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
			await row.getByRole('button', { name: `Resend the invite to ${email}` }).click();
			await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });
			await row.getByRole('button', { name: `Revoke the invite to ${email}` }).click();
			// The question comes on a row of its own, under the invite's.
			const question = pending.getByRole('row').filter({ hasText: 'Its seat is free at once' });
			await expect(question).toContainText(`Revoke the invite to ${email}?`);
			await question.getByRole('button', { name: 'Revoke invite' }).click();
			await expect(row).toHaveCount(0);
			await expect(licenses.figure('Free seats')).toHaveText('1');
			await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 20_000 });

			// The server agrees: the new seat count, and the revoked invite is gone from its pending count.
			const me = await (await page.request.get('/api/me')).json();
			const globex = me.enterprises.find((e: { slug: string }) => e.slug === 'globex');
			const serverSeats = async () =>
				(await (await page.request.get(`/api/enterprises/${globex.id}/licenses?limit=1`)).json())
					.seats as { purchased: number; pendingInvites: number };
			const pendingHere = num((await licenses.figure('Pending invites').innerText()).trim());
			await expect
				.poll(serverSeats, { timeout: 20_000 })
				.toMatchObject({ purchased: used + 1, pendingInvites: pendingHere });
			// Leave Globex with the seats it had, for the journeys that follow.
			await licenses.seats.getByRole('button', { name: 'Change seat count' }).click();
			await licenses.seats.getByLabel('Purchased seats').fill(String(purchased));
			await licenses.seats.getByRole('button', { name: 'Save seat count' }).click();
			await expect
				.poll(async () => (await serverSeats()).purchased, { timeout: 20_000 })
				.toBe(purchased);
		});
	});
}

test('R2: billing changes the seat count but cannot invite, resend or revoke', async ({ page }) => {
	await signIn(page, ADMINS.billing.email, ADMINS.billing.password);
	const licenses = new LicensesPage(page);
	await licenses.goto('acme', '?tab=invites');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	await expect(licenses.seats.getByRole('button', { name: 'Change seat count' })).toBeVisible();
	await expect(page.getByRole('region', { name: 'Pending invites' })).toBeVisible();
	await expect(page.getByRole('form', { name: 'Invite someone' })).toHaveCount(0);
	await expect(page.getByRole('button', { name: /^Revoke the invite/ })).toHaveCount(0);
	await expect(page.getByRole('button', { name: /^Resend the invite/ })).toHaveCount(0);
});
