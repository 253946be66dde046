/**
 * Which requests the outbox may hold, and what the page gets when one is queued.
 */
import { QUEUED_ERROR_CODE, QUEUED_HEADER } from '../../widget/src/shared/queued.js';
import type { StoredOutboxEntry } from './outbox/store.js';

/** POSTs to session routes (`…/api/payments/session/…`) that carry an Idempotency-Key: only those can be replayed safely. */
export function isQueueable(request: Request): boolean {
  return request.method === 'POST' && /\/api\/payments\/session\//.test(new URL(request.url).pathname) && request.headers.has('idempotency-key');
}

/** The worker's immediate answer to a request it queued (docs/ARCHITECTURE.md). */
export function queuedResponse(entry: StoredOutboxEntry): Response {
  const body = {
    error: {
      code: QUEUED_ERROR_CODE,
      message: 'No connection to the payment server. The request is kept and will be sent with the same Idempotency-Key when the connection returns.',
      details: { outboxId: entry.id, idempotencyKey: entry.idempotencyKey, queuedAt: new Date(entry.queuedAt).toISOString() },
    },
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    statusText: 'Queued Offline',
    headers: { 'content-type': 'application/json', [QUEUED_HEADER]: String(entry.id), 'cache-control': 'no-store' },
  });
}
