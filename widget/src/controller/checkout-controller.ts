/**
 * The checkout as a status machine, without the DOM: it talks to the API, keeps IndexedDB in step, and tells its host
 * what to show (`onChange(view)`) and what happened (`onEvent`). The element is a thin view over it; tests can drive
 * it with a fake API and a memory store.
 *
 * Exactly-once from the page's side: a payment attempt gets one Idempotency-Key, saved with its token *before* the
 * request leaves. Until the server gives that attempt a final answer, every Retry, reload or returning network re-sends
 * the same key and body (or waits for the server's events); it is never replaced by a new charge.
 */
import type { PendingAttempt, StoredSession } from '../storage/schema.js';
import type { SessionStore } from '../storage/session-store.js';
import type { OfflineBridge, ReplayedAnswer } from '../offline/bridge.js';
import { NetworkError, TimeoutError, errorOf, type ApiAnswer, type CheckoutApi } from '../transport/api-client.js';
import { INITIAL_VIEW, isFinal, type CardInput, type CheckoutMessage, type CheckoutView, type SessionJson } from './types.js';
import { type ControllerEvent, type PaymentSource, declineKey, eventsBetween, messageFor } from './outcomes.js';
import { QUEUED_ERROR_CODE } from '../offline/protocol.js';

export type { ControllerEvent, PaymentSource } from './outcomes.js';

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

