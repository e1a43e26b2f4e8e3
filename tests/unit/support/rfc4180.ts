/**
 * A small RFC 4180 reader for the tests, written apart from papaparse so the report is checked by
 * two parsers: records end in CRLF, fields are separated by commas, a quoted field may hold commas,
 * CR, LF and doubled quotes. Anything else (a bare quote, a lone LF between records, text after a
 * closing quote) throws, so sloppy output fails the test instead of parsing leniently.
 */
export function parseRfc4180(text: string): string[][] {
	const records: string[][] = [];
	let record: string[] = [];
	let i = 0;
	const n = text.length;
	if (n === 0) return records;
	for (;;) {
		let field = '';
		if (text[i] === '"') {
			i++;
			for (;;) {
				if (i >= n) throw new Error('unterminated quoted field');
				const ch = text[i]!;
				if (ch === '"') {
					if (text[i + 1] === '"') {
						field += '"';
						i += 2;
					} else {
						i++;
						break;
					}
				} else {
					field += ch;
					i++;
				}
			}
		} else {
			while (i < n && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
				if (text[i] === '"') throw new Error(`bare quote at ${i}`);
				field += text[i];
				i++;
			}
		}
		record.push(field);
		if (i >= n) throw new Error('the last record does not end in CRLF');
		if (text[i] === ',') {
			i++;
			continue;
		}
		if (text[i] === '\r' && text[i + 1] === '\n') {
			records.push(record);
			record = [];
			i += 2;
			if (i >= n) return records;
			continue;
		}
		throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
	}
}
