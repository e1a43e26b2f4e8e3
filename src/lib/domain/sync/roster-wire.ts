import type { RosterPage } from './protocol';

/**
 * The roster page in binary columns (`GET /api/sync/roster?format=binary`): the same `RosterPage`
 * as the JSON form, in about half the bytes after compression and decoded without `JSON.parse`.
 *
 * Layout: a version byte, a JSON header (varint length first), then the sections below, each a
 * varint byte length and its bytes. Numbers are unsigned LEB128 varints unless said otherwise.
 * - ids: canonical lower-case UUIDs in ascending order as the leading 4 bytes delta-coded (a
 *   varint each) and the other 12 bytes raw, in two sections; any other ids go in the text block.
 * - emails: the part before the last `@` in the text block, the domain as an index into the
 *   header's `domains` (0: no `@`).
 * - text block: local parts and names (and ids in text form), UTF-8, with their lengths in UTF-16
 *   units in a section of their own.
 * - lastActive, seqs, since: integer columns as `(value - base) / unit (+ 1 where null is 0)`, with
 *   `base` and `unit` (the greatest common divisor) in the header; any non-integer column as
 *   float64s.
 * - sources: an index into the header's `sources`.
 */
export const ROSTER_BINARY_TYPE = 'application/vnd.roster.roster-page';

/** The forms `GET /api/sync/roster` answers in (`format=`); JSON unless asked. */
export const ROSTER_FORMATS = ['json', 'binary'] as const;
export type RosterFormat = (typeof ROSTER_FORMATS)[number];

const VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How a number column was written: integers as offsets from `base` in steps of `unit`, or floats. */
type NumberColumn = { base: number; unit: number } | 'f64' | null;

interface Header {
	n: number;
	next: string | null;
	ids: 'uuid' | 'text';
	domains: string[];
	lastActive: NumberColumn;
	seqs: NumberColumn;
	since: NumberColumn;
	sources: string[] | null;
}

class Writer {
	bytes: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 16);
	length = 0;
	reserve(n: number) {
		if (this.length + n <= this.bytes.length) return;
		let size = this.bytes.length * 2;
		while (size < this.length + n) size *= 2;
		const grown = new Uint8Array(size);
		grown.set(this.bytes.subarray(0, this.length));
		this.bytes = grown;
	}
	/** An unsigned integer up to 2^53, 7 bits a byte. */
	varint(v: number) {
		this.reserve(8);
		const b = this.bytes;
		while (v >= 0x80) {
			b[this.length++] = (v % 0x80) | 0x80;
			v = Math.floor(v / 0x80);
		}
		b[this.length++] = v;
	}
	raw(bytes: Uint8Array) {
		this.reserve(bytes.length);
		this.bytes.set(bytes, this.length);
		this.length += bytes.length;
	}
	/** `section`'s bytes, after their length. */
	section(section: Writer) {
		this.varint(section.length);
		this.raw(section.bytes.subarray(0, section.length));
	}
}

class Reader {
	pos = 0;
	constructor(readonly bytes: Uint8Array) {}
	varint(): number {
		const b = this.bytes;
		let byte = b[this.pos++]!;
		if (byte < 0x80) return byte;
		let v = byte & 0x7f;
		let scale = 0x80;
		do {
			if (this.pos >= b.length) throw new Error('roster page: cut off');
			byte = b[this.pos++]!;
			v += (byte & 0x7f) * scale;
			scale *= 0x80;
		} while (byte >= 0x80);
		return v;
	}
	section(): Reader {
		const length = this.varint();
		if (this.pos + length > this.bytes.length) throw new Error('roster page: cut off');
		const out = new Reader(this.bytes.subarray(this.pos, this.pos + length));
		this.pos += length;
		return out;
	}
}

function gcd(a: number, b: number): number {
	while (b) [a, b] = [b, a % b];
	return a;
}

