/**
 * CORS for the API: an allowlist of origins. Preflights (OPTIONS) are answered by hono's `cors`. On every other request
 * the three response headers are set before the handler runs, as prepared headers: hono's `cors` sets them on `c.res`
 * before the handler and appends `Vary` after it, which makes hono rebuild the handler's response around its body
 * stream, so @hono/node-server writes every API response through web streams instead of its direct path.
 */
import type { MiddlewareHandler } from 'hono';
import { cors as honoCors } from 'hono/cors';

export interface CorsOptions {
  allowed: (origin: string) => boolean;
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

export function cors(opts: CorsOptions): MiddlewareHandler {
  const preflight = honoCors({
    origin: (origin) => (opts.allowed(origin) ? origin : null),
    allowMethods: opts.allowMethods,
    allowHeaders: opts.allowHeaders,
    exposeHeaders: opts.exposeHeaders,
    maxAge: opts.maxAgeSeconds,
  });
  const expose = opts.exposeHeaders.join(',');
  return function corsHeaders(c, next) {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    const origin = c.req.header('Origin');
    if (origin && opts.allowed(origin)) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Expose-Headers', expose);
    }
    c.header('Vary', 'Origin');
    return next();
  };
}
