/**
 * The widget's view of the service worker (contract §5), as an interface so the controller does not depend on how it
 * is done. `sw-bridge.ts` is the real implementation (workbox-window + BroadcastChannel, see protocol.ts); the
 * element loads it only when the `sw` attribute is set, so pages without a worker never download it.
 */

/** The real answer to a request the worker had queued (it answered the page `503 queued_offline` at the time). */
export interface ReplayedAnswer {
  idempotencyKey: string;
  url: string;
  status: number;
  body: unknown;
}

/** A request waiting in the worker's outbox, as far as a checkout needs to know which ones are its own. */
export interface QueuedRequest {
  /** The session the request is for (null for a session create). */
  sessionId: string | null;
  idempotencyKey: string;
}

export interface OfflineBridge {
  /** Registers the worker at `swUrl`. Never rejects: a failure leaves the widget working online only. */
  register(swUrl: string): Promise<void>;
  /** Answers of replayed requests (from any page's queue); returns an unsubscribe function. */
  onResult(cb: (answer: ReplayedAnswer) => void): () => void;
  /**
   * The requests waiting in the outbox, after every change; returns an unsubscribe function. The outbox is shared by
   * every checkout of the origin: a checkout counts only its own (by session id or Idempotency-Key).
   */
  onQueueChange(cb: (queued: readonly QueuedRequest[]) => void): () => void;
  /** Asks the worker to send what waits in the outbox now (network back, Retry pressed): its backoff starts over. */
  requestReplay(): void;
  /** Keeps the worker at it without hurrying it: a try only if none is planned (the browser may have stopped it). */
  nudgeReplay(): void;
  /** Tells the worker whether this page is processing a payment (an update waits until none is). */
  setProcessing(processing: boolean): void;
  /** Stops listening (the element left the page). */
  dispose(): void;
}
