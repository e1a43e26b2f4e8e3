// Types only: importing this file brings no zod and no mutator code into a bundle.
import type * as z from 'zod/mini';
import type { mutators } from './index';

/** The name of a known mutation: a misspelt name does not compile. */
export type MutationName = keyof typeof mutators;

/** The args a caller sends to mutation N, as its zod schema accepts them (before defaults). */
export type MutationArgs<N extends MutationName> = z.input<(typeof mutators)[N]['args']>;
