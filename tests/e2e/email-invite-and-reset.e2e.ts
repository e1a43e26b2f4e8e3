import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startServer, type Server } from '../security/support/server';
import { linkIn, recipients, startSmtp, type TestSmtp } from '../support/smtp';
import { seriousViolations } from './support/axe';

// Roster with email on: a real SMTP server on another loopback address receives what Roster
// sends, and the invitee's browser opens the link from the parsed email.

const OWNER = 'owner@mailco.test';
// The reset journey changes it; later tests sign in with the current one.
let ownerPassword = 'roster-demo';

let smtp: TestSmtp;
let server: Server;

test.beforeAll(async () => {
	test.setTimeout(180_000);
	smtp = await startSmtp('127.0.0.6');
	server = await startServer({
		database: 'sqlite',
		env: { SMTP_URL: smtp.url, MAIL_FROM: 'Roster <roster@mailco.test>' }
	});
	server.seed(['--enterprise', 'Mailco', '--users', '5', '--seats', '20']);
});

test.afterAll(async () => {
	if (process.env.DEBUG_MAIL) console.log(server?.output());
	await server?.stop();
	await smtp?.close();
});

/** Signs the page's browser in through the API (its cookie jar) and opens the Licenses page, synced. */
async function openConsole(page: Page, email: string, password: string) {
	const res = await page.request.post(`${server.url}/api/auth/login`, {
		data: { email, password }
	});
	expect(res.status(), `sign in as ${email}`).toBe(200);
	await page.goto(`${server.url}/e/mailco/licenses?tab=invites`);
	// Synced and running: the invite form acts only once the page's scripts are in charge.
	await expect(page.getByRole('status').filter({ hasText: /All changes synced/ })).toBeVisible({
		timeout: 30_000
	});
}

/** What the server's database holds for an invitee: invites, queued emails, and those sent. */
function serverMail(email: string) {
	const db = new Database(join(server.env.DATA_DIR!, 'roster.db'), { readonly: true });
	try {
		const count = (query: string) =>
			(db.prepare(query).get(email.toLowerCase()) as { n: number }).n;
		return {
			invites: count('select count(*) as n from invites where lower(email) = ?'),
			queued: count("select count(*) as n from mail_queue where kind = 'invite' and recipient = ?"),
			sent: count(
				"select count(*) as n from mail_queue where kind = 'invite' and recipient = ? and sent_at is not null"
			)
		};
	} finally {
		db.close();
	}
}

async function newPage(browser: Browser): Promise<Page> {
	const context = await browser.newContext({ baseURL: server.url });
	return context.newPage();
}

test('an invite reaches the invitee by email, and its link creates their account and licenses them (R5, R6)', async ({
	browser
}) => {
	expect(server.output()).toContain('email is on');
	const admin = await newPage(browser);
	await openConsole(admin, OWNER, ownerPassword);
	const invitee = `dana.${Date.now()}@elsewhere.test`;
	const form = admin.getByRole('form', { name: 'Invite someone' });
	await form.getByLabel('Email').fill(invitee);
	await form.getByRole('button', { name: 'Send invite' }).click();

	const mail = await smtp.next(invitee, 30_000);
	expect(mail.subject).toBe('You are invited to join Mailco');
	const link = linkIn(mail, '/invite/');
	expect(link.startsWith(`${server.url}/invite/`)).toBe(true);

	const theirs = await newPage(browser);
	await theirs.goto(link);
	await expect(theirs.getByRole('heading', { name: 'Join Mailco' })).toBeVisible();
	expect(await seriousViolations(theirs), 'the accept page').toEqual([]);
	await theirs.getByLabel('Your name').fill('Dana Invitee');
	await theirs.getByLabel('Choose a password').fill('dana has a long password');
	await theirs.getByRole('button', { name: 'Accept the invite' }).click();
	await expect(theirs.getByRole('heading', { name: 'You have joined Mailco' })).toBeVisible();
	await expect(theirs.getByRole('status')).toContainText(invitee);

	// The console shows them licensed, and the invite gone, without a reload (poke, pull).
	await admin.getByRole('tab', { name: 'People' }).click();
	await admin.getByRole('searchbox').fill('dana');
	await expect(admin.getByRole('gridcell', { name: 'Dana Invitee' })).toBeVisible({
		timeout: 20_000
	});

	// The link was single-use.
	await theirs.goto(link);
	await expect(
		theirs.getByRole('heading', { name: 'This invite link does not work' })
	).toBeVisible();
});

