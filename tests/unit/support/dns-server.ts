import { createSocket, type RemoteInfo } from 'node:dgram';

const TXT = 16;

/** A tiny authoritative DNS server on loopback answering TXT queries from a table (UDP only). */
export interface TestDnsServer {
	/** `127.0.0.1:<port>`, as `DNS_SERVERS` takes it. */
	address: string;
	/** Sets the TXT records of a name (each record one string); an empty list: the name exists without TXT. */
	setTxt(name: string, records: string[]): void;
	/** Names that get no answer at all (a resolver timeout). */
	silent: Set<string>;
	/** Every name asked, in order. */
	queries: string[];
	/** Holds answers for a name until the returned function is called; resolves `asked` on the first query. */
	hold(name: string): { asked: Promise<void>; release: () => void };
	close(): Promise<void>;
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
	const labels: string[] = [];
	let i = offset;
	while (i < msg.length && msg[i] !== 0) {
		const len = msg[i]!;
		labels.push(msg.subarray(i + 1, i + 1 + len).toString('latin1'));
		i += 1 + len;
	}
	return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function txtRdata(record: string): Buffer {
	// A record longer than 255 bytes goes as several strings (RFC 1035 §3.3.14).
	const bytes = Buffer.from(record, 'utf8');
	const parts: Buffer[] = [];
	for (let i = 0; i < bytes.length || i === 0; i += 255) {
		const chunk = bytes.subarray(i, i + 255);
		parts.push(Buffer.from([chunk.length]), chunk);
		if (bytes.length === 0) break;
	}
	return Buffer.concat(parts);
}

function answer(query: Buffer, table: Map<string, string[]>): Buffer | null {
	if (query.length < 12) return null;
	const { name, end } = readName(query, 12);
	const qtype = query.readUInt16BE(end);
	const question = query.subarray(12, end + 4);
	const records = table.get(name);
	const answers =
		records && qtype === TXT
			? records.map((r) => {
					const rdata = txtRdata(r);
					const rr = Buffer.alloc(12);
					rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
					rr.writeUInt16BE(TXT, 2);
					rr.writeUInt16BE(1, 4); // IN
					rr.writeUInt32BE(60, 6); // TTL
					rr.writeUInt16BE(rdata.length, 10);
					return Buffer.concat([rr, rdata]);
				})
			: [];
	const header = Buffer.alloc(12);
	query.copy(header, 0, 0, 2); // id
	// QR, AA, RD as asked; RA; NXDOMAIN for an unknown name.
	const rd = query[2]! & 0x01;
	header[2] = 0x84 | rd;
	header[3] = 0x80 | (records ? 0 : 3);
	header.writeUInt16BE(1, 4);
	header.writeUInt16BE(answers.length, 6);
	return Buffer.concat([header, question, ...answers]);
}

/** Starts a DNS server on 127.0.0.1 and the given port (a free one by default). */
export async function startDnsServer(port = 0): Promise<TestDnsServer> {
	const table = new Map<string, string[]>();
	const silent = new Set<string>();
	const queries: string[] = [];
	const gates = new Map<string, { asked: () => void; released: Promise<void> }>();
	const socket = createSocket('udp4');
	const handle = async (msg: Buffer, from: RemoteInfo) => {
		try {
			const { name } = readName(msg, 12);
			queries.push(name);
			if (silent.has(name)) return;
			const gate = gates.get(name);
			if (gate) {
				gate.asked();
				await gate.released;
			}
			const reply = answer(msg, table);
			if (reply) socket.send(reply, from.port, from.address);
		} catch {
			// a malformed query gets no answer
		}
	};
	socket.on('message', (msg: Buffer, from: RemoteInfo) => void handle(msg, from));
	await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
	const bound = socket.address().port;
	return {
		address: `127.0.0.1:${bound}`,
		setTxt: (name, records) => void table.set(name.toLowerCase(), records),
		silent,
		queries,
		hold(name) {
			let asked!: () => void;
			let release!: () => void;
			const askedP = new Promise<void>((r) => (asked = r));
			const released = new Promise<void>((r) => (release = r));
			gates.set(name.toLowerCase(), { asked, released });
			return {
				asked: askedP,
				release: () => {
					gates.delete(name.toLowerCase());
					release();
				}
			};
		},
		close: () => new Promise<void>((resolve) => socket.close(() => resolve()))
	};
}
