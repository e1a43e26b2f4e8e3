/** A CSV column: its header and how a row gives its cell. */
export interface CsvColumn<T> {
	header: string;
	value: (row: T) => string | number | boolean | null | undefined;
}

/** Cells starting with one of these could run as a spreadsheet formula (R21). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Characters that make a cell quoted (R21): RFC 4180's comma, quote, CR and LF, and `;`, the
 * separator Excel uses in locales where the comma is the decimal mark.
 */
export const CSV_NEEDS_QUOTES = /[",;\r\n]/;

/**
 * One CSV cell (R21): a cell starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed
 * with `'` so spreadsheets show it as text; then quoted when it holds a comma, a semicolon, a
 * quote, CR or LF (quotes doubled). null and undefined are empty.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
	let text = value == null ? '' : String(value);
	if (FORMULA_START.test(text)) text = `'${text}`;
	return CSV_NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes rows as CSV (R21): RFC 4180 with `\r\n` line ends, a header row, every cell neutralised
 * against formulas. Columns are keys of the row or `{header, value}`.
 */
export function toCsv<T>(
	rows: Iterable<T>,
	columns: readonly ((keyof T & string) | CsvColumn<T>)[]
): string {
	const cols: CsvColumn<T>[] = columns.map((c) =>
		typeof c === 'string'
			? { header: c, value: (row: T) => row[c] as string | number | boolean | null | undefined }
			: c
	);
	const lines = [cols.map((c) => csvCell(c.header)).join(',')];
	for (const row of rows) lines.push(cols.map((c) => csvCell(c.value(row))).join(','));
	return `${lines.join('\r\n')}\r\n`;
}