test('an invite made offline is emailed once the console is back online and it lands', async ({
	browser
}) => {
	const admin = await newPage(browser);
	await openConsole(admin, OWNER, ownerPassword);
	const invitee = `olive.${Date.now()}@elsewhere.test`;
	await admin.context().setOffline(true);
	const form = admin.getByRole('form', { name: 'Invite someone' });
	await form.getByLabel('Email').fill(invitee);
	await form.getByRole('button', { name: 'Send invite' }).click();
	await expect(admin.getByText('Pending sync')).toBeVisible();
	// Nothing left while offline: the server has neither the invite nor an email for it (the email
	// is queued in the transaction that saves the invite, so this is the whole story, no waiting).
	expect(serverMail(invitee)).toEqual({ invites: 0, queued: 0, sent: 0 });
	expect(smtp.messages.filter((m) => recipients(m).includes(invitee))).toHaveLength(0);
	await admin.context().setOffline(false);
	await expect(admin.getByText('Pending sync')).toHaveCount(0, { timeout: 30_000 });
	// The queue marks the email sent once the SMTP server has taken it.
	await expect
		.poll(() => serverMail(invitee), { timeout: 30_000 })
		.toEqual({
			invites: 1,
			queued: 1,
			sent: 1
		});
	const mail = await smtp.next(invitee, 1_000);
	expect(linkIn(mail, '/invite/').startsWith(`${server.url}/invite/`)).toBe(true);
	expect(smtp.messages.filter((m) => recipients(m).includes(invitee))).toHaveLength(1);
});

test('the console copies an invite link, which sets no password, and an expired invite link shows a clear page (R5)', async ({
	browser
}) => {
	const admin = await newPage(browser);
	await openConsole(admin, OWNER, ownerPassword);
	const invitee = `eli.${Date.now()}@elsewhere.test`;
	const form = admin.getByRole('form', { name: 'Invite someone' });
	await form.getByLabel('Email').fill(invitee);
	await form.getByRole('button', { name: 'Send invite' }).click();
	await smtp.next(invitee, 30_000);

	const copy = admin.getByRole('button', { name: `Copy the invite link for ${invitee}` });
	await expect(copy).toBeVisible({ timeout: 20_000 });
	await copy.click();
	const field = admin.getByLabel(`Invite link for ${invitee}`, { exact: true });
	await expect(field).toHaveValue(new RegExp(`^${server.url}/invite/[A-Za-z0-9_-]{43}$`));
	const copied = await field.inputValue();

	// A copied link proves nothing about the mailbox: it creates no account (only the emailed one does).
	const holder = await newPage(browser);
	await holder.goto(copied);
	await expect(
		holder.getByRole('heading', { name: 'Open the link from your invite email' })
	).toBeVisible();
	expect(await seriousViolations(holder), 'the copied link page').toEqual([]);
	await expect(holder.getByLabel('Choose a password')).toHaveCount(0);
	await expect(holder.getByRole('button', { name: 'Accept the invite' })).toHaveCount(0);

	// Thirty-one days on: the invite expired (R5).
	const db = new Database(join(server.env.DATA_DIR!, 'roster.db'));
	try {
		db.prepare(
			'update invites set sent_at = sent_at - ?, expires_at = ? where lower(email) = ?'
		).run(31 * 86_400_000, Date.now() - 86_400_000, invitee);
	} finally {
		db.close();
	}
	const theirs = await newPage(browser);
	await theirs.goto(copied);
	await expect(theirs.getByRole('heading', { name: 'This invite has expired' })).toBeVisible();
	expect(await seriousViolations(theirs), 'the expired invite page').toEqual([]);
	await expect(theirs.getByText('Ask the person who invited you to send it again')).toBeVisible();
	await expect(theirs.getByRole('button', { name: 'Accept the invite' })).toHaveCount(0);
});

