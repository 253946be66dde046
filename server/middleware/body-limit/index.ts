/**
 * The 16 KiB body limit without the cost of hono's `bodyLimit` on every request: that middleware reads
 * `c.req.raw.body`, which makes @hono/node-server build a full web `Request` (headers, AbortSignal, ReadableStream)
 * for every request, GETs included, and then reads the body through web streams instead of its direct fast path.
 * Here a declared `Content-Length` is checked from the header alone; only a chunked body (no length) goes through
 * hono's `bodyLimit`, which counts the bytes as they arrive.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';

export function bodyLimit(maxSize: number, onTooLarge: () => never): MiddlewareHandler {
  const streamed = honoBodyLimit({ maxSize, onError: onTooLarge });
  return function bodyLimitCheck(c, next) {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    const length = c.req.header('Content-Length');
    if (length !== undefined && c.req.header('Transfer-Encoding') === undefined) {
      if (Number(length) > maxSize) onTooLarge();
      return next();
    }
    return streamed(c, next);
  };
}
