/**
 * Sends what the outbox holds. Woken right after a commit that recorded events, and polling (every second, or the retry
 * base if shorter) for retries that came due and for events recorded by other instances. Each delivery is leased before
 * it is sent (see outbox.ts), so instances sharing PostgreSQL never send one attempt at the same time; a lease that its
 * holder lost (killed mid-send) runs out and the attempt is made again: at least once, never lost.
 */
import { randomId } from '../ids.js';
import type { Logger } from '../log.js';
import { isStorageUnavailable } from '../store/errors.js';
import type { Store } from '../store/types.js';
import type { ClaimedDelivery } from './outbox-rows.js';
import { retryDelay } from './schedule.js';
import type { WebhookSender } from './sender.js';

export interface DispatcherDeps {
  store: Store;
  sender: WebhookSender;
  log: Logger;
  now: () => number;
  retryBaseMs: number;
  timeoutMs: number;
  /** Deliveries sent at once by this process (default 16). */
  concurrency?: number;
  /** Settled events older than this are purged (hourly). */
  retentionMs: number;
}

const PURGE_EVERY_MS = 3_600_000;
/**
 * Wake-ups (a commit, a finished attempt) within this long share one claim: under load a claim per event cost more
 * CPU than the event's whole delivery; a few ms is nothing beside the latency goal (≤ 100 ms).
 */
const COALESCE_MS = 10;

export class WebhookDispatcher {
  readonly #d: DispatcherDeps;
  readonly #owner = randomId('wdp', 16);
  readonly #inflight = new Set<Promise<void>>();
  readonly #concurrency: number;
  readonly #pollMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  /** The pump running now, if any (stop waits for it: its claim must not outlive the store). */
  #pumping: Promise<void> | null = null;
  #again = false;
  #kicked: NodeJS.Timeout | null = null;
  #failing = false;
  #lastPurge = 0;

  constructor(deps: DispatcherDeps) {
    this.#d = deps;
    this.#concurrency = deps.concurrency ?? 16;
    this.#pollMs = Math.max(10, Math.min(1_000, deps.retryBaseMs));
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#timer = setInterval(() => void this.#pump(), this.#pollMs);
    this.#timer.unref();
    void this.#pump();
  }

  /** Something was recorded: send it as soon as it is durable. */
  wake(): void {
    if (!this.#running) return;
    this.#d.store.durable().then(
      () => this.#kick(),
      () => {},
    );
  }

  /** A pump soon, one for all the wake-ups until then. */
  #kick(): void {
    if (this.#kicked || !this.#running) return;
    this.#kicked = setTimeout(() => {
      this.#kicked = null;
      void this.#pump();
    }, COALESCE_MS);
  }

  /** Stops claiming and waits for the attempts in flight (each bounded by the timeout) to be recorded. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#kicked) clearTimeout(this.#kicked);
    this.#kicked = null;
    while (this.#inflight.size || this.#pumping) await Promise.allSettled([...this.#inflight, this.#pumping]);
    this.#d.sender.close();
  }

  #pump(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    if (this.#pumping) {
      this.#again = true;
      return this.#pumping;
    }
    this.#pumping = this.#claimAndSend().finally(() => (this.#pumping = null));
    return this.#pumping;
  }

  async #claimAndSend(): Promise<void> {
    try {
      do {
        this.#again = false;
        const free = this.#concurrency - this.#inflight.size;
        if (free <= 0) break;
        const now = this.#d.now();
        const leaseUntil = now + this.#d.timeoutMs * 2 + 5_000;
        const claimed = await this.#d.store.webhooks.claim(now, free, this.#owner, leaseUntil);
        for (const d of claimed) this.#track(this.#deliver(d));
        if (claimed.length === free) this.#again = true;
      } while (this.#again && this.#running);
      await this.#purgeIfDue();
      if (this.#failing) this.#d.log.info('webhooks: dispatcher running again');
      this.#failing = false;
    } catch (err) {
      this.#failed(err as Error);
    }
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => {
      this.#inflight.delete(p);
      this.#kick(); // a slot is free
    });
  }

  async #deliver(d: ClaimedDelivery): Promise<void> {
    const { sender, now, log, retryBaseMs } = this.#d;
    const startedAt = now();
    const r = await sender.send(d.url, d.webhookId, d.payload);
    const delay = r.delivered ? null : retryDelay(d.step, retryBaseMs);
    const t = now();
    const nextAttemptAt = delay === null ? null : t + delay;
    const record = { attempt: d.attempts, startedAt, durationMs: r.durationMs, statusCode: r.statusCode, error: r.error, bodyExcerpt: r.bodyExcerpt };
    try {
      const kept = await this.#d.store.webhooks.finish(d.deliveryId, this.#owner, { delivered: r.delivered, nextAttemptAt, now: t }, record);
      if (!kept) log.warn({ deliveryId: d.deliveryId }, 'webhooks: lease lost before the attempt was recorded');
    } catch (err) {
      // The lease runs out and the attempt is made again.
      this.#failed(err as Error);
      return;
    }
    if (r.delivered) return;
    const where = safeOrigin(d.url);
    const detail = { deliveryId: d.deliveryId, webhookId: d.webhookId, url: where, attempt: d.attempts, statusCode: r.statusCode, error: r.error };
    if (nextAttemptAt === null) log.error(detail, 'webhooks: delivery failed after its last attempt');
    else log.warn({ ...detail, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'webhooks: attempt failed, will retry');
  }

  async #purgeIfDue(): Promise<void> {
    const now = this.#d.now();
    if (now - this.#lastPurge < PURGE_EVERY_MS) return;
    this.#lastPurge = now;
    const n = await this.#d.store.webhooks.purge(now - this.#d.retentionMs);
    if (n) this.#d.log.info({ events: n }, 'webhooks: purged settled events past retention');
  }

  /** One line when the dispatcher starts failing (not one per poll while the database is down). */
  #failed(err: Error): void {
    if (this.#failing) return;
    this.#failing = true;
    const detail = { err: { name: err.name, code: (err as { code?: string }).code } };
    if (isStorageUnavailable(err)) this.#d.log.warn(detail, 'webhooks: dispatcher paused: storage unavailable');
    else this.#d.log.error(detail, 'webhooks: dispatcher failed');
  }
}

/** Logs name where a delivery goes without its path or query (which may carry a token of the receiver's). */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid';
  }
}
