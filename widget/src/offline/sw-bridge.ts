/**
 * The page's side of the service worker: registers `payment-sw.js` through workbox-window and turns the worker's
 * messages into what the widget needs (is a request queued? what was the answer to one?), and the widget's state into
 * what the worker needs (replay now; is a payment processing, so an update must wait?).
 *
 * Loaded lazily by the element only when its `sw` attribute is set, so pages without the worker never pay for it.
 */
import { Workbox } from 'workbox-window';
import type { OfflineBridge, QueuedRequest, ReplayedAnswer } from './bridge.js';
import {
  CHANNEL_NAME,
  isWorkerToPageMessage,
  type KeptAnswer,
  type OutboxItem,
  type PageToWorkerMessage,
  type WorkerToPageMessage,
} from '../shared/protocol.js';

/** While something is queued, the page nudges the worker this often: it wakes a worker the browser stopped. */
const KEEP_ALIVE_MS = 5_000;

/** The service-worker implementation of the widget's `OfflineBridge` (see bridge.ts). */
export class ServiceWorkerBridge implements OfflineBridge {
  readonly #results = new Set<(answer: ReplayedAnswer) => void>();
  readonly #queueListeners = new Set<(queued: readonly QueuedRequest[]) => void>();
  #registration: ServiceWorkerRegistration | null = null;
  #channel: BroadcastChannel | null = null;
  #items: OutboxItem[] = [];
  /** Idempotency keys whose answer this page has already passed on. */
  readonly #delivered = new Set<string>();
  #processing = false;
  #keepAlive: ReturnType<typeof setInterval> | null = null;
  #disposed = false;

  onResult(cb: (answer: ReplayedAnswer) => void): () => void {
    this.#results.add(cb);
    return () => this.#results.delete(cb);
  }

