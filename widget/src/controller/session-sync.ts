/**
 * The session as the server has it: restore (IndexedDB, then the server) or create, re-read, live updates, resume,
 * and how a server session becomes what the shopper sees. The payment attempt itself is in `checkout-controller.ts`.
 */
import type { StoredSession } from '../storage/schema.js';
import { errorOf, type ApiAnswer } from '../transport/api-client.js';
import { CheckoutCore } from './checkout-core.js';
import { declineKey, messageFor } from './outcomes.js';
import { isFinal, type SessionJson } from './types.js';

export abstract class SessionSync extends CheckoutCore {
  /** The Idempotency-Key of this checkout's session create (also how its queued create is recognised in the outbox). */
  protected _createKey: string | null = null;

  protected _watcher: { stop(): void } | null = null;

  /** The last attempt the server said it is charging (PROCESSING, or a `202` / key-in-flight answer to our key). */
  protected _chargingAttempt = 0;

  #lastSessionAt = '';

  protected async _restoreOrCreate(): Promise<void> {
    const { store, key, given } = this._o;
    let record = (await store.get(key)) ?? null;
    if (!record && given) {
      record = this._newRecord(given.sessionId, given.clientSecret, this._o.orderId ?? '', 'INITIATED', 0, 0);
    }
    if (record) {
      this._record = record;
      this._set({ sessionId: record.sessionId, orderId: record.orderId || this._view.orderId, status: record.status.toLowerCase(), attempt: record.attempt, maxAttempts: record.maxAttempts });
      const answer = await this._get(record);
      if (answer === 'offline') return this._ready(true);
      const err = errorOf(answer);
      if (err?.code === 'session_not_found' && !given) {
        await this.#forget();
      } else if (err) {
        return this._otherError(answer, () => this._restoreOrCreate());
      } else {
        const session = answer.body as SessionJson;
        // A cancelled or expired checkout cannot be paid any more: coming back to the order starts a new session.
        if (!given && (session.status === 'CANCELLED' || session.status === 'EXPIRED')) {
          await this.#forget();
        } else {
          await this._applySession(session);
          this._ready(true);
          return this._continuePending();
        }
      }
    }
    await this._create();
  }

