/** The phases of a pushed batch, in the order they run (bench/push.js prints a table of them). */
export const PUSH_PHASES = [
	'begin',
	'lock',
	'client',
	'readAhead',
	'savepoint',
	'apply',
	'flush',
	'rejection',
	'audit',
	'lastMutationID',
	'version',
	'commit',
	'poke'
] as const;

/** One phase of a pushed batch (PUSH_PHASES). */
export type PushPhase = (typeof PUSH_PHASES)[number];

/** Told how long each phase of a push took, in milliseconds (several calls per phase add up). */
export type OnPhase = (phase: PushPhase, ms: number) => void;

/**
 * Times consecutive phases: each `lap` ends the phase running since the previous one. Without a hook
 * it does nothing, so a push that nobody measures pays one comparison per lap.
 */
export class PhaseClock {
	readonly #onPhase: OnPhase | undefined;
	#last = 0;

	/** Whether anyone is told (a measured push waits for what it would otherwise leave running). */
	get on(): boolean {
		return this.#onPhase !== undefined;
	}

	constructor(onPhase?: OnPhase) {
		this.#onPhase = onPhase;
		if (onPhase) this.#last = performance.now();
	}

	/** Ends `phase` now: the time since the previous lap (or the clock's start) is its. */
	lap(phase: PushPhase): void {
		if (!this.#onPhase) return;
		const now = performance.now();
		this.#onPhase(phase, now - this.#last);
		this.#last = now;
	}
}
