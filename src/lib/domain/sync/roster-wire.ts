import type { RosterPage } from './protocol';

/**
 * The roster page in binary columns (`GET /api/sync/roster?format=binary`): the same `RosterPage`
 * as the JSON form in fewer bytes after compression, read without `JSON.parse`.
 *
 * Layout: a version byte, a JSON header, then the sections below, each after its byte length (an
 * unsigned LEB128 varint, as every varint here).
 * - ids: version-4 UUIDs (lower-case, ascending) as their leading 32 bits delta-coded (a varint
 *   each, times 4, plus 2 bits of the rest) and the other 88 bits that are not fixed by the
 *   version and variant, 11 bytes each. Other lower-case UUIDs: the delta and 12 bytes. Any other
 *   ids: UTF-8 text.
 * - emails: the part before the last `@` as text, the domain as a varint index into the header's
 *   `domains` (0: no `@`); where that part starts with what the name gives (`writePrefix`: "Ada
 *   Lovelace" → "ada.lovelace"), a 1 in a section of varints and only the rest as text.
 * - text (ids in text form, local parts, names): one UTF-8 section per column, the strings' byte
 *   lengths in one section of varints (ids, local parts, then names).
 * - lastActive, seqs, since: integers as `(value - base) / unit` (plus 1 where null is 0), `base`
 *   and `unit` in the header, written as big-endian byte planes of `width` bytes (all the top
 *   bytes, then the next…), or as varints where `width` is 0; a column with other numbers as
 *   float64s.
 * - sources: a varint index into the header's `sources`.
 */
export { ROSTER_BINARY_TYPE } from './roster-type';

/** The forms `GET /api/sync/roster` answers in (`format=`); JSON unless asked. */
export const ROSTER_FORMATS = ['json', 'binary'] as const;
export type RosterFormat = (typeof ROSTER_FORMATS)[number];

const VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** How a number column was written (see the layout), or null for a column the page left out. */
type NumberColumn = { base: number; unit: number; width: number } | 'f64' | null;

interface Header {
	n: number;
	next: string | null;
	ids: 'uuid4' | 'uuid' | 'text';
	domains: string[];
	lastActive: NumberColumn;
	seqs: NumberColumn;
	since: NumberColumn;
	sources: string[] | null;
}

class Writer {
	bytes: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 12);
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
	/** `text` in UTF-8; its byte length. */
	text(text: string, encoder: TextEncoder): number {
		this.reserve(text.length * 3);
		const { written } = encoder.encodeInto(text, this.bytes.subarray(this.length));
		this.length += written;
		return written;
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
		if (this.pos >= b.length) throw new Error('roster page: cut off');
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
	section(): Uint8Array {
		const length = this.varint();
		if (this.pos + length > this.bytes.length) throw new Error('roster page: cut off');
		this.pos += length;
		return this.bytes.subarray(this.pos - length, this.pos);
	}
}

function gcd(a: number, b: number): number {
	while (b) [a, b] = [b, a % b];
	return a;
}

/** How to write `values` (null where absent), and the section that holds them. */
function encodeNumbers(
	values: readonly (number | null)[],
	planes: boolean
): [NumberColumn, Writer] {
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
	if (base === Infinity) base = max = 0;
	let unit = 0;
	for (const v of values) if (v !== null && unit !== 1) unit = gcd(unit, v - base);
	unit ||= 1;
	const offset = (v: number | null) => (v === null ? 0 : (v - base) / unit + 1);
	if (!planes) {
		for (const v of values) out.varint(offset(v));
		return [{ base, unit, width: 0 }, out];
	}
	let width = 1;
	while (2 ** (8 * width) <= (max - base) / unit + 1) width++;
	const n = values.length;
	out.reserve(n * width);
	out.length = n * width;
	for (let i = 0; i < n; i++) {
		let v = offset(values[i]!);
		for (let k = width - 1; k >= 0; k--) {
			out.bytes[k * n + i] = v % 256;
			v = Math.floor(v / 256);
		}
	}
	return [{ base, unit, width }, out];
}

function decodeNumbers(
	column: NumberColumn,
	bytes: Uint8Array,
	n: number
): (number | null)[] | undefined {
	if (column === null) return undefined;
	// Filled by push, not `new Array(n)`: a packed array, which IndexedDB and V8 copy fastest.
	const out: (number | null)[] = [];
	if (column === 'f64') {
		if (bytes.length !== n * 8) throw new Error('roster page: cut off');
		const floats = new Float64Array(bytes.slice().buffer);
		for (let i = 0; i < n; i++) out.push(Number.isNaN(floats[i]!) ? null : floats[i]!);
		return out;
	}
	const { base, unit, width } = column;
	if (width === 0) {
		const reader = new Reader(bytes);
		for (let i = 0; i < n; i++) {
			const v = reader.varint();
			out.push(v === 0 ? null : base + (v - 1) * unit);
		}
		return out;
	}
	if (bytes.length !== n * width) throw new Error('roster page: cut off');
	for (let i = 0; i < n; i++) {
		let v = 0;
		for (let k = 0, at = i; k < width; k++, at += n) v = v * 256 + bytes[at]!;
		out.push(v === 0 ? null : base + (v - 1) * unit);
	}
	return out;
}

