import { expect, type Locator, type Page } from '@playwright/test';

/**
 * The Licenses page as an admin sees it: the seat meter and the licensed-users grid, read from the
 * mirror and virtualized (only the rows in view are in the DOM).
 */
export class LicensesPage {
	readonly seats: Locator;
	readonly seatFigure: Locator;
	readonly users: Locator;
	readonly table: Locator;
	readonly rows: Locator;
	readonly search: Locator;
	readonly lastActiveHeader: Locator;
	readonly lastActiveSort: Locator;
	readonly emailSort: Locator;
	/** "N of M licensed users". */
	readonly count: Locator;

	constructor(readonly page: Page) {
		this.seats = page.getByRole('region', { name: 'Seats' });
		this.seatFigure = this.seats.getByText(/seats used$/);
		this.users = page.getByRole('region', { name: 'Licensed users' });
		this.table = this.users.getByRole('grid', { name: 'Licensed users' });
		this.rows = this.table.getByRole('row').filter({ has: page.getByRole('gridcell') });
		this.search = page.getByRole('searchbox', { name: 'Search licensed users' });
		this.lastActiveHeader = this.table.getByRole('columnheader', { name: /Last Active/ });
		this.lastActiveSort = this.lastActiveHeader.getByRole('button', { name: /^Last Active/ });
		this.emailSort = this.table.getByRole('columnheader', { name: /Email/ }).getByRole('button');
		this.count = this.users.getByText(/^[\d,]+ of [\d,]+ licensed users$/);
	}

	/** A tab of the page: People (the default), Invites or Usage. */
	tab(name: 'People' | 'Invites' | 'Usage'): Locator {
		return this.page.getByRole('tab', { name, exact: true });
	}

	/** Opens a tab as an admin would, by pressing it. */
	async openTab(name: 'People' | 'Invites' | 'Usage'): Promise<void> {
		await this.tab(name).click();
		await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
	}

	async goto(slug: string, query = ''): Promise<void> {
		await this.page.goto(`/e/${slug}/licenses${query}`);
	}

	/** The value shown next to a label of the seat meter ("Licensed users", "Free seats"…). */
	figure(label: string): Locator {
		return this.seats
			.locator('dl > div')
			.filter({ has: this.page.getByText(label, { exact: true }) })
			.locator('dd');
	}

	/** What the seat meter shows, in the console's number format. */
	async shownSeats(): Promise<{ figure: string; licensed: string; pending: string; free: string }> {
		return {
			figure: (await this.seatFigure.innerText()).trim(),
			licensed: (await this.figure('Licensed users').innerText()).trim(),
			pending: (await this.figure('Pending invites').innerText()).trim(),
			free: (await this.figure('Free seats').innerText()).trim()
		};
	}

	/** The text of one column (0: Name, 1: Email, 2: Last Active) for every row rendered. */
	async column(index: 0 | 1 | 2): Promise<string[]> {
		return (
			await this.rows.locator(`[role="gridcell"]:nth-child(${index + 1})`).allInnerTexts()
		).map((t) => t.trim());
	}

	/** The row of a licensed user, by email. */
	row(email: string): Locator {
		return this.rows.filter({
			has: this.page.getByRole('gridcell', { name: email, exact: true })
		});
	}

	emails(): Promise<string[]> {
		return this.column(1);
	}
}
