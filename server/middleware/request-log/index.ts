/**
 * One log line per request with its id, and the request id in `c.get('requestId')` (hono/request-id sets it).
 * Logs the path only: query strings can carry a client secret (EventSource), so they never reach the log.
 */
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';

export function requestLog(log: Logger, metrics: Metrics): MiddlewareHandler {
  return async function requestLogger(c, next) {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const route = c.req.routePath || 'unmatched';
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, ms / 1000);
    const line = { reqId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms * 10) / 10 };
    // A 503 is storage being unavailable: its cause is logged once where it starts, not once per request.
    if (c.res.status >= 500 && c.res.status !== 503) log.error(line, 'request failed');
    else log.debug(line, 'request');
  };
}