  /** Drops a stored session that can no longer be paid; the view goes back to `idle` until the new one exists. */
  async #forget(): Promise<void> {
    await this._o.store.delete(this._o.key);
    this._record = null;
    this._set({ sessionId: null, status: 'idle', attempt: 0, maxAttempts: 0, paymentId: null, message: null });
  }

  protected async _create(): Promise<void> {
    const orderId = this._o.orderId;
    if (!orderId) return this._fail('missing_order', { key: 'msg.missing_order', kind: 'error' }, false);
    this._createKey ??= this._uuid();
    const answer = await this._net(() => this._o.api.createSession(orderId, this._createKey!, this._call()), () => this._create());
    if (!answer) return;
    const err = errorOf(answer);
    if (err) return this._otherError(answer, () => this._create());
    const s = answer.body as SessionJson;
    this._record = this._newRecord(s.sessionId, s.clientSecret!, s.orderId, s.status, s.attempts, s.maxAttempts);
    await this._save({});
    await this._applySession(s);
    this._ready(false);
  }

  protected async _resumeNext(): Promise<void> {
    const s = this._secret()!;
    const key = await this._opKey(`resume:${this._view.attempt}`);
    const answer = await this._net(() => this._o.api.resume(s.sessionId, s.clientSecret, key, this._call()), () => this._resumeNext());
    if (!answer) return;
    const err = errorOf(answer);
    if (err?.code === 'invalid_transition') return this._refresh();
    if (err) return this._otherError(answer, () => this._resumeNext());
    const body = answer.body as { attempt: number; maxAttempts: number };
    this._set({ attempt: body.attempt, maxAttempts: body.maxAttempts });
    await this._setStatus('RESUMED');
    this._set({ canRetry: false, message: { key: 'msg.resumed', kind: 'info', params: { attempt: body.attempt, max: body.maxAttempts } } });
  }

  /** Re-reads the session from the server and shows it. */
  protected async _refresh(): Promise<void> {
    const record = this._record;
    if (!record) return;
    const answer = await this._get(record);
    if (answer === 'offline') return;
    if (errorOf(answer)) return this._otherError(answer, () => this._refresh());
    await this._applySession(answer.body as SessionJson);
  }

  protected async _get(record: StoredSession): Promise<ApiAnswer | 'offline'> {
    const answer = await this._net(() => this._o.api.getSession(record.sessionId, record.clientSecret, this._call()), () => this._restoreOrCreate());
    return answer ?? 'offline';
  }

  protected async _applySession(s: SessionJson & { updatedAt?: string }): Promise<void> {
    if (this.#isStale(s)) return;
    this.#lastSessionAt = s.updatedAt ?? this.#lastSessionAt;
    const before = this._view.status;
    const status = s.status.toLowerCase();
    if (status === 'processing') this._chargingAttempt = s.attempts;
    // Our attempt's charge may still run while the session says otherwise (INTERRUPTED by a timeout or by the shopper
    // leaving, and this page re-sent the attempt's key after a reload): it is processing until its outcome arrives.
    const processing = status === 'processing' || this._phase === 'sending' || this._phase === 'awaiting';
    this._set({ sessionId: s.sessionId, orderId: s.orderId, attempt: s.attempts, maxAttempts: s.maxAttempts, amount: s.amount, currency: s.currency, paymentId: s.paymentId ?? null, processing });
    if (status === 'completed') return this._completed(s.paymentId ?? null);
    await this._setStatus(s.status);
    if (isFinal(status)) {
      await this._clearPending();
      this._watcher?.stop();
      this._watcher = null;
      // Final: whatever was said before (processing, a decline) gives way to the final word.
      if (this._view.message?.key !== messageFor(status).key) this._set({ canRetry: false, message: messageFor(status) });
      return;
    }
    this._watch();
    if (status === 'interrupted' && this._phase === 'awaiting' && s.lastError) {
      // The outcome we were waiting for on the stream: the attempt failed without a charge.
      await this._clearPending();
      return this._fail(s.lastError.code, { key: declineKey(s.lastError.code), kind: 'error', code: s.lastError.code }, true, s.lastError.message);
    }
    if (status === 'interrupted' && before !== status) this.#showInterruption(s);
    else if (before !== status || !this._view.message) {
      if (status === 'processing' && !this._record?.pending) this._set({ message: { key: 'msg.inProgress', kind: 'info' } });
      else if ((status === 'initiated' || status === 'resumed') && !this._busy) this._set({ message: { key: 'msg.enterCard', kind: 'info' } });
    }
  }

  /**
   * Retry when something failed (this page's error, the server's `lastError`, an attempt still pending);
   * otherwise (e.g. the shopper left the page) the interruption cost nothing and Resume continues it.
   */
  #showInterruption(s: SessionJson): void {
    if (this._view.message?.kind === 'error' || this._record?.pending) return this._set({ canRetry: true });
    if (s.lastError) return this._set({ canRetry: true, message: { key: declineKey(s.lastError.code), kind: 'error', code: s.lastError.code } });
    this._set({ canRetry: false, message: { key: 'msg.interrupted', kind: 'info' } });
  }

  /**
   * Snapshots can arrive out of order (the event stream lags behind an HTTP answer, a GET crosses a change). The
   * server's rules make older ones recognisable: a final status never changes, attempts only grow, and an attempt
   * whose charge has been answered never goes back to PROCESSING.
   */
  #isStale(s: SessionJson & { updatedAt?: string }): boolean {
    if (s.updatedAt && s.updatedAt < this.#lastSessionAt) return true;
    if (s.sessionId !== this._view.sessionId) return false;
    if (isFinal(this._view.status) && !isFinal(s.status)) return true;
    if (s.attempts < this._view.attempt) return true;
    return s.status === 'PROCESSING' && s.attempts <= this._settledAttempt;
  }

  protected _watch(): void {
    const s = this._secret();
    if (this._watcher || !s || !this._o.watch || this._stopped) return;
    this._watcher = this._o.watch(s.sessionId, s.clientSecret, (session) => void this._guard(() => this._applySession(session), false));
  }

  protected async _completed(paymentId: string | null): Promise<void> {
    this._watcher?.stop();
    this._watcher = null;
    this._phase = null;
    this._failed = null;
    await this._save({ status: 'COMPLETED', pending: null });
    this._set({ status: 'completed', paymentId: paymentId ?? this._view.paymentId, processing: false, canRetry: false, offline: false, message: messageFor('completed') });
  }

  protected async _setStatus(status: string): Promise<void> {
    const lower = status.toLowerCase();
    // A final status carries its final word in the same change (see applySession for the rest).
    this._set(isFinal(lower) && lower !== 'completed' ? { status: lower, message: messageFor(lower), canRetry: false, processing: false } : { status: lower });
    if (this._record && (this._record.status !== status || this._record.attempt !== this._view.attempt)) {
      await this._save({ status, attempt: this._view.attempt, maxAttempts: this._view.maxAttempts });
    }
  }

  protected async _clearPending(): Promise<void> {
    this._phase = null;
    this._set({ processing: this._view.status === 'processing' });
    if (this._record?.pending) await this._save({ pending: null });
  }

  /** After a restore: finish the attempt saved as pending (see CheckoutController). */
  protected abstract _continuePending(): Promise<void>;
}
