/**
 * The checkout controller's ground floor: what it shows (`view`), what it remembers (the IndexedDB record), what it
 * tells its host (events), and how every flow runs (busy count, never a throw, network loss). No flows here; see
 * `session-sync.ts` (the session as the server has it) and `checkout-controller.ts` (what the shopper does).
 */
import type { OfflineBridge } from '../offline/bridge.js';
import type { StoredSession } from '../storage/schema.js';
import type { SessionStore } from '../storage/session-store.js';
import { NetworkError, TimeoutError, errorOf, type ApiAnswer, type CheckoutApi } from '../transport/api-client.js';
import { type ControllerEvent, type PaymentSource, eventsBetween, messageFor } from './outcomes.js';
import { INITIAL_VIEW, type CheckoutMessage, type CheckoutView, type SessionJson } from './types.js';

export interface ControllerOptions {
  api: CheckoutApi;
  store: SessionStore;
  /** The checkout key (see `checkoutKey`). */
  key: string;
  /** The `api` base URL, stored with the session. */
  apiBase: string;
  orderId: string | null;
  /** A session created by a merchant backend (`session-id` + `client-secret`). */
  given?: { sessionId: string; clientSecret: string } | null;
  timeoutMs: number;
  /** Reads the payment method when the shopper pays: card details from the inputs, or a token from a slotted field. */
  readPayment: () => Promise<PaymentSource>;
  /** Live status (SSE with polling fallback); returns a stopper. */
  watch?: (sessionId: string, secret: string, onSession: (s: SessionJson) => void) => { stop(): void };
  bridge?: OfflineBridge | null;
  onChange: (view: CheckoutView) => void;
  onEvent: (event: ControllerEvent) => void;
  uuid?: () => string;
  now?: () => number;
}

type Secret = { sessionId: string; clientSecret: string };

export abstract class CheckoutCore {
  protected readonly _o: ControllerOptions;
  protected _view: CheckoutView = { ...INITIAL_VIEW };
  protected _record: StoredSession | null = null;
  protected _busy = 0;
  /** How the pending attempt stands in this page: being sent, waiting for the server's events, or interrupted. */
  protected _phase: 'sending' | 'awaiting' | 'interrupted' | null = null;

  /** The last attempt whose charge got its final answer (a decline): it cannot be PROCESSING again. */
  protected _settledAttempt = 0;
  /** A request that failed for lack of network or a server error, to send again on Retry or `online`. */
  protected _failed: (() => Promise<void>) | null = null;

  protected _started = false;
  protected _stopped = false;

  protected readonly _abort = new AbortController();

  constructor(options: ControllerOptions) {
    this._o = options;
    this._view.orderId = options.orderId;
  }

  get view(): CheckoutView {
    return this._view;
  }

  protected _onNetworkLost(again: () => Promise<void>): void {
    if (this._phase === 'sending') this._phase = 'interrupted';
    this._failed = again;
    this._set({ offline: true });
    this._fail('network', { key: 'msg.network', kind: 'error', code: 'network' }, true);
  }

  /** Tells the shopper (message) and the host page (`checkout-error`). */
  protected _fail(code: string, message: CheckoutMessage, retryable: boolean, serverMessage?: string): void {
    this._set({ message, canRetry: retryable || this._view.status === 'interrupted', processing: this._view.status === 'processing' || this._phase === 'awaiting' });
    this._emit({ type: 'error', code, messageKey: message.key, params: message.params, serverMessage, retryable });
  }

  /** Errors that are not part of a flow's own answers: rate limits, server trouble, lost sessions, paid orders. */
  protected async _otherError(answer: ApiAnswer, again: (() => Promise<void>) | null): Promise<void> {
    const err = errorOf(answer)!;
    const retryable = answer.status >= 500 || answer.status === 429 || err.code === 'idempotency_key_in_flight';
    if (retryable && again) this._failed = again;
    const key = answer.status === 429 ? 'msg.rateLimited' : answer.status >= 500 ? 'msg.server' : messageFor(err.code).key;
    this._fail(err.code, { key, kind: 'error', code: err.code }, retryable, err.message);
  }

  /** Runs a request; a lost network becomes the `network` state with `again` kept for Retry/`online`. */
  protected async _net(request: () => Promise<ApiAnswer>, again: (() => Promise<void>) | null): Promise<ApiAnswer | null> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof NetworkError || err instanceof TimeoutError) {
        this._onNetworkLost(again ?? (async () => {}));
        return null;
      }
      throw err;
    }
  }

  /** Every flow runs here: marks the checkout busy, and turns anything unexpected into `checkout-error`, never a throw. */
  protected async _guard(work: () => Promise<void>, busy = true): Promise<void> {
    if (this._stopped) return;
    if (busy) this._set({ busy: ++this._busy > 0 });
    try {
      await work();
    } catch (err) {
      if (this._stopped || (err as Error)?.name === 'AbortError') return;
      this._fail('unexpected', { key: 'msg.unexpected', kind: 'error', code: 'unexpected' }, true, String((err as Error)?.message ?? err));
    } finally {
      if (busy) this._set({ busy: --this._busy > 0 });
    }
  }

  protected _set(patch: Partial<CheckoutView>): void {
    if (this._stopped) return;
    const before = this._view;
    const after = (this._view = { ...before, ...patch });
    this._o.bridge?.setProcessing(after.processing);
    // The host shows the view before it hears of the change: a page that navigates away on `checkout-complete` must not
    // meet the leave-page warning of the processing that just ended, and listeners read the element's new attributes.
    this._o.onChange(after);
    for (const event of eventsBetween(before, after)) this._emit(event);
  }

  #readyEmitted = false;

  protected _ready(restored: boolean): void {
    if (this.#readyEmitted || !this._view.sessionId) return;
    this.#readyEmitted = true;
    this._emit({ type: 'ready', sessionId: this._view.sessionId, restored });
  }

  protected _emit(event: ControllerEvent): void {
    if (!this._stopped) this._o.onEvent(event);
  }

  protected async _save(patch: Partial<StoredSession>): Promise<void> {
    if (!this._record) return;
    this._record = { ...this._record, ...patch, updatedAt: this._now() };
    await this._o.store.put(this._record);
  }

  protected async _opKey(name: string): Promise<string> {
    const existing = this._record?.opKeys?.[name];
    if (existing) return existing;
    const key = this._uuid();
    await this._save({ opKeys: { ...this._record?.opKeys, [name]: key } });
    return key;
  }

  protected _newRecord(sessionId: string, clientSecret: string, orderId: string, status: string, attempt: number, maxAttempts: number): StoredSession {
    return { key: this._o.key, api: this._o.apiBase, orderId, sessionId, clientSecret, status, attempt, maxAttempts, pending: null, opKeys: {}, updatedAt: this._now() };
  }

  protected _secret(): Secret | null {
    return this._record ? { sessionId: this._record.sessionId, clientSecret: this._record.clientSecret } : null;
  }

  protected _leading(): boolean {
    return this._started && !this._stopped && this._view.role === 'leader';
  }

  protected _call(timeoutMs?: number) {
    return { signal: this._abort.signal, timeoutMs: timeoutMs ?? Math.max(this._o.timeoutMs, 10_000) };
  }

  protected _uuid(): string {
    return this._o.uuid?.() ?? crypto.randomUUID();
  }

  protected _now(): number {
    return this._o.now?.() ?? Date.now();
  }
}
