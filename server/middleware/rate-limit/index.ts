/**
 * Rate limits (hono-rate-limiter, in-memory per instance): 429 `rate_limited` with `Retry-After` in seconds.
 * Keys: the client address for creation and tokenisation, the session for its mutations.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { rateLimiter } from 'hono-rate-limiter';
import { AppError } from '../../errors.js';

const WINDOW_MS = 60_000; // one minute

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function limitPerMinute(limit: number, keyOf: (c: Context) => string): MiddlewareHandler {
  if (limit <= 0) return async (_c, next) => next();
  return rateLimiter({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-6',
    keyGenerator: keyOf,
    handler: (c) => {
      const reset = (c.get('rateLimit' as never) as { resetTime?: Date } | undefined)?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
      c.header('Retry-After', String(seconds));
      throw new AppError('rate_limited', `Too many requests; retry in ${seconds} s.`, { retryAfterSeconds: seconds });
    },
  });
}