/** How to write `values` (null where absent), and the section that holds them. */
function encodeNumbers(values: readonly (number | null)[]): [NumberColumn, Writer] {
	const out = new Writer();
	let base = Infinity;
	let max = -Infinity;
	let integers = true;
	for (const v of values) {
		if (v === null) continue;
		if (!Number.isSafeInteger(v)) integers = false;
		if (v < base) base = v;
		if (v > max) max = v;
	}
	if (!integers || (base !== Infinity && !Number.isSafeInteger(max - base + 1))) {
		const floats = new Float64Array(values.length);
		values.forEach((v, i) => (floats[i] = v ?? Number.NaN));
		out.raw(new Uint8Array(floats.buffer));
		return ['f64', out];
	}
	if (base === Infinity) base = 0;
	let unit = 0;
	for (const v of values) if (v !== null && unit !== 1) unit = gcd(unit, v - base);
	unit ||= 1;
	for (const v of values) out.varint(v === null ? 0 : (v - base) / unit + 1);
	return [{ base, unit }, out];
}

function decodeNumbers(
	column: NumberColumn,
	section: Reader,
	n: number
): (number | null)[] | undefined {
	if (column === null) return undefined;
	const out = new Array<number | null>(n);
	if (column === 'f64') {
		const bytes = section.bytes.slice(0, n * 8);
		if (bytes.length !== n * 8) throw new Error('roster page: cut off');
		const floats = new Float64Array(bytes.buffer);
		for (let i = 0; i < n; i++) out[i] = Number.isNaN(floats[i]!) ? null : floats[i]!;
		return out;
	}
	const { base, unit } = column;
	for (let i = 0; i < n; i++) {
		const v = section.varint();
		out[i] = v === 0 ? null : base + (v - 1) * unit;
	}
	return out;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const HEX_VALUE = new Map(HEX.map((h, b) => [h, b]));

/** A roster page in the binary form (see `ROSTER_BINARY_TYPE`). */
export function encodeRosterPage(page: RosterPage): Uint8Array<ArrayBuffer> {
	const n = page.ids.length;
	let uuid = true;
	for (let i = 0; i < n && uuid; i++)
		uuid = UUID.test(page.ids[i]!) && (i === 0 || page.ids[i - 1]! < page.ids[i]!);

	const idHeads = new Writer();
	const idTails = new Writer();
	const texts: string[] = [];
	if (uuid) {
		const tail = new Uint8Array(12);
		let previous = 0;
		for (const id of page.ids) {
			const hex = id.replaceAll('-', '');
			const head = parseInt(hex.slice(0, 8), 16);
			idHeads.varint(head - previous);
			previous = head;
			for (let k = 0; k < 12; k++) tail[k] = HEX_VALUE.get(hex.slice(8 + 2 * k, 10 + 2 * k))!;
			idTails.raw(tail);
		}
	} else texts.push(...page.ids);

	const domains = new Map<string, number>();
	const domainIndexes = new Writer();
	for (const email of page.emails) {
		const at = email.lastIndexOf('@');
		if (at < 0) {
			domainIndexes.varint(0);
			texts.push(email);
			continue;
		}
		const domain = email.slice(at + 1);
		let k = domains.get(domain);
		if (k === undefined) domains.set(domain, (k = domains.size + 1));
		domainIndexes.varint(k);
		texts.push(email.slice(0, at));
	}
	texts.push(...page.names);
	const lengths = new Writer();
	for (const text of texts) lengths.varint(text.length);
	const textBytes = new Writer();
	textBytes.raw(new TextEncoder().encode(texts.join('')));

	const [lastActive, lastActiveBytes] = encodeNumbers(page.lastActive);
	const [seqs, seqBytes] = page.seqs ? encodeNumbers(page.seqs) : [null, new Writer()];
	const [since, sinceBytes] = page.since ? encodeNumbers(page.since) : [null, new Writer()];
	const sources = new Map<string, number>();
	const sourceIndexes = new Writer();
	for (const source of page.sources ?? []) {
		let k = sources.get(source);
		if (k === undefined) sources.set(source, (k = sources.size));
		sourceIndexes.varint(k);
	}

	const header: Header = {
		n,
		next: page.next,
		ids: uuid ? 'uuid' : 'text',
		domains: [...domains.keys()],
		lastActive,
		seqs,
		since,
		sources: page.sources ? [...sources.keys()] : null
	};
	const out = new Writer();
	out.raw(new Uint8Array([VERSION]));
	const head = new Writer();
	head.raw(new TextEncoder().encode(JSON.stringify(header)));
	out.section(head);
	for (const section of [
		idHeads,
		idTails,
		domainIndexes,
		lengths,
		textBytes,
		lastActiveBytes,
		seqBytes,
		sourceIndexes,
		sinceBytes
	])
		out.section(section);
	return out.bytes.subarray(0, out.length);
}

/** The `RosterPage` a binary roster page holds (throws on a page this version cannot read). */
export function decodeRosterPage(buffer: ArrayBuffer | Uint8Array): RosterPage {
	const reader = new Reader(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer));
	if (reader.bytes[0] !== VERSION) throw new Error('roster page: unknown version');
	reader.pos = 1;
	const decoder = new TextDecoder();
	const header = JSON.parse(decoder.decode(reader.section().bytes)) as Header;
	const [idHeads, idTails, domainIndexes, lengths, textBytes] = [1, 2, 3, 4, 5].map(() =>
		reader.section()
	) as [Reader, Reader, Reader, Reader, Reader];
	const [lastActiveBytes, seqBytes, sourceIndexes, sinceBytes] = [1, 2, 3, 4].map(() =>
		reader.section()
	) as [Reader, Reader, Reader, Reader];
	const { n } = header;

	const text = decoder.decode(textBytes.bytes);
	let at = 0;
	const nextText = () => {
		const length = lengths.varint();
		const s = text.slice(at, at + length);
		at += length;
		return s;
	};
	const ids = new Array<string>(n);
	if (header.ids === 'uuid') {
		const tails = idTails.bytes;
		if (tails.length !== n * 12) throw new Error('roster page: cut off');
		let head = 0;
		for (let i = 0, t = 0; i < n; i++, t += 12) {
			head += idHeads.varint();
			const h = (head + 0x1_0000_0000).toString(16).slice(1);
			ids[i] =
				`${h}-${HEX[tails[t]!]}${HEX[tails[t + 1]!]}-${HEX[tails[t + 2]!]}${HEX[tails[t + 3]!]}-` +
				`${HEX[tails[t + 4]!]}${HEX[tails[t + 5]!]}-${HEX[tails[t + 6]!]}${HEX[tails[t + 7]!]}` +
				`${HEX[tails[t + 8]!]}${HEX[tails[t + 9]!]}${HEX[tails[t + 10]!]}${HEX[tails[t + 11]!]}`;
		}
	} else for (let i = 0; i < n; i++) ids[i] = nextText();
	const emails = new Array<string>(n);
	const domains = header.domains.map((d) => `@${d}`);
	for (let i = 0; i < n; i++) {
		const k = domainIndexes.varint();
		const local = nextText();
		emails[i] = k === 0 ? local : local + domains[k - 1]!;
	}
	const names = new Array<string>(n);
	for (let i = 0; i < n; i++) names[i] = nextText();

	const page: RosterPage = {
		ids,
		emails,
		names,
		lastActive: decodeNumbers(header.lastActive, lastActiveBytes, n)!,
		next: header.next
	};
	const seqs = decodeNumbers(header.seqs, seqBytes, n);
	if (seqs) page.seqs = seqs as number[];
	if (header.sources) {
		const sources = new Array<string>(n);
		for (let i = 0; i < n; i++) sources[i] = header.sources[sourceIndexes.varint()]!;
		page.sources = sources;
	}
	const since = decodeNumbers(header.since, sinceBytes, n);
	if (since) page.since = since as number[];
	return page;
}
