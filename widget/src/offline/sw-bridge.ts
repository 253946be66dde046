/**
 * The page's side of the service worker: registers `payment-sw.js` through workbox-window and turns the worker's
 * messages into what the widget needs (is a request queued? what was the answer to one?), and the widget's state into
 * what the worker needs (replay now; is a payment processing, so an update must wait?).
 *
 * Loaded lazily by the element only when its `sw` attribute is set, so pages without the worker never pay for it.
 */
import { Workbox } from 'workbox-window';
import {
  CHANNEL_NAME,
  isWorkerToPageMessage,
  type KeptAnswer,
  type OutboxDroppedMessage,
  type OutboxItem,
  type OutboxResultMessage,
  type PageToWorkerMessage,
  type WorkerToPageMessage,
} from './protocol.js';

/** While something is queued, the page nudges the worker this often: it wakes a worker the browser stopped. */
const KEEP_ALIVE_MS = 5_000;

export interface SwBridgeEvents {
  /** The outbox changed (`queued` = something waits). */
  outbox: { items: OutboxItem[]; queued: boolean };
  /** A queued request got its final answer. */
  result: OutboxResultMessage;
  /** A queued request was dropped unsent. */
  dropped: OutboxDroppedMessage;
  /** A new worker installed and waits (for no payment to be processing). */
  'update-waiting': { processing: boolean };
  /** A new worker took control of this page. */
  'update-activated': { isUpdate: boolean };
}

type Listener<K extends keyof SwBridgeEvents> = (detail: SwBridgeEvents[K]) => void;

export interface SwBridgeOptions {
  /** The `sw` attribute: URL of the worker script. */
  url: string;
  /** Worker scope; by default the browser's (the script's directory). */
  scope?: string;
}

export class ServiceWorkerBridge {
  readonly #options: SwBridgeOptions;
  readonly #listeners = new Map<keyof SwBridgeEvents, Set<(detail: never) => void>>();
  #workbox: Workbox | null = null;
  #registration: ServiceWorkerRegistration | null = null;
  #channel: BroadcastChannel | null = null;
  #items: OutboxItem[] = [];
  #answers: KeptAnswer[] = [];
  #processing = false;
  #keepAlive: ReturnType<typeof setInterval> | null = null;
  #disposed = false;

  constructor(options: SwBridgeOptions) {
    this.#options = options;
  }

  /** Whether a request waits in the outbox. */
  get queued(): boolean {
    return this.#items.length > 0;
  }

  get items(): readonly OutboxItem[] {
    return this.#items;
  }

  /** Final answers the worker kept (for requests answered while no page was open), newest first. */
  get keptAnswers(): readonly KeptAnswer[] {
    return this.#answers;
  }

  /** The kept final answer of the request sent with this Idempotency-Key, if any. */
  answerFor(idempotencyKey: string): KeptAnswer | undefined {
    return this.#answers.find((a) => a.item.idempotencyKey === idempotencyKey);
  }

