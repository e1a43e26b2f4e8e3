/** A small seeded PRNG (sfc32) so a failing run can be replayed from its seed. */
export class Prng {
	#a: number;
	#b: number;
	#c: number;
	#d: number;
	readonly seed: number;

	constructor(seed: number) {
		this.seed = seed >>> 0;
		this.#a = 0x9e3779b9;
		this.#b = 0x243f6a88;
		this.#c = 0xb7e15162;
		this.#d = this.seed ^ 0xdeadbeef;
		for (let i = 0; i < 15; i++) this.next();
	}

	/** A float in [0, 1). */
	next(): number {
		const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
		this.#d = (this.#d + 1) | 0;
		this.#a = this.#b ^ (this.#b >>> 9);
		this.#b = (this.#c + (this.#c << 3)) | 0;
		this.#c = (this.#c << 21) | (this.#c >>> 11);
		this.#c = (this.#c + t) | 0;
		return (t >>> 0) / 4294967296;
	}

	/** An integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	/** True with probability p. */
	chance(p: number): boolean {
		return this.next() < p;
	}

	/** One element of a non-empty list. */
	pick<T>(list: readonly T[]): T {
		if (list.length === 0) throw new Error('pick from an empty list');
		return list[Math.floor(this.next() * list.length)] as T;
	}

	/** A key of `weights`, chosen in proportion to its weight. */
	weighted<K extends string>(weights: Record<K, number>): K {
		const entries = Object.entries(weights) as [K, number][];
		const total = entries.reduce((s, [, w]) => s + w, 0);
		let r = this.next() * total;
		for (const [k, w] of entries) {
			r -= w;
			if (r < 0) return k;
		}
		return entries[entries.length - 1]![0];
	}

	/** A shuffled copy. */
	shuffle<T>(list: readonly T[]): T[] {
		const out = [...list];
		for (let i = out.length - 1; i > 0; i--) {
			const j = Math.floor(this.next() * (i + 1));
			[out[i], out[j]] = [out[j] as T, out[i] as T];
		}
		return out;
	}

	/** A version-4 UUID made from the stream (deterministic for a seed, valid for zod's z.uuid()). */
	uuid(): string {
		const hex = (n: number) =>
			Array.from({ length: n }, () => Math.floor(this.next() * 16).toString(16)).join('');
		const variant = '89ab'[Math.floor(this.next() * 4)];
		return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
	}
}

/** The seeds to run: `SYNC_SEED=123` (or `SYNC_SEED=1,2,3`) replays exactly those, else `defaults`. */
export function seedsFromEnv(defaults: number[]): number[] {
	const raw = process.env.SYNC_SEED?.trim();
	if (!raw) return defaults;
	return raw.split(',').map((s) => {
		const n = Number(s.trim());
		if (!Number.isInteger(n)) throw new Error(`SYNC_SEED must be integers, got "${s}"`);
		return n;
	});
}

/** Resolves after `n` turns of the event loop (a deterministic "delay" that needs no wall clock). */
export async function ticks(n: number): Promise<void> {
	for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}
