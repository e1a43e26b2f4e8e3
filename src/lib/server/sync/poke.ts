import { EventEmitter } from 'node:events';

const bus = new EventEmitter();
bus.setMaxListeners(0);

/** Tells every open console of an enterprise that something changed (after a commit). */
export function poke(enterpriseID: string): void {
	bus.emit(enterpriseID);
}

/** Listens for pokes of one enterprise; returns the function that stops listening. */
export function onPoke(enterpriseID: string, listener: () => void): () => void {
	bus.on(enterpriseID, listener);
	return () => bus.off(enterpriseID, listener);
}
