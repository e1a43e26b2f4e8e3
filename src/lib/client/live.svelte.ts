import { liveQuery } from 'dexie';
import { createSubscriber } from 'svelte/reactivity';

/**
 * A Dexie liveQuery as a rune-friendly value: components read `.current`, which updates whenever
 * the mirror changes (in this tab or another).
 */
export class Live<T> {
	#value: T;
	#subscribe: () => void;

	constructor(query: () => Promise<T> | T, initial: T) {
		this.#value = initial;
		this.#subscribe = createSubscriber((update) => {
			const sub = liveQuery(query).subscribe({
				next: (value) => {
					this.#value = value;
					update();
				},
				error: (err) => console.error('live query failed', err)
			});
			return () => sub.unsubscribe();
		});
	}

	/** The latest result (the initial value until the first query answers). */
	get current(): T {
		this.#subscribe();
		return this.#value;
	}
}