/** The strings of `bytes` (UTF-8), one per byte length in `lengths`. */
function splitText(bytes: Uint8Array, lengths: Uint32Array, decoder: TextDecoder): string[] {
	const text = decoder.decode(bytes);
	const out: string[] = [];
	// Slices of one decoded string: flat, and far cheaper than decoding each string.
	if (text.length === bytes.length) {
		for (let i = 0, at = 0; i < lengths.length; i++) out.push(text.slice(at, (at += lengths[i]!)));
		return out;
	}
	for (let i = 0, at = 0, b = 0; i < lengths.length; i++) {
		let units = 0;
		for (const end = b + lengths[i]!; b < end; b++) {
			const byte = bytes[b]!;
			// A lead byte starts a character; one of 4 bytes is two UTF-16 units.
			if ((byte & 0xc0) !== 0x80) units++;
			if (byte >= 0xf0) units++;
		}
		out.push(text.slice(at, (at += units)));
	}
	return out;
}

// Each character up to U+024F (Latin, assigned since Unicode 1.1, so every engine decomposes it
// alike) as the ASCII letters and digits of its compatibility decomposition, lower-cased.
const FOLDED = Array.from({ length: 0x250 }, (_, c) =>
	String.fromCharCode(c)
		.normalize('NFKD')
		.replace(/[^A-Za-z0-9]/g, '')
		.toLowerCase()
);

const FOLDED_CODES = FOLDED.map((s) => Uint8Array.from(s, (ch) => ch.charCodeAt(0)));
// The same as one byte where it is one (0 where none), MANY where it is several.
const MANY = 0xff;
const FOLDED_ONE = Uint8Array.from(FOLDED_CODES, (f) =>
	f.length === 1 ? f[0]! : f.length ? MANY : 0
);
/** The most bytes `writePrefix` writes for a character (a dot, or a folded character). */
const MOST_FOLDED = Math.max(1, ...FOLDED.map((s) => s.length));
const SPACE = 0x20;
const DOT = 0x2e;

/**
 * Writes at `at` in `out` what an email's local part commonly starts with, from the person's name:
 * "José van Rossum" → "jose.vanrossum" (first word, a dot, the rest; accents and other marks
 * dropped), in ASCII; how many bytes. -1 for a name beyond Latin, never used to shorten an email.
 * `out` has room for `MOST_FOLDED` bytes a character of the name.
 */
function writePrefix(name: string, out: Uint8Array, at: number): number {
	const start = at;
	let dot = false;
	for (let i = 0; i < name.length; i++) {
		const c = name.charCodeAt(i);
		if (c >= FOLDED_CODES.length) return -1;
		if (c === SPACE && !dot && at > start) {
			out[at++] = DOT;
			dot = true;
			continue;
		}
		const one = FOLDED_ONE[c]!;
		if (one !== MANY) {
			if (one !== 0) out[at++] = one;
			continue;
		}
		const folded = FOLDED_CODES[c]!;
		for (let k = 0; k < folded.length; k++) out[at++] = folded[k]!;
	}
	return at - start;
}

