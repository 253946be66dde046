/**
 * Response headers that depend on the request: `Cache-Control: no-store` on API answers (they carry sessions, client
 * secrets, tokens, ledgers), and HSTS only when the request came over https (directly, or through a trusted proxy that
 * says so: see rate-limit/client.ts). The fixed security headers are hono's `secureHeaders` (app.ts); the pages' CSP is
 * static.ts's.
 */
import type { MiddlewareHandler } from 'hono';

const HSTS = 'max-age=31536000; includeSubDomains';

/** Every answer under this path is `no-store` (an SSE stream's `no-cache` included), except the paths in `except`. */
export function noStore(except: (path: string) => boolean = () => false): MiddlewareHandler {
  return async function cacheControlNoStore(c, next) {
    await next();
    if (!except(c.req.path)) c.res.headers.set('Cache-Control', 'no-store');
  };
}

/** Strict-Transport-Security on answers to https requests only: over plain HTTP it means nothing and misleads. */
export function hstsOverHttps(): MiddlewareHandler {
  return async function hsts(c, next) {
    await next();
    if (c.get('https')) c.res.headers.set('Strict-Transport-Security', HSTS);
  };
}
