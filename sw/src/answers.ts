/**
 * Final answers of replayed requests, kept 24 h for pages that were closed when the answer arrived
 * (contract §5: "its answer is kept for the pages"). Responses belong in Cache Storage, so the shared
 * IndexedDB schema stays as it is.
 */
import { OUTBOX_RETENTION_MS, type KeptAnswer, type OutboxItem, type WireAnswer } from '../../widget/src/shared/protocol.js';

const CACHE_NAME = 'payment-checkout-outbox-answers';
/** Cache keys are synthetic URLs under the worker's scope; nothing is ever fetched from them. */
const KEY_PREFIX = '/__payment-sw/answers/';

export class AnswerArchive {
  async keep(item: OutboxItem, answer: WireAnswer, now = Date.now()): Promise<void> {
    const cache = await caches.open(CACHE_NAME);
    const kept: KeptAnswer = { item, answer, answeredAt: now };
    await cache.put(
      new Request(new URL(`${KEY_PREFIX}${item.id}-${encodeURIComponent(item.idempotencyKey)}`, self.location.href)),
      new Response(JSON.stringify(kept), { headers: { 'content-type': 'application/json' } }),
    );
  }

  /** Answers of the last 24 h, newest first; older ones are deleted on the way. */
  async recent(now = Date.now()): Promise<KeptAnswer[]> {
    const cache = await caches.open(CACHE_NAME);
    const kept: KeptAnswer[] = [];
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const answer = response ? ((await response.json().catch(() => null)) as KeptAnswer | null) : null;
      if (!answer || now - answer.answeredAt > OUTBOX_RETENTION_MS) await cache.delete(request);
      else kept.push(answer);
    }
    return kept.sort((a, b) => b.answeredAt - a.answeredAt);
  }
}