export class CheckoutController {
  readonly #o: ControllerOptions;
  #view: CheckoutView = { ...INITIAL_VIEW };
  #record: StoredSession | null = null;
  #busy = 0;
  /** How the pending attempt stands in this page: being sent, waiting for the server's events, or interrupted. */
  #phase: 'sending' | 'awaiting' | 'interrupted' | null = null;
  /** A request that failed for lack of network or a server error, to send again on Retry or `online`. */
  #failed: (() => Promise<void>) | null = null;
  #createKey: string | null = null;
  #watcher: { stop(): void } | null = null;
  #lastSessionAt = '';
  #started = false;
  #stopped = false;
  readonly #abort = new AbortController();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#view.orderId = options.orderId;
  }

  get view(): CheckoutView {
    return this.#view;
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /** Leads this checkout: restores it from IndexedDB and the server, or creates a session. */
  async start(): Promise<void> {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#set({ role: 'leader' });
    const bridge = this.#o.bridge;
    if (bridge) {
      this.#unsubscribe.push(bridge.onResult((a) => void this.#onReplayed(a)));
      this.#unsubscribe.push(bridge.onQueueChange((n) => this.#set({ queued: n > 0, ...(n > 0 ? { offline: true } : {}) })));
    }
    await this.#guard(() => this.#restoreOrCreate());
  }

  /** Mirrors a leading tab: shows what it publishes and sends nothing. */
  follow(): void {
    this.#set({ role: 'follower', message: { key: 'msg.otherTab', kind: 'info' } });
  }

  mirror(view: CheckoutView): void {
    if (this.#started || this.#stopped) return;
    const message = view.message && view.message.kind !== 'info' ? view.message : { key: 'msg.otherTab', kind: 'info' as const };
    this.#set({ ...view, message, role: 'follower', busy: true, canRetry: false });
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#watcher?.stop();
    this.#watcher = null;
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  // ---- shopper actions ------------------------------------------------------------------------------

  /** Pays the current attempt with the payment method the shopper entered. */
  async pay(): Promise<void> {
    const s = this.#secret();
    if (!s || this.#busy || !this.#leading() || !['initiated', 'resumed'].includes(this.#view.status)) return;
    if (this.#record?.pending && this.#record.pending.attempt === this.#view.attempt) return this.retry();
    await this.#guard(() => this.#payWithEntered());
  }

  async #payWithEntered(): Promise<void> {
    const source = await this.#o.readPayment();
    if ('error' in source) return this.#fail(source.error, { key: `msg.${source.error}`, kind: 'error' }, false);
    const token = 'token' in source ? source.token : await this.#tokenize(source.card);
    if (!token) return;
    const pending: PendingAttempt = { idempotencyKey: this.#uuid(), attempt: this.#view.attempt, startedAt: this.#now(), token };
    await this.#save({ pending }); // before the request leaves: a reload re-sends this key, never a new one
    await this.#sendComplete(pending);
  }

  /**
   * Retry: continues what was interrupted. The server is asked first: a pending attempt is re-sent with its own key
   * (the server answers with the first outcome, or waits for it); a failed request is sent again; an interrupted
   * session is resumed for its next attempt.
   */
  async retry(): Promise<void> {
    if (!this.#leading() || this.#busy) return;
    this.#o.bridge?.requestReplay();
    this.#set({ offline: false });
    await this.#guard(async () => {
      const pending = this.#record?.pending;
      if (pending && !isFinal(this.#view.status)) return this.#sendComplete(pending);
      const failed = this.#failed;
      if (failed) {
        this.#failed = null;
        return failed();
      }
      if (this.#view.status === 'interrupted') return this.#resume();
      if (!this.#secret()) return this.#restoreOrCreate();
      await this.#refresh();
    });
  }

  async resume(): Promise<void> {
    if (!this.#leading() || this.#busy || this.#view.status !== 'interrupted') return;
    if (this.#record?.pending) return this.retry();
    await this.#guard(() => this.#resume());
  }

  /** Cancels on the server, then emits `checkout-cancel`. A final session (e.g. max retries) is cancelled locally. */
  async cancel(reason = 'user'): Promise<void> {
    if (!this.#leading()) return;
    const s = this.#secret();
    if (!s || (isFinal(this.#view.status) && this.#view.status !== 'completed')) {
      return this.#emit({ type: 'cancel', sessionId: s?.sessionId ?? null, reason });
    }
    if (this.#view.status === 'completed' || this.#busy) return;
    await this.#guard(async () => {
      const key = await this.#opKey('cancel');
      const answer = await this.#o.api.cancel(s.sessionId, s.clientSecret, reason, key, this.#call());
      const err = errorOf(answer);
      if (!err) {
        this.#watcher?.stop();
        await this.#save({ status: 'CANCELLED', pending: null });
        this.#set({ status: 'cancelled', cancelReason: reason, canRetry: false, processing: false, message: messageFor('cancelled') });
        return this.#emit({ type: 'cancel', sessionId: s.sessionId, reason });
      }
      if (err.code === 'payment_in_progress') return this.#fail(err.code, { key: 'msg.cancelRefused', kind: 'error', code: err.code }, true);
      if (err.code === 'invalid_transition') {
        await this.#refresh();
        if (isFinal(this.#view.status) && this.#view.status !== 'completed') this.#emit({ type: 'cancel', sessionId: s.sessionId, reason });
        return;
      }
      return this.#otherError(answer, () => this.cancel(reason));
    });
  }

  /** The network is back (`online`): whatever was interrupted by its loss continues by itself. */
  async networkBack(): Promise<void> {
    if (!this.#view.offline && !this.#failed) return;
    this.#o.bridge?.requestReplay();
    if (this.#view.queued) return;
    if (this.#record?.pending || this.#failed) return this.retry();
    this.#set({ offline: false });
  }

  networkLost(): void {
    this.#set({ offline: true });
  }

  // ---- flows ----------------------------------------------------------------------------------------

  async #restoreOrCreate(): Promise<void> {
    const { store, key, given } = this.#o;
    let record = (await store.get(key)) ?? null;
    if (!record && given) {
      record = this.#newRecord(given.sessionId, given.clientSecret, this.#o.orderId ?? '', 'INITIATED', 0, 0);
    }
    if (record) {
      this.#record = record;
      this.#set({ sessionId: record.sessionId, orderId: record.orderId || this.#view.orderId, status: record.status.toLowerCase(), attempt: record.attempt, maxAttempts: record.maxAttempts });
      const answer = await this.#get(record);
      if (answer === 'offline') return this.#ready(true);
      const err = errorOf(answer);
      if (err?.code === 'session_not_found' && !given) {
        await store.delete(key);
        this.#record = null;
      } else if (err) {
        return this.#otherError(answer, () => this.#restoreOrCreate());
      } else {
        const session = answer.body as SessionJson;
        // A cancelled or expired checkout cannot be paid any more: coming back to the order starts a new session.
        if (!given && (session.status === 'CANCELLED' || session.status === 'EXPIRED')) {
          await store.delete(key);
          this.#record = null;
        } else {
          await this.#applySession(session);
          this.#ready(true);
          return this.#continuePending();
        }
      }
    }
    await this.#create();
  }

  async #create(): Promise<void> {
    const orderId = this.#o.orderId;
    if (!orderId) return this.#fail('missing_order', { key: 'msg.missingOrder', kind: 'error' }, false);
    this.#createKey ??= this.#uuid();
    const answer = await this.#net(() => this.#o.api.createSession(orderId, this.#createKey!, this.#call()), () => this.#create());
    if (!answer) return;
    const err = errorOf(answer);
    if (err) return this.#otherError(answer, () => this.#create());
    const s = answer.body as SessionJson;
    this.#record = this.#newRecord(s.sessionId, s.clientSecret!, s.orderId, s.status, s.attempts, s.maxAttempts);
    await this.#save({});
    await this.#applySession(s);
    this.#ready(false);
  }

  async #tokenize(card: CardInput): Promise<string | null> {
    this.#set({ message: { key: 'msg.processing', kind: 'info' }, processing: true });
    const answer = await this.#net(() => this.#o.api.tokenize(card, this.#call()), () => this.#payWithEntered());
    if (!answer) return null;
    const err = errorOf(answer);
    if (!err) return (answer.body as { token: string }).token;
    this.#set({ processing: false });
    if (answer.status === 400) return this.#fail(err.code, { key: `msg.${err.code}`, kind: 'error', code: err.code }, false), null;
    await this.#otherError(answer, null);
    return null;
  }

  async #sendComplete(pending: PendingAttempt): Promise<void> {
    const s = this.#secret()!;
    this.#phase = 'sending';
    // Shown at once: the server moves the session to PROCESSING as soon as the charge starts.
    this.#set({ status: 'processing', processing: true, canRetry: false, message: { key: 'msg.processing', kind: 'info' } });
    let answer: ApiAnswer;
    try {
      answer = await this.#o.api.complete(s.sessionId, s.clientSecret, pending.token, pending.idempotencyKey, this.#call(this.#o.timeoutMs));
    } catch (err) {
      if (err instanceof TimeoutError) return this.#onTimeout(pending);
      if (err instanceof NetworkError) return this.#onNetworkLost(() => this.#sendComplete(pending));
      throw err;
    }
    await this.#onCompleteAnswer(pending, answer);
  }

  async #onCompleteAnswer(pending: PendingAttempt, answer: ApiAnswer): Promise<void> {
    const err = errorOf(answer);
    if (!err) {
      const body = answer.body as { status: string; paymentId?: string };
      if (body.status === 'COMPLETED') return this.#completed(body.paymentId ?? null);
      this.#phase = 'awaiting'; // 202: the outcome follows on the event stream
      return this.#set({ status: 'processing', processing: true, message: { key: 'msg.awaiting', kind: 'info' } });
    }
    const d = err.details;
    if (answer.status === 402) {
      await this.#clearPending();
      if (typeof d.attempt === 'number') this.#set({ attempt: d.attempt });
      if (typeof d.status === 'string') await this.#setStatus(d.status);
      await this.#refresh();
      if (this.#view.status === 'failed_max_retries') return this.#fail(err.code, messageFor('failed_max_retries'), false, err.message);
      return this.#fail(err.code, { key: declineKey(err.code), kind: 'error', code: err.code }, d.canResume !== false, err.message);
    }
    if (err.code === 'payment_in_progress' || err.code === 'idempotency_key_in_flight') {
      this.#phase = 'awaiting';
      return this.#set({ status: 'processing', processing: true, message: { key: 'msg.inProgress', kind: 'info' } });
    }
    if (err.code === QUEUED_ERROR_CODE) return this.#onQueued();
    if (['invalid_transition', 'order_already_paid', 'invalid_payment_method', 'idempotency_key_reused', 'validation_error'].includes(err.code)) {
      // A final answer for this key: the attempt is over without a charge from it.
      await this.#clearPending();
      await this.#refresh();
      if (err.code === 'invalid_transition' && this.#view.status === 'interrupted') return this.#resume();
      if (isFinal(this.#view.status)) return;
      return this.#fail(err.code, messageFor(err.code), err.code === 'invalid_payment_method', err.message);
    }
    this.#phase = 'interrupted';
    return this.#otherError(answer, () => this.#sendComplete(pending));
  }

  /** No answer in `timeout` ms: record the interruption and offer Retry, which asks the server before anything else. */
  async #onTimeout(pending: PendingAttempt): Promise<void> {
    this.#phase = 'interrupted';
    const s = this.#secret()!;
    const key = await this.#opKey(`interrupt:timeout:${pending.attempt}`);
    const answer = await this.#o.api.interrupt(s.sessionId, s.clientSecret, 'timeout', key, this.#call()).catch(() => null);
    if (answer && !errorOf(answer)) {
      const body = answer.body as { status: string; attempt: number; maxAttempts: number };
      this.#set({ attempt: body.attempt, maxAttempts: body.maxAttempts });
      await this.#setStatus(body.status);
    }
    this.#fail('timeout', { key: 'msg.timeout', kind: 'error', code: 'timeout' }, true);
  }

  #onNetworkLost(again: () => Promise<void>): void {
    if (this.#phase === 'sending') this.#phase = 'interrupted';
    this.#failed = again;
    this.#set({ offline: true });
    this.#fail('network', { key: 'msg.network', kind: 'error', code: 'network' }, true);
  }

  /** The service worker kept the request in its outbox; its real answer arrives through the bridge. */
  #onQueued(): void {
    this.#phase = 'awaiting';
    this.#set({ queued: true, offline: true, processing: true, canRetry: true, message: { key: 'msg.queued', kind: 'info', code: QUEUED_ERROR_CODE } });
  }

  async #onReplayed(a: ReplayedAnswer): Promise<void> {
    if (!this.#leading()) return;
    const pending = this.#record?.pending;
    if (pending && a.idempotencyKey === pending.idempotencyKey) {
      this.#set({ queued: false, offline: false });
      if (a.status === 0) return this.#onNetworkLost(() => this.#sendComplete(pending));
      return this.#guard(() => this.#onCompleteAnswer(pending, { status: a.status, body: a.body }));
    }
    if (Object.values(this.#record?.opKeys ?? {}).includes(a.idempotencyKey)) await this.#guard(() => this.#refresh());
  }

  async #resume(): Promise<void> {
    const s = this.#secret()!;
    const key = await this.#opKey(`resume:${this.#view.attempt}`);
    const answer = await this.#net(() => this.#o.api.resume(s.sessionId, s.clientSecret, key, this.#call()), () => this.#resume());
    if (!answer) return;
    const err = errorOf(answer);
    if (err?.code === 'invalid_transition') return this.#refresh();
    if (err) return this.#otherError(answer, () => this.#resume());
    const body = answer.body as { attempt: number; maxAttempts: number };
    this.#set({ attempt: body.attempt, maxAttempts: body.maxAttempts });
    await this.#setStatus('RESUMED');
    this.#set({ canRetry: false, message: { key: 'msg.resumed', kind: 'info', params: { attempt: body.attempt, max: body.maxAttempts } } });
  }

  /** Re-reads the session from the server and shows it. */
  async #refresh(): Promise<void> {
    const record = this.#record;
    if (!record) return;
    const answer = await this.#get(record);
    if (answer === 'offline') return;
    if (errorOf(answer)) return this.#otherError(answer, () => this.#refresh());
    await this.#applySession(answer.body as SessionJson);
  }

  async #get(record: StoredSession): Promise<ApiAnswer | 'offline'> {
    const answer = await this.#net(() => this.#o.api.getSession(record.sessionId, record.clientSecret, this.#call()), () => this.#restoreOrCreate());
    return answer ?? 'offline';
  }

  /** After a restore: an attempt saved as pending is finished with its saved key and token. */
  async #continuePending(): Promise<void> {
    const pending = this.#record?.pending;
    if (!pending) return;
    if (isFinal(this.#view.status)) return this.#clearPending();
    await this.#sendComplete(pending);
  }

  async #applySession(s: SessionJson & { updatedAt?: string }): Promise<void> {
    if (s.updatedAt && s.updatedAt < this.#lastSessionAt) return; // an older snapshot than one already shown
    this.#lastSessionAt = s.updatedAt ?? this.#lastSessionAt;
    const before = this.#view.status;
    const status = s.status.toLowerCase();
    const processing = status === 'processing' || this.#phase === 'sending';
    this.#set({ sessionId: s.sessionId, orderId: s.orderId, attempt: s.attempts, maxAttempts: s.maxAttempts, amount: s.amount, currency: s.currency, paymentId: s.paymentId ?? null, processing });
    if (status === 'completed') return this.#completed(s.paymentId ?? null);
    await this.#setStatus(s.status);
    if (isFinal(status)) {
      await this.#clearPending();
      this.#watcher?.stop();
      this.#watcher = null;
      // Final: whatever was said before (processing, a decline) gives way to the final word.
      if (this.#view.message?.key !== messageFor(status).key) this.#set({ canRetry: false, message: messageFor(status) });
      return;
    }
    this.#watch();
    if (status === 'interrupted' && this.#phase === 'awaiting' && s.lastError) {
      // The outcome we were waiting for on the stream: the attempt failed without a charge.
      await this.#clearPending();
      return this.#fail(s.lastError.code, { key: declineKey(s.lastError.code), kind: 'error', code: s.lastError.code }, true, s.lastError.message);
    }
    if (before !== status || !this.#view.message) {
      if (status === 'interrupted') this.#set({ canRetry: true, message: this.#view.message ?? messageFor(s.lastError?.code ?? 'interrupted') });
      else if (status === 'processing' && !this.#record?.pending) this.#set({ message: { key: 'msg.inProgress', kind: 'info' } });
      else if ((status === 'initiated' || status === 'resumed') && !this.#busy) this.#set({ message: { key: 'msg.enterCard', kind: 'info' } });
    }
    if (status === 'interrupted') this.#set({ canRetry: true });
  }

  #watch(): void {
    const s = this.#secret();
    if (this.#watcher || !s || !this.#o.watch || this.#stopped) return;
    this.#watcher = this.#o.watch(s.sessionId, s.clientSecret, (session) => void this.#guard(() => this.#applySession(session), false));
  }

  async #completed(paymentId: string | null): Promise<void> {
    this.#watcher?.stop();
    this.#watcher = null;
    this.#phase = null;
    this.#failed = null;
    await this.#save({ status: 'COMPLETED', pending: null });
    this.#set({ status: 'completed', paymentId: paymentId ?? this.#view.paymentId, processing: false, canRetry: false, offline: false, message: messageFor('completed') });
  }

  async #setStatus(status: string): Promise<void> {
    this.#set({ status: status.toLowerCase() });
    if (this.#record && (this.#record.status !== status || this.#record.attempt !== this.#view.attempt)) {
      await this.#save({ status, attempt: this.#view.attempt, maxAttempts: this.#view.maxAttempts });
    }
  }

  async #clearPending(): Promise<void> {
    this.#phase = null;
    this.#set({ processing: this.#view.status === 'processing' });
    if (this.#record?.pending) await this.#save({ pending: null });
  }

  /** Tells the shopper (message) and the host page (`checkout-error`). */
  #fail(code: string, message: CheckoutMessage, retryable: boolean, serverMessage?: string): void {
    this.#set({ message, canRetry: retryable || this.#view.status === 'interrupted', processing: this.#view.status === 'processing' || this.#phase === 'awaiting' });
    this.#emit({ type: 'error', code, messageKey: message.key, params: message.params, serverMessage, retryable });
  }

  /** Errors that are not part of a flow's own answers: rate limits, server trouble, lost sessions, paid orders. */
  async #otherError(answer: ApiAnswer, again: (() => Promise<void>) | null): Promise<void> {
    const err = errorOf(answer)!;
    const retryable = answer.status >= 500 || answer.status === 429 || err.code === 'idempotency_key_in_flight';
    if (retryable && again) this.#failed = again;
    const key = answer.status === 429 ? 'msg.rateLimited' : answer.status >= 500 ? 'msg.server' : messageFor(err.code).key;
    this.#fail(err.code, { key, kind: 'error', code: err.code }, retryable, err.message);
  }

  // ---- plumbing -------------------------------------------------------------------------------------

  /** Runs a request; a lost network becomes the `network` state with `again` kept for Retry/`online`. */
  async #net(request: () => Promise<ApiAnswer>, again: (() => Promise<void>) | null): Promise<ApiAnswer | null> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof NetworkError || err instanceof TimeoutError) {
        this.#onNetworkLost(again ?? (async () => {}));
        return null;
      }
      throw err;
    }
  }

  /** Every flow runs here: marks the checkout busy, and turns anything unexpected into `checkout-error`, never a throw. */
  async #guard(work: () => Promise<void>, busy = true): Promise<void> {
    if (this.#stopped) return;
    if (busy) this.#set({ busy: ++this.#busy > 0 });
    try {
      await work();
    } catch (err) {
      if (this.#stopped || (err as Error)?.name === 'AbortError') return;
      this.#fail('unexpected', { key: 'msg.unexpected', kind: 'error', code: 'unexpected' }, true, String((err as Error)?.message ?? err));
    } finally {
      if (busy) this.#set({ busy: --this.#busy > 0 });
    }
  }

  #set(patch: Partial<CheckoutView>): void {
    if (this.#stopped) return;
    const before = this.#view;
    this.#view = { ...before, ...patch };
    for (const event of eventsBetween(before, this.#view)) this.#emit(event);
    this.#o.bridge?.setProcessing(this.#view.processing);
    this.#o.onChange(this.#view);
  }

  #readyEmitted = false;
  #ready(restored: boolean): void {
    if (this.#readyEmitted || !this.#view.sessionId) return;
    this.#readyEmitted = true;
    this.#emit({ type: 'ready', sessionId: this.#view.sessionId, restored });
  }

  #emit(event: ControllerEvent): void {
    if (!this.#stopped) this.#o.onEvent(event);
  }

  async #save(patch: Partial<StoredSession>): Promise<void> {
    if (!this.#record) return;
    this.#record = { ...this.#record, ...patch, updatedAt: this.#now() };
    await this.#o.store.put(this.#record);
  }

  async #opKey(name: string): Promise<string> {
    const existing = this.#record?.opKeys?.[name];
    if (existing) return existing;
    const key = this.#uuid();
    await this.#save({ opKeys: { ...this.#record?.opKeys, [name]: key } });
    return key;
  }

  #newRecord(sessionId: string, clientSecret: string, orderId: string, status: string, attempt: number, maxAttempts: number): StoredSession {
    return { key: this.#o.key, api: this.#o.apiBase, orderId, sessionId, clientSecret, status, attempt, maxAttempts, pending: null, opKeys: {}, updatedAt: this.#now() };
  }

  #secret(): Secret | null {
    return this.#record ? { sessionId: this.#record.sessionId, clientSecret: this.#record.clientSecret } : null;
  }

  #leading(): boolean {
    return this.#started && !this.#stopped && this.#view.role === 'leader';
  }

  #call(timeoutMs?: number) {
    return { signal: this.#abort.signal, timeoutMs: timeoutMs ?? Math.max(this.#o.timeoutMs, 10_000) };
  }

  #uuid(): string {
    return this.#o.uuid?.() ?? crypto.randomUUID();
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }
}