  onQueueChange(cb: (queued: readonly QueuedRequest[]) => void): () => void {
    this.#queueListeners.add(cb);
    // A listener that arrives after the worker reported (a reload while something waits) learns it at once.
    if (this.#items.length > 0) queueMicrotask(() => this.#queueListeners.has(cb) && this.#safely(() => cb(this.#items)));
    return () => this.#queueListeners.delete(cb);
  }

  /** Registers the worker; never rejects (without service workers the widget works online, with its IndexedDB state). */
  async register(swUrl: string): Promise<void> {
    if (this.#disposed || typeof navigator === 'undefined' || !('serviceWorker' in navigator) || !globalThis.isSecureContext) return;
    this.#channel = new BroadcastChannel(CHANNEL_NAME);
    this.#channel.addEventListener('message', this.#onChannelMessage);
    navigator.serviceWorker.addEventListener('message', this.#onWorkerMessage);
    window.addEventListener('online', this.#onOnline);

    const wb = new Workbox(swUrl, { type: 'classic' });
    wb.addEventListener('waiting', () => this.#onUpdateWaiting());
    try {
      this.#registration = (await wb.register()) ?? null;
    } catch (err) {
      console.warn('[payment-checkout] service worker registration failed; continuing without it', err);
      return;
    }
    // A worker left waiting by an earlier visit: tell it our state, so it can activate if no payment is processing.
    if (this.#registration?.waiting && navigator.serviceWorker.controller) this.#onUpdateWaiting();
    // Page load: whatever waits is worth sending now, and the widget wants to know what waits.
    this.requestReplay();
    this.#send({ type: 'outbox-status' });
  }

  /** Asks the worker to send the outbox now (page load, network back, Retry). */
  requestReplay(): void {
    this.#send({ type: 'replay-outbox' });
  }

  nudgeReplay(): void {
    this.#send({ type: 'replay-outbox', nudge: true });
  }

  /** The widget says whether a payment is processing; a waiting update activates only when no page is. */
  setProcessing(processing: boolean): void {
    if (processing === this.#processing) return;
    this.#processing = processing;
    this.#registration?.waiting?.postMessage({ type: 'payment-state', processing } satisfies PageToWorkerMessage);
  }

  dispose(): void {
    this.#disposed = true;
    this.#channel?.removeEventListener('message', this.#onChannelMessage);
    this.#channel?.close();
    this.#channel = null;
    if (typeof navigator !== 'undefined' && 'serviceWorker' in navigator) navigator.serviceWorker.removeEventListener('message', this.#onWorkerMessage);
    if (typeof window !== 'undefined') window.removeEventListener('online', this.#onOnline);
    this.#setKeepAlive(false);
    this.#results.clear();
    this.#queueListeners.clear();
  }

  /** A new worker waits: it activates only when no page is processing a payment, so it is told this page's state. */
  #onUpdateWaiting(): void {
    this.#registration?.waiting?.postMessage({ type: 'payment-state', processing: this.#processing } satisfies PageToWorkerMessage);
  }

  /** Worker → every page, on the BroadcastChannel: outbox news. */
  readonly #onChannelMessage = (event: MessageEvent): void => {
    if (!this.#disposed && isWorkerToPageMessage(event.data)) this.#handle(event.data);
  };

  /** Worker → this page: a waiting worker asking whether a payment is processing (answered on its port). */
  readonly #onWorkerMessage = (event: MessageEvent): void => {
    const data = event.data as WorkerToPageMessage | undefined;
    if (this.#disposed || data?.type !== 'payment-state-query') return;
    const reply: PageToWorkerMessage = { type: 'payment-state', processing: this.#processing };
    (event.ports[0] ?? (event.source as ServiceWorker | null))?.postMessage(reply);
  };

  readonly #onOnline = (): void => this.requestReplay();

  #handle(message: WorkerToPageMessage): void {
    switch (message.type) {
      case 'outbox-queued':
        if (!this.#items.some((i) => i.id === message.item.id)) this.#setItems([...this.#items, message.item]);
        break;
      case 'outbox-result':
        this.#setItems(this.#items.filter((i) => i.id !== message.item.id));
        this.#deliver({ item: message.item, answer: message.answer, answeredAt: Date.now() });
        break;
      case 'outbox-dropped':
        this.#setItems(this.#items.filter((i) => i.id !== message.item.id));
        console.warn(`[payment-checkout] a queued request was dropped unsent: ${message.message}`);
        break;
      case 'outbox-state':
        // The worker's full picture (after every replay pass): told even when unchanged, so no listener stays behind.
        this.#setItems(message.items, true);
        // Answers that arrived while this page was closed (or before it listened): the widget matches them by key.
        for (const kept of [...message.answers].reverse()) this.#deliver(kept);
        break;
      case 'payment-state-query':
        break; // answered on the worker's port (#onWorkerMessage)
    }
  }

  #deliver(kept: KeptAnswer): void {
    const key = kept.item.idempotencyKey;
    if (this.#delivered.has(key)) return;
    this.#delivered.add(key);
    const answer: ReplayedAnswer = { idempotencyKey: key, url: kept.item.url, status: kept.answer.status, body: kept.answer.body };
    for (const cb of this.#results) this.#safely(() => cb(answer));
  }

  #setItems(items: OutboxItem[], always = false): void {
    const before = this.#items.length;
    this.#items = items;
    this.#setKeepAlive(items.length > 0);
    if (always || before !== items.length) for (const cb of this.#queueListeners) this.#safely(() => cb(items));
  }

  #setKeepAlive(on: boolean): void {
    if (on && !this.#keepAlive) this.#keepAlive = setInterval(() => this.nudgeReplay(), KEEP_ALIVE_MS);
    if (!on && this.#keepAlive) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
  }

  /** To the controlling worker (an extendable message keeps it alive while it works); without one, on the channel. */
  #send(message: PageToWorkerMessage): void {
    const controller = navigator.serviceWorker?.controller;
    if (controller) controller.postMessage(message);
    else this.#channel?.postMessage(message);
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      console.error('[payment-checkout] offline bridge listener failed', err);
    }
  }
}

/** The bridge the element loads when its `sw` attribute is set (call `register(url)` next). */
export function createOfflineBridge(): OfflineBridge {
  return new ServiceWorkerBridge();
}