let scratch = new Uint8Array(256);
/** How long the prefix `writePrefix` gives for `name` is, when `local` starts with it; else 0. */
function prefixOf(name: string, local: string): number {
	if (scratch.length < name.length * MOST_FOLDED)
		scratch = new Uint8Array(name.length * MOST_FOLDED);
	const length = writePrefix(name, scratch, 0);
	if (length <= 0 || length > local.length) return 0;
	for (let c = 0; c < length; c++) if (local.charCodeAt(c) !== scratch[c]) return 0;
	return length;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const HIGH = Uint8Array.from(HEX, (h) => h.charCodeAt(0));
/** Each hex digit's value, by its character code (lower case; the encoder checked the ids). */
const NIBBLE = Uint8Array.from({ length: 128 }, (_, c) =>
	c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : 0
);
const LOW = Uint8Array.from(HEX, (h) => h.charCodeAt(1));
const DASH = '-'.charCodeAt(0);
// Where each of an id's 16 bytes is written in its 36 characters.
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** A roster page in the binary form (see `ROSTER_BINARY_TYPE`). */
export function encodeRosterPage(page: RosterPage): Uint8Array<ArrayBuffer> {
	const n = page.ids.length;
	const encoder = new TextEncoder();
	let ids: Header['ids'] = 'uuid4';
	for (let i = 0; i < n && ids !== 'text'; i++) {
		const id = page.ids[i]!;
		if (i > 0 && !(page.ids[i - 1]! < id)) ids = 'text';
		else if (ids === 'uuid4' && !UUID4.test(id)) ids = UUID.test(id) ? 'uuid' : 'text';
		else if (ids === 'uuid' && !UUID.test(id)) ids = 'text';
	}

	const idHeads = new Writer();
	const idTails = new Writer();
	const lengths = new Writer();
	const idText = new Writer();
	if (ids === 'text') for (const id of page.ids) lengths.varint(idText.text(id, encoder));
	else {
		const b = new Uint8Array(16);
		const v4 = ids === 'uuid4';
		const tail = v4 ? new Uint8Array(11) : b.subarray(4);
		let previous = 0;
		for (const id of page.ids) {
			for (let k = 0; k < 16; k++)
				b[k] = (NIBBLE[id.charCodeAt(AT[k]!)]! << 4) | NIBBLE[id.charCodeAt(AT[k]! + 1)]!;
			const head = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
			if (v4) {
				// Version 4 fixes the top nibble of byte 6 and the top 2 bits of byte 8.
				idHeads.varint((head - previous) * 4 + (b[8]! & 3));
				tail[0] = b[4]!;
				tail[1] = b[5]!;
				tail[2] = ((b[6]! & 0x0f) << 4) | ((b[8]! >> 2) & 0x0f);
				tail[3] = b[7]!;
				tail.set(b.subarray(9), 4);
			} else idHeads.varint(head - previous);
			idTails.raw(tail);
			previous = head;
		}
	}

	const domains = new Map<string, number>();
	const domainIndexes = new Writer();
	const localText = new Writer();
	const fromName = new Writer();
	page.emails.forEach((email, i) => {
		const at = email.lastIndexOf('@');
		let k = 0;
		if (at >= 0) {
			const domain = email.slice(at + 1);
			k = domains.get(domain) ?? 0;
			if (k === 0) domains.set(domain, (k = domains.size + 1));
		}
		domainIndexes.varint(k);
		const local = at >= 0 ? email.slice(0, at) : email;
		const prefix = prefixOf(page.names[i] ?? '', local);
		fromName.varint(prefix > 0 ? 1 : 0);
		lengths.varint(localText.text(prefix > 0 ? local.slice(prefix) : local, encoder));
	});
	const nameText = new Writer();
	for (const name of page.names) lengths.varint(nameText.text(name, encoder));

	// Planes where the low bytes are noise (times to the millisecond, license numbers in id order);
	// varints for `since`, where grants made at whole days repeat whole byte sequences.
	const [lastActive, lastActiveBytes] = encodeNumbers(page.lastActive, true);
	const [seqs, seqBytes] = page.seqs ? encodeNumbers(page.seqs, true) : [null, new Writer()];
	const [since, sinceBytes] = page.since ? encodeNumbers(page.since, false) : [null, new Writer()];
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
		ids,
		domains: [...domains.keys()],
		lastActive,
		seqs,
		since,
		sources: page.sources ? [...sources.keys()] : null
	};
	const out = new Writer();
	out.raw(Uint8Array.of(VERSION));
	const head = new Writer();
	head.raw(encoder.encode(JSON.stringify(header)));
	for (const section of [
		head,
		idHeads,
		idTails,
		lengths,
		idText,
		domainIndexes,
		localText,
		fromName,
		nameText,
		lastActiveBytes,
		seqBytes,
		sourceIndexes,
		sinceBytes
	])
		out.section(section);
	return out.bytes.subarray(0, out.length);
}

/** Ids from their 16 bytes each, as one ASCII string cut in 36s (flat strings, one decode). */
function uuidsOf(bytes: Uint8Array, n: number, decoder: TextDecoder): string[] {
	const chars = new Uint8Array(n * 36);
	for (let i = 0; i < n; i++) {
		const c = i * 36;
		chars[c + 8] = chars[c + 13] = chars[c + 18] = chars[c + 23] = DASH;
		for (let k = 0; k < 16; k++) {
			const byte = bytes[i * 16 + k]!;
			chars[c + AT[k]!] = HIGH[byte]!;
			chars[c + AT[k]! + 1] = LOW[byte]!;
		}
	}
	const text = decoder.decode(chars);
	const ids: string[] = [];
	for (let i = 0; i < n; i++) ids.push(text.slice(i * 36, i * 36 + 36));
	return ids;
}

