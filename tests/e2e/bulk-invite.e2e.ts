import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ADMINS, signIn } from './support/auth';
import { LicensesPage } from './support/licenses-page';

const num = (text: string) => Number(text.replace(/,/g, ''));

// R5, R6: a CSV of invites is read in a worker and previewed with its row errors and
// the seat math before anything is queued; too few seats leads to the seat count. Initech is used
// (not Globex: invites-seats and scim change Globex's seat usage and may run at the same time, and a
// seat count read there could be stale) and left with the seat count it had.
test('R5/R6: bulk invite from CSV — preview with row errors and seat math, more seats, invite, pending invites', async ({
	page
}) => {
	await signIn(page, ADMINS.initechOwner.email, ADMINS.initechOwner.password);
	const licenses = new LicensesPage(page);
	await licenses.goto('initech');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, { timeout: 30_000 });
	const seats = licenses.seats;
	const [used, purchased] = (await licenses.seatFigure.innerText())
		.replace(' seats used', '')
		.split(' of ')
		.map(num) as [number, number];
	const licensedEmail = (await licenses.rows.first().innerText()).match(/\S+@\S+/)![0];
	await licenses.openTab('Invites');

	// No free seat to start with, so the preview has to ask for more.
	await seats.getByRole('button', { name: 'Change seat count' }).click();
	await seats.getByLabel('Purchased seats').fill(String(used));
	await seats.getByRole('button', { name: 'Save seat count' }).click();
	await expect(licenses.figure('Free seats')).toHaveText('0');

	const tag = randomUUID().slice(0, 8);
	const good = [`bulk-a-${tag}@initech.test`, `bulk-b-${tag}@initech.test`] as const;
	const csv = [
		'\ufeffEmail;ROLE;Teams',
		`${good[0]};admin;Platform`,
		`${good[1]};;`,
		`${good[1].toUpperCase()};member;`,
		`not-an-email;member;`,
		`${licensedEmail};member;`,
		`bulk-c-${tag}@initech.test;member;No Such Team`,
		`bulk-d-${tag}@initech.test;owner;`
	].join('\r\n');
	await page.getByLabel('Invite from CSV').setInputFiles({
		name: 'invites.csv',
		mimeType: 'text/csv',
		buffer: Buffer.from(csv, 'utf8')
	});

	const preview = page.getByRole('region', { name: 'Invite preview' });
	await expect(preview).toBeVisible({ timeout: 20_000 });
	const row = (text: string) => preview.getByRole('row').filter({ hasText: text });
	await expect(row(good[0])).toContainText('admin');
	await expect(row(good[0])).toContainText('Platform');
	await expect(row(good[0])).toContainText('OK');
	await expect(preview.getByRole('row').filter({ hasText: 'is already on row 3' })).toHaveCount(1);
	await expect(row('not-an-email')).toContainText('is not an email address');
	await expect(row(licensedEmail)).toContainText('already has a license');
	await expect(row(`bulk-c-${tag}`)).toContainText('no team is named “No Such Team”');
	await expect(row(`bulk-d-${tag}`)).toContainText('role “owner” is not admin or member');
	// R6: the seat math, before anything is queued.
	await expect(preview).toContainText('2 valid invites need 2 seats; 0 free.');
	await expect(preview).toContainText('The import needs 2 more seats.');
	const inviteAll = preview.getByRole('button', { name: 'Invite 2 people' });
	await expect(inviteAll).toBeDisabled();
	await expect(page.getByRole('region', { name: 'Pending invites' })).not.toContainText(good[0]);

	await preview.getByRole('button', { name: 'Change seat count' }).click();
	await seats.getByLabel('Purchased seats').fill(String(used + 2));
	await seats.getByRole('button', { name: 'Save seat count' }).click();
	await expect(preview).toContainText('2 valid invites need 2 seats; 2 free.');
	await inviteAll.click();
	await expect(page.getByRole('region', { name: 'Bulk invite result' })).toContainText(
		'2 invites queued'
	);
	await expect(licenses.figure('Free seats')).toHaveText('0');
	const pending = page.getByRole('region', { name: 'Pending invites' });
	for (const email of good)
		await expect(pending.getByRole('row').filter({ hasText: email })).toBeVisible();
	await expect(
		pending.getByRole('row').filter({ hasText: good[0] }).getByRole('combobox')
	).toHaveValue('admin');
	await expect(page.getByRole('status')).toHaveText(/All changes synced/, {
		timeout: 20_000
	});

	// Leave Initech as found: revoke the two invites, then the seat count it had.
	for (const email of good) {
		const r = pending.getByRole('row').filter({ hasText: email });
		await r.getByRole('button', { name: `Revoke the invite to ${email}` }).click();
		await r.getByRole('button', { name: 'Revoke invite' }).click();
		await expect(r).toHaveCount(0);
	}
	await seats.getByRole('button', { name: 'Change seat count' }).click();
	await seats.getByLabel('Purchased seats').fill(String(purchased));
	await seats.getByRole('button', { name: 'Save seat count' }).click();
	const me = await (await page.request.get('/api/me')).json();
	const initech = me.enterprises.find((e: { slug: string }) => e.slug === 'initech');
	await expect
		.poll(
			async () =>
				(await (await page.request.get(`/api/enterprises/${initech.id}/licenses?limit=1`)).json())
					.seats.purchased,
			{ timeout: 20_000 }
		)
		.toBe(purchased);
});
