/**
 * Rate limits (rate-limiter-flexible): 429 `rate_limited` with `Retry-After` in seconds and the draft-6 `RateLimit-*`
 * headers. Keys: the client address (see client.ts) for creation and tokenisation, the session for its mutations, one
 * bucket for the merchant key. On PostgreSQL the counters live in the database (table `rate_limits`), so every instance
 * sharing it counts against the same limit; if the database does not answer, each instance limits in memory meanwhile.
 * On SQLite (one instance) they live in memory.
 */
import type { MiddlewareHandler } from 'hono';
import type { Pool } from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../../errors.js';
import type { Logger } from '../../log.js';

export { clientAddress, clientInfo, isValidTrustProxy, parseTrustProxy } from './client.js';

const WINDOW_SECONDS = 60; // one minute
const TABLE = 'rate_limits';

declare module 'hono' {
  interface ContextVariableMap {
    rateLimits: RateLimitBackend;
  }
}

/** Where the counters live: one limiter per name (its key prefix) and budget. */
export interface RateLimitBackend {
  limiter(name: string, perMinute: number): RateLimiterAbstract;
  /** Resolves once the backend can count (PostgreSQL: its table exists). */
  ready: Promise<void>;
}

export function memoryRateLimits(): RateLimitBackend {
  return {
    limiter: (name, points) => new RateLimiterMemory({ keyPrefix: name, points, duration: WINDOW_SECONDS }),
    ready: Promise.resolve(),
  };
}

export function postgresRateLimits(pool: Pool, schema: string, log: Logger): RateLimitBackend {
  const base = { storeClient: pool, storeType: 'pool', tableName: TABLE, schemaName: schema, duration: WINDOW_SECONDS };
  // The library creates its table (IF NOT EXISTS); two instances starting together may race on it, so one retry.
  const createTable = () =>
    new Promise<void>((resolve, reject) => {
      new RateLimiterPostgres({ ...base, keyPrefix: 'init', points: 1, tableCreated: false }, (err?: Error) => (err ? reject(err) : resolve()));
    });
  const ready = createTable()
    .catch(() => new Promise((r) => setTimeout(r, 200)).then(createTable))
    .catch((err: Error) =>
      log.warn({ err: { name: err.name, message: err.message } }, 'rate limits: cannot create their table; counting in memory per instance'),
    );
  return {
    limiter: (name, points) =>
      new RateLimiterPostgres({
        ...base,
        keyPrefix: name,
        points,
        tableCreated: true,
        clearExpiredByTimeout: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: WINDOW_SECONDS }),
      }),
    ready,
  };
}

/** Sets the backend for `limitPerMinute` (app-wide). */
export function rateLimitBackend(backend: RateLimitBackend): MiddlewareHandler {
  return async function withRateLimits(c, next) {
    c.set('rateLimits', backend);
    return next();
  };
}

/** `limit` requests per minute per `keyOf(c)` in the bucket `name`; `0` disables. */
export function limitPerMinute(name: string, limit: number, keyOf: (c: Parameters<MiddlewareHandler>[0]) => string): MiddlewareHandler {
  if (limit <= 0) return async (_c, next) => next();
  let limiter: RateLimiterAbstract | null = null;
  return async function rateLimit(c, next) {
    limiter ??= c.get('rateLimits').limiter(name, limit);
    let res: RateLimiterRes;
    let limited = false;
    try {
      res = await limiter.consume(keyOf(c));
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res = err;
      limited = true;
    }
    const resetSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    c.header('RateLimit-Policy', `${limit};w=${WINDOW_SECONDS}`);
    c.header('RateLimit-Limit', String(limit));
    c.header('RateLimit-Remaining', String(Math.max(0, res.remainingPoints)));
    c.header('RateLimit-Reset', String(resetSeconds));
    if (limited) {
      c.header('Retry-After', String(resetSeconds));
      throw new AppError('rate_limited', `Too many requests; retry in ${resetSeconds} s.`, { retryAfterSeconds: resetSeconds });
    }
    return next();
  };
}
