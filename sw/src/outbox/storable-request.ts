/**
 * A `Request` as a plain object IndexedDB can hold, and back. Bodies of session routes are small JSON texts,
 * so they are stored as strings (the schema's `body: string`), not ArrayBuffers.
 */
import type { OutboxEntry } from '../../../widget/src/shared/schema.js';
import { containsCardNumber } from './card-guard.js';

/** Headers that describe the connection, not the request: the browser sets them again on replay. */
const NOT_STORED_HEADERS = new Set(['content-length', 'connection', 'keep-alive', 'host', 'cookie']);

export type UnstorableReason = 'no-idempotency-key' | 'card-data';

export async function toOutboxEntry(request: Request, now: number): Promise<OutboxEntry | UnstorableReason> {
  const idempotencyKey = request.headers.get('idempotency-key');
  if (!idempotencyKey) return 'no-idempotency-key';
  const body = await request.text();
  if (containsCardNumber(body)) return 'card-data';
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!NOT_STORED_HEADERS.has(name)) headers[name] = value;
  });
  return {
    url: request.url,
    method: request.method,
    headers,
    body,
    idempotencyKey,
    sessionId: sessionIdOf(request.url),
    queuedAt: now,
    attempts: 0,
    lastError: null,
  };
}

export function toRequest(entry: OutboxEntry): Request {
  return new Request(entry.url, {
    method: entry.method,
    headers: entry.headers,
    body: entry.method === 'GET' || entry.method === 'HEAD' ? undefined : entry.body,
    credentials: 'same-origin',
    mode: 'cors',
  });
}

/** `/…/session/:sessionId/<action>` → sessionId; `/…/session/create` → null. */
export function sessionIdOf(url: string): string | null {
  const m = /\/session\/([^/?#]+)\/[^/?#]+\/?$/.exec(new URL(url).pathname);
  return m ? decodeURIComponent(m[1]) : null;
}