  on<K extends keyof SwBridgeEvents>(type: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as (detail: never) => void);
    return () => set!.delete(listener as (detail: never) => void);
  }

  /** Registers the worker and starts listening. Resolves false where service workers are unavailable (the widget works without). */
  async start(): Promise<boolean> {
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator) || !window.isSecureContext) return false;
    this.#channel = new BroadcastChannel(CHANNEL_NAME);
    this.#channel.addEventListener('message', this.#onChannelMessage);
    navigator.serviceWorker.addEventListener('message', this.#onWorkerMessage);
    window.addEventListener('online', this.#onOnline);

    const wb = new Workbox(this.#options.url, { type: 'classic', ...(this.#options.scope ? { scope: this.#options.scope } : {}) });
    this.#workbox = wb;
    wb.addEventListener('waiting', () => this.#onUpdateWaiting());
    wb.addEventListener('controlling', (event) => this.#emit('update-activated', { isUpdate: Boolean(event.isUpdate) }));
    try {
      this.#registration = (await wb.register()) ?? null;
    } catch (err) {
      console.warn('[payment-checkout] service worker registration failed; continuing without it', err);
      return false;
    }
    // A waiting worker from an earlier visit: tell it our state so it can activate if we are idle.
    if (this.#registration?.waiting && navigator.serviceWorker.controller) this.#onUpdateWaiting();
    // Page load: whatever waits is worth sending now, and we want to know what waits.
    this.replay();
    this.#send({ type: 'outbox-status' });
    return true;
  }

  /** Asks the worker to send the outbox now (the widget calls this on a retry). */
  replay(): void {
    this.#send({ type: 'replay-outbox' });
  }

  /** The widget says whether a payment is processing; a waiting update activates only when no page is. */
  setProcessing(processing: boolean): void {
    if (processing === this.#processing) return;
    this.#processing = processing;
    const waiting = this.#registration?.waiting;
    if (waiting) waiting.postMessage({ type: 'payment-state', processing } satisfies PageToWorkerMessage);
  }

  dispose(): void {
    this.#disposed = true;
    this.#channel?.removeEventListener('message', this.#onChannelMessage);
    this.#channel?.close();
    this.#channel = null;
    if (typeof navigator !== 'undefined' && 'serviceWorker' in navigator) navigator.serviceWorker.removeEventListener('message', this.#onWorkerMessage);
    if (typeof window !== 'undefined') window.removeEventListener('online', this.#onOnline);
    this.#setKeepAlive(false);
    this.#listeners.clear();
  }

  #onUpdateWaiting(): void {
    const waiting = this.#registration?.waiting;
    waiting?.postMessage({ type: 'payment-state', processing: this.#processing } satisfies PageToWorkerMessage);
    this.#emit('update-waiting', { processing: this.#processing });
  }

  /** Worker → page on the BroadcastChannel: outbox news for every open page. */
  readonly #onChannelMessage = (event: MessageEvent): void => {
    if (this.#disposed || !isWorkerToPageMessage(event.data)) return;
    this.#handle(event.data);
  };

  /** Worker → this page directly: the waiting worker asking whether a payment is processing. */
  readonly #onWorkerMessage = (event: MessageEvent): void => {
    const data = event.data as WorkerToPageMessage | undefined;
    if (this.#disposed || data?.type !== 'payment-state-query') return;
    const reply: PageToWorkerMessage = { type: 'payment-state', processing: this.#processing };
    (event.ports[0] ?? (event.source as ServiceWorker | null))?.postMessage(reply);
  };

  readonly #onOnline = (): void => this.replay();

  #handle(message: WorkerToPageMessage): void {
    switch (message.type) {
      case 'outbox-queued':
        if (!this.#items.some((i) => i.id === message.item.id)) this.#setItems([...this.#items, message.item]);
        break;
      case 'outbox-result':
        this.#answers = [{ item: message.item, answer: message.answer, answeredAt: Date.now() }, ...this.#answers];
        this.#setItems(this.#items.filter((i) => i.id !== message.item.id));
        this.#emit('result', message);
        break;
      case 'outbox-dropped':
        this.#setItems(this.#items.filter((i) => i.id !== message.item.id));
        this.#emit('dropped', message);
        break;
      case 'outbox-state':
        this.#answers = message.answers;
        this.#setItems(message.items);
        break;
      case 'payment-state-query':
        break; // answered on the worker's own port (#onWorkerMessage)
    }
  }

  #setItems(items: OutboxItem[]): void {
    const before = this.queued;
    const changed = items.length !== this.#items.length || items.some((item, i) => item.id !== this.#items[i]?.id || item.attempts !== this.#items[i]?.attempts);
    this.#items = items;
    this.#setKeepAlive(this.queued);
    if (changed || before !== this.queued) this.#emit('outbox', { items, queued: this.queued });
  }

  #setKeepAlive(on: boolean): void {
    if (on && !this.#keepAlive) this.#keepAlive = setInterval(() => this.replay(), KEEP_ALIVE_MS);
    if (!on && this.#keepAlive) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = null;
    }
  }

  /** To the controlling worker (an extendable message keeps it alive while it works); otherwise on the channel. */
  #send(message: PageToWorkerMessage): void {
    const controller = navigator.serviceWorker?.controller;
    if (controller) controller.postMessage(message);
    else this.#channel?.postMessage(message);
  }

  #emit<K extends keyof SwBridgeEvents>(type: K, detail: SwBridgeEvents[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as Listener<K>)(detail);
      } catch (err) {
        console.error('[payment-checkout] offline bridge listener failed', err);
      }
    }
  }
}

/** Registers the worker at `url` and returns the bridge, or null where service workers are unavailable. */
export async function connectServiceWorker(options: SwBridgeOptions): Promise<ServiceWorkerBridge | null> {
  const bridge = new ServiceWorkerBridge(options);
  if (await bridge.start()) return bridge;
  bridge.dispose();
  return null;
}
