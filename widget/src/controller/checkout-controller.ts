/**
 * The checkout as a status machine, without the DOM: it talks to the API, keeps IndexedDB in step, and tells its host
 * what to show (`onChange(view)`) and what happened (`onEvent`). The element is a thin view over it; tests can drive
 * it with a fake API and a memory store.
 *
 * Exactly-once from the page's side: a payment attempt gets one Idempotency-Key, saved with its token *before* the
 * request leaves. Until the server gives that attempt a final answer, every reload or returning network re-sends the
 * same key and body (or waits for the server's events). Retry after a recorded timeout moves on to the next attempt:
 * the server settles the timed-out charge before it charges again, and answers with it if it went through.
 */
import type { PendingAttempt } from '../storage/schema.js';
import { QUEUED_ERROR_CODE, type QueuedRequest, type ReplayedAnswer } from '../offline/bridge.js';
import { NetworkError, TimeoutError, errorOf, type ApiAnswer } from '../transport/api-client.js';
import { declineKey, messageFor } from './outcomes.js';
import { SessionSync } from './session-sync.js';
import { isFinal, type CardInput, type CheckoutView } from './types.js';

export type { ControllerEvent, PaymentSource } from './outcomes.js';
export type { ControllerOptions } from './checkout-core.js';

export class CheckoutController extends SessionSync {
  readonly #unsubscribe: (() => void)[] = [];
  /** What waits in the service worker's outbox: every checkout's of this origin, not only this one's. */
  #outbox: readonly QueuedRequest[] = [];

