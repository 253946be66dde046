/**
 * Holds each API answer until the work behind it is durable. The SQLite store commits all the work of a turn of the
 * event loop together (group commit), so a request's writes, and anything it read from other requests of the same
 * turn, are committed a moment after its handler returns. Nothing is told to a client before that; if the commit
 * fails, the answer becomes 503 storage_unavailable. On PostgreSQL every commit is durable at once: no wait.
 */
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../errors.js';
import type { Store } from '../../store/types.js';

export function durableAnswers(store: Store): MiddlewareHandler {
  return async function durableAnswer(_c, next) {
    await next();
    try {
      await store.durable();
    } catch {
      throw new AppError('storage_unavailable');
    }
  };
}
