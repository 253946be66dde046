/** Webhooks wired together: the recorder the domain writes events through, and the dispatcher that sends them. */
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { WebhookDispatcher } from './dispatcher.js';
import { NO_WEBHOOKS, WebhookRecorder } from './recorder.js';
import { WebhookSender } from './sender.js';

export interface Webhooks {
  recorder: WebhookRecorder;
  /** Null when webhooks are off (no WEBHOOK_URL). */
  dispatcher: WebhookDispatcher | null;
}

export function createWebhooks(d: {
  store: Store;
  log: Logger;
  now: () => number;
  urls: readonly string[];
  secret: string | null;
  retryBaseMs: number;
  timeoutMs: number;
  retentionMs: number;
}): Webhooks {
  if (!d.urls.length || !d.secret) return { recorder: NO_WEBHOOKS, dispatcher: null };
  const dispatcher = new WebhookDispatcher({
    store: d.store,
    sender: new WebhookSender(d.secret, d.timeoutMs),
    log: d.log,
    now: d.now,
    retryBaseMs: d.retryBaseMs,
    timeoutMs: d.timeoutMs,
    retentionMs: d.retentionMs,
  });
  return { recorder: new WebhookRecorder(d.urls, () => dispatcher.wake()), dispatcher };
}