/** The `RosterPage` a binary roster page holds (throws on a page this version cannot read). */
export function decodeRosterPage(buffer: ArrayBuffer | Uint8Array): RosterPage {
	const reader = new Reader(buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer));
	if (reader.bytes[0] !== VERSION) throw new Error('roster page: unknown version');
	reader.pos = 1;
	const decoder = new TextDecoder();
	const header = JSON.parse(decoder.decode(reader.section())) as Header;
	const [idHeads, idTails, lengthBytes, idText, domainIndexes, localText, fromName, nameText] = [
		reader.section(),
		reader.section(),
		reader.section(),
		reader.section(),
		reader.section(),
		reader.section(),
		reader.section(),
		reader.section()
	];
	const [lastActiveBytes, seqBytes, sourceIndexes, sinceBytes] = [
		reader.section(),
		reader.section(),
		reader.section(),
		reader.section()
	];
	const { n } = header;
	const lengths = new Reader(lengthBytes);
	const varints = (reader: Reader) => {
		const out = new Uint32Array(n);
		for (let i = 0; i < n; i++) out[i] = reader.varint();
		return out;
	};

	let ids: string[];
	if (header.ids === 'text') ids = splitText(idText, varints(lengths), decoder);
	else {
		const heads = new Reader(idHeads);
		const bytes = new Uint8Array(n * 16);
		const v4 = header.ids === 'uuid4';
		if (idTails.length !== n * (v4 ? 11 : 12)) throw new Error('roster page: cut off');
		let head = 0;
		for (let i = 0, b = 0, t = 0; i < n; i++, b += 16) {
			let low = 0;
			if (v4) {
				const v = heads.varint();
				low = v % 4;
				head += (v - low) / 4;
			} else head += heads.varint();
			bytes[b] = head >>> 24;
			bytes[b + 1] = head >>> 16;
			bytes[b + 2] = head >>> 8;
			bytes[b + 3] = head;
			if (!v4) {
				bytes.set(idTails.subarray(t, (t += 12)), b + 4);
				continue;
			}
			const packed = idTails[t + 2]!;
			bytes[b + 4] = idTails[t]!;
			bytes[b + 5] = idTails[t + 1]!;
			bytes[b + 6] = 0x40 | (packed >> 4);
			bytes[b + 7] = idTails[t + 3]!;
			bytes[b + 8] = 0x80 | ((packed & 0x0f) << 2) | low;
			bytes.set(idTails.subarray(t + 4, (t += 11)), b + 9);
		}
		ids = uuidsOf(bytes, n, decoder);
	}

	const domainBytes = header.domains.map((d) => new TextEncoder().encode(`@${d}`));
	const domainOf = new Reader(domainIndexes);
	const indexes = varints(domainOf);
	const localLengths = varints(lengths);
	const names = splitText(nameText, varints(lengths), decoder);
	const derived = varints(new Reader(fromName));
	// Room for each email's bytes: the name's prefix (`MOST_FOLDED` a character), the rest of its local
	// part, then `@` and its domain; decoded as one text.
	let size = localText.length;
	for (let i = 0; i < n; i++) {
		if (derived[i]) size += names[i]!.length * MOST_FOLDED;
		if (indexes[i]! > 0) size += domainBytes[indexes[i]! - 1]?.length ?? 0;
	}
	const emailBytes = new Uint8Array(size);
	const emailLengths = new Uint32Array(n);
	let to = 0;
	for (let i = 0, from = 0; i < n; i++) {
		const start = to;
		if (derived[i]) {
			const length = writePrefix(names[i]!, emailBytes, to);
			if (length < 0) throw new Error('roster page: an email from a name beyond Latin');
			to += length;
		}
		emailBytes.set(localText.subarray(from, (from += localLengths[i]!)), to);
		to += localLengths[i]!;
		const domain = indexes[i]! > 0 ? domainBytes[indexes[i]! - 1] : undefined;
		if (indexes[i]! > 0 && !domain) throw new Error('roster page: unknown domain');
		if (domain) emailBytes.set(domain, to);
		to += domain?.length ?? 0;
		emailLengths[i] = to - start;
	}
	const emails = splitText(emailBytes.subarray(0, to), emailLengths, decoder);

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
		const sourceOf = new Reader(sourceIndexes);
		const sources: string[] = [];
		for (let i = 0; i < n; i++) {
			const source = header.sources[sourceOf.varint()];
			if (source === undefined) throw new Error('roster page: unknown source');
			sources.push(source);
		}
		page.sources = sources;
	}
	const since = decodeNumbers(header.since, sinceBytes, n);
	if (since) page.since = since as number[];
	return page;
}
