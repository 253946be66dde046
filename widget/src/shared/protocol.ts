/**
 * Messages between the service worker (`sw/`) and the pages of the widget.
 *
 * Worker → pages: `BroadcastChannel(CHANNEL_NAME)`, so every open page of the widget (controlled or not) hears them.
 * Pages → worker: `postMessage` to the worker (an ExtendableMessageEvent keeps the worker alive while it works);
 * the worker also listens on the channel, so a page without a controller can still ask for a replay.
 *
 * This file is imported by both sides: keep it free of DOM- or worker-only types and of runtime dependencies. The worker's
 * immediate answer to a request it queued is in queued.ts (the widget's entry needs that, not these messages).
 */

/** The BroadcastChannel every page of the widget and the worker share (docs/ARCHITECTURE.md). */
export const CHANNEL_NAME = 'payment-checkout';

/** Idempotency records are kept 24 h by the server; an older queued request could be charged twice, so it is dropped. */
export const OUTBOX_RETENTION_MS = 24 * 60 * 60 * 1000; // 24 h in ms

/** A server answer as plain data (what the page would have received from `fetch`). */
export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON, or null when empty. */
  body: unknown;
}

/** A queued request as the pages see it (never its headers: they hold the client secret). */
export interface OutboxItem {
  id: number;
  url: string;
  method: string;
  idempotencyKey: string;
  sessionId: string | null;
  queuedAt: number;
  attempts: number;
  lastError: string | null;
}

// ---- worker → pages -------------------------------------------------------------------------------

/** A request was stored in the outbox (the page received `503 queued_offline` for it). */
export interface OutboxQueuedMessage {
  type: 'outbox-queued';
  item: OutboxItem;
}

/** A queued request got its final answer (2xx or a final 4xx) and left the outbox. */
export interface OutboxResultMessage {
  type: 'outbox-result';
  item: OutboxItem;
  answer: WireAnswer;
}

/** A queued request was dropped without being sent (older than the idempotency retention, or unreadable). */
export interface OutboxDroppedMessage {
  type: 'outbox-dropped';
  item: OutboxItem;
  reason: 'expired' | 'invalid';
  message: string;
}

/** A final answer the worker kept (24 h) for pages that were closed when it arrived. */
export interface KeptAnswer {
  item: OutboxItem;
  answer: WireAnswer;
  answeredAt: number;
}

/** What the outbox holds now; sent after every change and in answer to `outbox-status`. */
export interface OutboxStateMessage {
  type: 'outbox-state';
  items: OutboxItem[];
  /** When the worker will try again on its own (epoch ms), null when nothing waits. */
  nextReplayAt: number | null;
  /** Final answers of the last 24 h, newest first (a page matches them by Idempotency-Key). */
  answers: KeptAnswer[];
}

/** The worker asks pages whether a payment is processing (a waiting update activates only when none is). */
export interface PaymentStateQueryMessage {
  type: 'payment-state-query';
}

export type WorkerToPageMessage = OutboxQueuedMessage | OutboxResultMessage | OutboxDroppedMessage | OutboxStateMessage | PaymentStateQueryMessage;

// ---- pages → worker -------------------------------------------------------------------------------

/**
 * Send everything in the outbox now (page load, `online`, a retry), the backoff starting over. `nudge`: only make
 * sure a try is planned (the page's keep-alive and its own reconnect tick), the worker keeping its backoff.
 */
export interface ReplayOutboxMessage {
  type: 'replay-outbox';
  nudge?: boolean;
}

/** Answer with an `outbox-state` message. */
export interface OutboxStatusMessage {
  type: 'outbox-status';
}

/** A page says whether one of its payments is processing (sent on every change and in answer to `payment-state-query`). */
export interface PaymentStateMessage {
  type: 'payment-state';
  processing: boolean;
}

export type PageToWorkerMessage = ReplayOutboxMessage | OutboxStatusMessage | PaymentStateMessage;

const WORKER_TYPES = new Set(['outbox-queued', 'outbox-result', 'outbox-dropped', 'outbox-state', 'payment-state-query']);
const PAGE_TYPES = new Set(['replay-outbox', 'outbox-status', 'payment-state']);

export function isWorkerToPageMessage(data: unknown): data is WorkerToPageMessage {
  return typeof data === 'object' && data !== null && WORKER_TYPES.has((data as { type?: unknown }).type as string);
}

export function isPageToWorkerMessage(data: unknown): data is PageToWorkerMessage {
  return typeof data === 'object' && data !== null && PAGE_TYPES.has((data as { type?: unknown }).type as string);
}
