/**
 * Every change of a session is a conditional update on the row's version. A writer that lost the race decides again on
 * the row as it is now; a session that keeps changing under it is answered 409, to be retried.
 */
import { AppError } from '../errors.js';

/** What an attempt returns when another writer got there first. */
export const CONFLICT: unique symbol = Symbol('version conflict');

const MAX_TRIES = 10;

/** Runs `attempt` (told which try it is: only the first may use a row read before) until it does not conflict. */
export async function retryOnConflict<T>(attempt: (tries: number) => Promise<T | typeof CONFLICT>): Promise<T> {
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const result = await attempt(tries);
    if (result !== CONFLICT) return result;
  }
  throw new AppError('payment_in_progress', 'The session is changing too fast; retry.');
}
