/**
 * GET /session/:sessionId/events: `retry: 3000` first, then `event: status` with `id: <session version>` and the session
 * now and on every change, `: ping` every 15 s. A reconnect's `Last-Event-ID` (EventSource sends the last id it saw)
 * naming the current version gets nothing until the next change; any other gets the current state at once.
 * The stream's place is taken before it opens (429 `too_many_streams` otherwise) and given back when it ends; what it
 * sends is the session's states as domain/watch.ts gives them, at most one status waiting per stream.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { AppError } from '../errors.js';
import type { SessionFeeds, StreamLimits } from '../domain/streams.js';
import { watch } from '../domain/watch.js';
import { clientAddress } from '../middleware/rate-limit/index.js';

export interface EventStreamDeps {
  limits: StreamLimits;
  feeds: SessionFeeds;
  heartbeatMs?: number;
}

const LIMIT_MESSAGES = {
  session: 'Too many event streams follow this session; close one first.',
  client: 'Too many event streams are open from this address; close one first.',
  server: 'The server has no room for another event stream; retry shortly.',
} as const;

/** How long a disconnected EventSource waits before it reconnects (the `retry:` field). */
export const RETRY_MS = 3_000;

/** A session version from `Last-Event-ID`; anything else (absent, not a small integer) is no version (-1). */
function lastEventVersion(header: string | undefined): number {
  return header !== undefined && /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : -1;
}

export function sessionEventStream(d: EventStreamDeps, c: Context, sessionId: string): Response {
  const place = d.limits.acquire(sessionId, clientAddress(c));
  if ('limit' in place) {
    c.header('Retry-After', '5');
    throw new AppError('too_many_streams', LIMIT_MESSAGES[place.limit], { limit: place.limit });
  }
  const since = lastEventVersion(c.req.header('Last-Event-ID'));
  return streamSSE(c, async (stream) => {
    await stream.write(`retry: ${RETRY_MS}\n\n`);
    const states = watch(d.feeds, sessionId, since);
    stream.onAbort(() => states.close());
    if (stream.aborted) states.close();
    let writing = false;
    const heartbeat = setInterval(() => {
      if (!writing) void stream.write(': ping\n\n');
    }, d.heartbeatMs ?? 15_000);
    try {
      for await (const s of states) {
        writing = true;
        await stream.writeSSE({ event: 'status', data: s.data, id: String(s.version) });
        writing = false;
      }
    } finally {
      clearInterval(heartbeat);
      states.close();
      place.release();
    }
  });
}