  /** Leads this checkout: restores it from IndexedDB and the server, or creates a session. */
  async start(): Promise<void> {
    if (this._started || this._stopped) return;
    this._started = true;
    this._set({ role: 'leader' });
    const bridge = this._o.bridge;
    if (bridge) {
      this.#unsubscribe.push(bridge.onResult((a) => void this.#onReplayed(a)));
      this.#unsubscribe.push(
        bridge.onQueueChange((queued) => {
          this.#outbox = queued;
          this.#showQueued(true);
        }),
      );
    }
    await this._guard(() => this._restoreOrCreate());
    // The outbox may have reported before the session was known (a reload while its payment waits there).
    this.#showQueued(false);
  }

  /** `queued` (and `offline`) while a request of this checkout waits in the outbox: its session's, or its session create. */
  #showQueued(clear: boolean): void {
    const sessionId = this._record?.sessionId;
    const own = this.#outbox.some((r) => (r.sessionId === null ? r.idempotencyKey === this._createKey : r.sessionId === sessionId));
    if (own) this._set({ queued: true, offline: true });
    else if (clear) this._set({ queued: false });
  }

  /**
   * The page is going away (`pagehide`) while a payment is under way here: the server records an `unload` interruption.
   * Sent only when it takes nothing from the page that comes back: from the tab that drives the checkout, while the card
   * is being tokenized (no attempt yet: the next page offers Resume, for free), or while the server is charging this
   * attempt (it said so: PROCESSING, or `202` / key in flight to our key). Not while the attempt's request may not have
   * reached the server (just sent, queued in the outbox, cut off by the network): the interruption could overtake it and
   * the server would then refuse the attempt's key. The charge itself is untouched: after a reload the attempt is re-sent
   * with its saved key and the server answers with that charge's outcome. Not the view's `offline`: the page's own
   * requests are cut off as it leaves, sometimes before `pagehide`. No Idempotency-Key: a keepalive request that cannot
   * leave is dropped, never queued by the worker and replayed later.
   */
  leaving(): void {
    const s = this._secret();
    const v = this._view;
    if (!s || !this._leading()) return;
    const charging = v.status === 'processing' && this._chargingAttempt === v.attempt;
    const tokenizing = v.processing && !this._record?.pending && (v.status === 'initiated' || v.status === 'resumed');
    if (charging || tokenizing) this._o.api.interrupt(s.sessionId, s.clientSecret, 'unload', null, { keepalive: true }).catch(() => {});
  }

  /** Mirrors a leading tab: shows what it publishes and sends nothing. */
  follow(): void {
    this._set({ role: 'follower', message: { key: 'msg.otherTab', kind: 'info' } });
  }

  mirror(view: CheckoutView): void {
    if (this._started || this._stopped) return;
    const message = view.message && view.message.kind !== 'info' ? view.message : { key: 'msg.otherTab', kind: 'info' as const };
    this._set({ ...view, message, role: 'follower', busy: true, canRetry: false });
  }

  stop(): void {
    this._stopped = true;
    this._abort.abort();
    this._watcher?.stop();
    this._watcher = null;
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  /** Pays the current attempt with the payment method the shopper entered. */
  async pay(): Promise<void> {
    const s = this._secret();
    if (!s || this._busy || !this._leading() || !['initiated', 'resumed'].includes(this._view.status)) return;
    if (this._record?.pending && this._record.pending.attempt === this._view.attempt) return this.retry();
    await this._guard(() => this.#payWithEntered());
  }

  async #payWithEntered(): Promise<void> {
    const source = await this._o.readPayment();
    if ('error' in source) return this._fail(source.error, { key: `msg.${source.error}`, kind: 'error' }, false);
    const token = 'token' in source ? source.token : await this.#tokenize(source.card);
    if (!token) return;
    const pending: PendingAttempt = { idempotencyKey: this._uuid(), attempt: this._view.attempt, startedAt: this._now(), token };
    await this._save({ pending }); // before the request leaves: a reload re-sends this key, never a new one
    await this.#sendComplete(pending);
  }

  /**
   * Retry: continues what was interrupted. The server is asked first: a pending attempt is re-sent with its own key
   * (the server answers with the first outcome, or waits for it); a failed request is sent again; an interrupted
   * session is resumed for its next attempt.
   */
  async retry(): Promise<void> {
    if (!this._leading() || this._busy) return;
    this._o.bridge?.requestReplay();
    this._set({ offline: false });
    await this._guard(async () => {
      const pending = this._record?.pending;
      // Timed out, and the server recorded the interruption: go on to the next attempt. The server settles the timed-out
      // attempt's charge before it charges again (and answers with that charge if it went through): never two charges.
      if (pending && this._view.status === 'interrupted') return this.#nextAttemptAfterTimeout();
      if (pending && !isFinal(this._view.status)) return this.#sendComplete(pending);
      const failed = this._failed;
      if (failed) {
        this._failed = null;
        return failed();
      }
      if (this._view.status === 'interrupted') return this._resumeNext();
      if (!this._secret()) return this._restoreOrCreate();
      await this._refresh();
    });
  }

  async #nextAttemptAfterTimeout(): Promise<void> {
    await this._clearPending();
    await this._resumeNext();
    if (this._view.status === 'resumed') await this.#payWithEntered();
  }

  async resume(): Promise<void> {
    if (!this._leading() || this._busy || this._view.status !== 'interrupted') return;
    if (this._record?.pending) return this.retry();
    await this._guard(() => this._resumeNext());
  }

  /** Cancels on the server, then emits `checkout-cancel`. A final session (e.g. max retries) is cancelled locally. */
  async cancel(reason = 'user'): Promise<void> {
    if (!this._leading()) return;
    const s = this._secret();
    if (!s || (isFinal(this._view.status) && this._view.status !== 'completed')) {
      return this._emit({ type: 'cancel', sessionId: s?.sessionId ?? null, reason });
    }
    if (this._view.status === 'completed' || this._busy) return;
    await this._guard(() => this.#cancelOnServer(s.sessionId, s.clientSecret, reason));
  }

  async #cancelOnServer(sessionId: string, secret: string, reason: string): Promise<void> {
    const key = await this._opKey('cancel');
    const again = () => this.#cancelOnServer(sessionId, secret, reason);
    const answer = await this._net(() => this._o.api.cancel(sessionId, secret, reason, key, this._call()), again);
    if (!answer) return;
    const err = errorOf(answer);
    if (!err) {
      this._watcher?.stop();
      await this._save({ status: 'CANCELLED', pending: null });
      this._set({ status: 'cancelled', cancelReason: reason, canRetry: false, processing: false, message: messageFor('cancelled') });
      return this._emit({ type: 'cancel', sessionId, reason });
    }
    if (err.code === 'payment_in_progress') return this._fail(err.code, { key: 'msg.cancelRefused', kind: 'error', code: err.code }, true);
    if (err.code === 'invalid_transition') {
      await this._refresh();
      if (isFinal(this._view.status) && this._view.status !== 'completed') this._emit({ type: 'cancel', sessionId, reason });
      return;
    }
    return this._otherError(answer, again);
  }

  /** The network is back (`online`): whatever was interrupted by its loss continues by itself. */
  async networkBack(): Promise<void> {
    if (!this._view.offline && !this._failed) return;
    this._o.bridge?.requestReplay();
    if (this._view.queued) return;
    if (this._record?.pending || this._failed) return this.retry();
    this._set({ offline: false });
  }

  networkLost(): void {
    this._set({ offline: true });
  }

  async #tokenize(card: CardInput): Promise<string | null> {
    this._set({ message: { key: 'msg.processing', kind: 'info' }, processing: true });
    const answer = await this._net(() => this._o.api.tokenize(card, this._call()), () => this.#payWithEntered());
    if (!answer) return null;
    const err = errorOf(answer);
    if (!err) return (answer.body as { token: string }).token;
    this._set({ processing: false });
    if (answer.status === 400) return this._fail(err.code, { key: `msg.${err.code}`, kind: 'error', code: err.code }, false), null;
    await this._otherError(answer, null);
    return null;
  }

  async #sendComplete(pending: PendingAttempt): Promise<void> {
    const s = this._secret()!;
    this._phase = 'sending';
    // Shown at once: the server moves the session to PROCESSING as soon as the charge starts.
    this._set({ status: 'processing', processing: true, canRetry: false, message: { key: 'msg.processing', kind: 'info' } });
    let answer: ApiAnswer;
    try {
      answer = await this._o.api.complete(s.sessionId, s.clientSecret, pending.token, pending.idempotencyKey, this._call(this._o.timeoutMs));
    } catch (err) {
      if (err instanceof TimeoutError) return this.#onTimeout(pending);
      if (err instanceof NetworkError) return this._onNetworkLost(() => this.#sendComplete(pending));
      throw err;
    }
    await this.#onCompleteAnswer(pending, answer);
  }

  async #onCompleteAnswer(pending: PendingAttempt, answer: ApiAnswer): Promise<void> {
    const err = errorOf(answer);
    if (!err) {
      const body = answer.body as { status: string; paymentId?: string };
      if (body.status === 'COMPLETED') return this._completed(body.paymentId ?? null);
      this._phase = 'awaiting'; // 202: the outcome follows on the event stream
      this._chargingAttempt = pending.attempt;
      return this._set({ status: 'processing', processing: true, message: { key: 'msg.awaiting', kind: 'info' } });
    }
    const d = err.details;
    if (answer.status === 402) {
      // Status, attempt and the reason change together, so no one sees "interrupted" still saying "processing".
      const status = typeof d.status === 'string' ? d.status.toLowerCase() : 'interrupted';
      const final = isFinal(status);
      this._phase = null;
      this._settledAttempt = Math.max(this._settledAttempt, pending.attempt, typeof d.attempt === 'number' ? d.attempt : 0);
      this._set({ status, processing: false, ...(typeof d.attempt === 'number' ? { attempt: d.attempt } : {}) });
      this._fail(err.code, final ? messageFor(status) : { key: declineKey(err.code), kind: 'error', code: err.code }, !final && d.canResume !== false, err.message);
      await this._save({ pending: null, status: status.toUpperCase(), attempt: this._view.attempt });
      return this._refresh();
    }
    if (err.code === 'payment_in_progress' || err.code === 'idempotency_key_in_flight') {
      this._phase = 'awaiting';
      if (err.code === 'idempotency_key_in_flight') this._chargingAttempt = pending.attempt;
      return this._set({ status: 'processing', processing: true, message: { key: 'msg.inProgress', kind: 'info' } });
    }
    if (err.code === QUEUED_ERROR_CODE) return this.#onQueued();
    if (['invalid_transition', 'order_already_paid', 'invalid_payment_method', 'idempotency_key_reused', 'validation_error'].includes(err.code)) {
      // A final answer for this key: the attempt is over without a charge from it.
      await this._clearPending();
      await this._refresh();
      if (err.code === 'invalid_transition' && this._view.status === 'interrupted') return this._resumeNext();
      if (isFinal(this._view.status)) return;
      return this._fail(err.code, messageFor(err.code), err.code === 'invalid_payment_method', err.message);
    }
    this._phase = 'interrupted';
    return this._otherError(answer, () => this.#sendComplete(pending));
  }

  /** No answer in `timeout` ms: record the interruption and offer Retry, which asks the server before anything else. */
  async #onTimeout(pending: PendingAttempt): Promise<void> {
    this._phase = 'interrupted';
    const s = this._secret()!;
    const key = await this._opKey(`interrupt:timeout:${pending.attempt}`);
    const answer = await this._o.api.interrupt(s.sessionId, s.clientSecret, 'timeout', key, this._call()).catch(() => null);
    if (answer && !errorOf(answer)) {
      const body = answer.body as { status: string; attempt: number; maxAttempts: number };
      this._set({ attempt: body.attempt, maxAttempts: body.maxAttempts });
      await this._setStatus(body.status);
    }
    this._fail('timeout', { key: 'msg.timeout', kind: 'error', code: 'timeout' }, true);
  }

  /** The service worker kept the request in its outbox; its real answer arrives through the bridge. */
  #onQueued(): void {
    this._phase = 'awaiting';
    this._set({ queued: true, offline: true, processing: true, canRetry: true, message: { key: 'msg.queued', kind: 'info', code: QUEUED_ERROR_CODE } });
  }

  async #onReplayed(a: ReplayedAnswer): Promise<void> {
    if (!this._leading()) return;
    const pending = this._record?.pending;
    if (pending && a.idempotencyKey === pending.idempotencyKey) {
      this._set({ queued: false, offline: false });
      if (a.status === 0) return this._onNetworkLost(() => this.#sendComplete(pending));
      return this._guard(() => this.#onCompleteAnswer(pending, { status: a.status, body: a.body }));
    }
    if (Object.values(this._record?.opKeys ?? {}).includes(a.idempotencyKey)) await this._guard(() => this._refresh());
  }

  /** After a restore: an attempt saved as pending is finished with its saved key and token. */
  protected async _continuePending(): Promise<void> {
    const pending = this._record?.pending;
    if (!pending) return;
    if (isFinal(this._view.status)) return this._clearPending();
    await this.#sendComplete(pending);
  }
}