test('a password reset by email sets a new password and signs the account out everywhere', async ({
	browser
}) => {
	// Another device, signed in before the reset.
	const other = await newPage(browser);
	await openConsole(other, OWNER, ownerPassword);

	const page = await newPage(browser);
	await page.goto(`${server.url}/login`);
	await page.getByRole('link', { name: 'Forgot password?' }).click();
	await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
	expect(await seriousViolations(page), 'the forgot password page').toEqual([]);
	await page.getByLabel('Email').fill(OWNER);
	await page.getByRole('button', { name: 'Send reset link' }).click();
	await expect(page.getByRole('status')).toContainText('an email with a link to reset it');

	const link = linkIn(await smtp.next(OWNER, 30_000), '/reset-password/');
	await page.goto(link);
	await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
	expect(await seriousViolations(page), 'the new password page').toEqual([]);
	await page.getByLabel('New password', { exact: true }).fill('a fresh owner password');
	await page.getByLabel('New password again').fill('a fresh owner password');
	await page.getByRole('button', { name: 'Set new password' }).click();
	await page.waitForURL((url) => url.pathname === '/login');
	ownerPassword = 'a fresh owner password';
	await expect(page.getByRole('status')).toContainText('Your password was changed');
	await page.getByLabel('Email').fill(OWNER);
	await page.getByLabel('Password', { exact: true }).fill('a fresh owner password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => url.pathname !== '/login', { timeout: 30_000 });

	// The device signed in before the reset is signed out.
	expect((await other.request.get(`${server.url}/api/me`)).status()).toBe(401);
	await other.reload();
	await expect(other.getByRole('heading', { name: 'Sign in to Roster' })).toBeVisible({
		timeout: 20_000
	});

	// The link worked once.
	await page.goto(link);
	await expect(page.getByRole('heading', { name: 'This reset link does not work' })).toBeVisible();
});

test('invite links are made only for a pending invite of an enterprise the admin runs, with plain-word errors', async () => {
	const owner = await server.signIn(OWNER, ownerPassword);
	const me = (await (await owner.get('/api/me')).json()) as { enterprises: { id: string }[] };
	const enterpriseID = me.enterprises[0]!.id;
	const missing = await owner.post(
		`/api/enterprises/${enterpriseID}/invites/${crypto.randomUUID()}/link`
	);
	expect(missing.status()).toBe(404);
	expect((await missing.json()).message).toMatch(/not pending on the server/);
	const odd = await owner.post(`/api/enterprises/${enterpriseID}/invites/%00%2e%2e/link`);
	expect(odd.status()).toBe(404);
	const elsewhere = await owner.post(
		`/api/enterprises/${crypto.randomUUID()}/invites/${crypto.randomUUID()}/link`
	);
	expect(elsewhere.status()).toBe(403);
	const anonymous = await server.api.post(
		`/api/enterprises/${enterpriseID}/invites/${crypto.randomUUID()}/link`
	);
	expect(anonymous.status()).toBe(401);
});

test('without SMTP settings the server says email is off, and the reset page says what to do instead', async ({
	browser
}) => {
	const plain = await startServer({ database: 'sqlite' });
	try {
		expect(plain.output()).toContain('email is off');
		const context = await browser.newContext({ baseURL: plain.url });
		const page = await context.newPage();
		await page.goto(`${plain.url}/forgot-password`);
		await expect(
			page.getByText('This Roster server does not send password reset emails')
		).toBeVisible();
		await expect(page.getByRole('button', { name: 'Send reset link' })).toHaveCount(0);
		await context.close();
	} finally {
		await plain.stop();
	}
});
