import { describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { csvCell, toCsv } from './csv';

describe('toCsv (R21)', () => {
	it('neutralises cells starting with = + - @ tab or CR, and only those', () => {
		expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual([
			"'=1+1",
			"'+1",
			"'-1",
			"'@SUM(A1)",
			"'\tx",
			'"\'\rx"'
		]);
		expect(['a=1', ' =1', 'x-y', ''].map(csvCell)).toEqual(['a=1', ' =1', 'x-y', '']);
		expect(csvCell(-5)).toBe("'-5");
		expect(csvCell(null)).toBe('');
	});

	it('is RFC 4180: header, \\r\\n line ends, quotes doubled, quoted only where needed', () => {
		const rows = [
			{ email: 'a@x.test', name: 'Lovelace, Ada', note: 'said "hi"' },
			{ email: 'b@x.test', name: 'Line\nbreak', note: '=cmd|calc' }
		];
		const csv = toCsv(rows, ['email', { header: 'name', value: (r) => r.name }, 'note']);
		expect(csv).toBe(
			'email,name,note\r\n' +
				'a@x.test,"Lovelace, Ada","said ""hi"""\r\n' +
				'b@x.test,"Line\nbreak",\'=cmd|calc\r\n'
		);
		// A CSV reader gets the neutralised values back.
		const parsed = Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' }).data;
		expect(parsed).toEqual([
			['email', 'name', 'note'],
			['a@x.test', 'Lovelace, Ada', 'said "hi"'],
			['b@x.test', 'Line\nbreak', "'=cmd|calc"]
		]);
	});

	it('quotes cells holding ";", the separator Excel uses in many locales', () => {
		expect(csvCell('Smith; Jo')).toBe('"Smith; Jo"');
		expect(csvCell('=A1;B1')).toBe('"\'=A1;B1"');
		const csv = toCsv([{ name: 'Smith; Jo', team: 'a;b' }], ['name', 'team']);
		expect(csv).toBe('name,team\r\n"Smith; Jo","a;b"\r\n');
		// Outside quotes no ";" is left for a spreadsheet to split on, and a CSV reader gets the values.
		expect(csv.replace(/"(?:[^"]|"")*"/g, '')).not.toContain(';');
		expect(Papa.parse<string[]>(csv.trimEnd(), { newline: '\r\n' }).data[1]).toEqual([
			'Smith; Jo',
			'a;b'
		]);
	});

	it('writes just the header for no rows', () => {
		expect(toCsv([] as { a: string }[], ['a'])).toBe('a\r\n');
	});
});
