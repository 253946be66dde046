/**
 * One payment attempt: the card read and tokenized, the attempt's key and token saved before `/complete` leaves, its
 * answer (completed, charging, declined, no charge started, token refused), a timeout, Retry (the same key first), and
 * the next attempt. It talks to the checkout through `AttemptHost` (the controller) and keeps no state but "sending".
 *
 * A chunk of its own (needed once the shopper pays, or a reload finds an attempt awaiting its answer; loaded right
 * after the first render): it shares no module with the entry, so what every answer means comes from the host.
 */
import type { PendingAttempt } from '../shared/schema.js';
import type { ApiAnswer, CheckoutApi } from '../transport/api-client.js';
import type { Verdict } from './answers.js';
import type { AttemptRecord } from './attempt-record.js';
import type { CheckoutState, MachineEvent } from './machine.js';
import { completeOutcome } from './complete-outcome.js';
import type { PaymentSource } from './outcomes.js';

type Send = (request: (o: { signal: AbortSignal; timeoutMs: number }) => Promise<ApiAnswer>, again: () => Promise<void>) => Promise<ApiAnswer | null>;

/** What an attempt needs from the checkout that runs it. */
export interface AttemptHost {
  readonly api: CheckoutApi;
  readonly record: AttemptRecord;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** What an answer means (`verdictOf` of `answers.ts`). */
  verdict(answer: ApiAnswer): Verdict;
  /** An error answer's code (`errorOf` of `shared/answers.ts`); null below 400. */
  errorCode(answer: ApiAnswer): string | null;
  state(): CheckoutState;
  dispatch(event: MachineEvent): void;
  readPayment(): Promise<PaymentSource>;
  /** A request that may get no answer (then `again` is sent when the server can be reached). */
  send: Send;
  reached(answer: ApiAnswer): void;
  unreachable(again: () => Promise<void>): Promise<void>;
  /** Answers every attempt shares with the rest of the checkout (5xx, queued, paid elsewhere, refusals); false for others. */
  trouble(verdict: Verdict, again: () => Promise<void>): boolean;
  sync(): Promise<void>;
  /** A new session (none yet). */
  create(): Promise<void>;
  watch(): void;
  /** The server said it charges this attempt. */
  charging(attempt: number): void;
  requestReplay(): void;
  /** A request waits for the server to be reachable again. */
  waiting(): boolean;
  reconnectNow(): Promise<void>;
}

export class PaymentAttempt {
  readonly #h: AttemptHost;
  #sending = false;

  constructor(host: AttemptHost) {
    this.#h = host;
  }

  async pay(): Promise<void> {
    const source = await this.#h.readPayment();
    if ('error' in source) return void this.#h.dispatch({ type: 'invalid_card', code: source.error });
    this.#h.dispatch({ type: 'paying' });
    const token = 'token' in source ? source.token : await this.#tokenize(source.card);
    if (!token) return;
    const pending = await this.#h.record.startAttempt(this.#h.state().attempt, token); // saved before the request leaves
    await this.send(pending);
  }

  async #tokenize(card: Extract<PaymentSource, { card: unknown }>['card']): Promise<string | null> {
    const answer = await this.#h.send(
      (o) => this.#h.api.tokenize(card, o),
      () => this.pay(),
    );
    // No answer: sent again when the server can be reached. Should the page be reloaded first, the card is gone (never
    // stored) and nothing was sent: the record says so, and the page that comes back asks for the card again.
    if (!answer) {
      await this.#h.record.save({ reason: 'payment_not_sent' });
      return null;
    }
    const code = this.#h.errorCode(answer);
    if (code === null) return (answer.body as { token: string }).token;
    if (answer.status === 400) this.#h.dispatch({ type: 'invalid_card', code });
    else if (!this.#h.trouble(this.#h.verdict(answer), () => this.pay())) this.#h.dispatch({ type: 'invalid_card', code: 'invalid_card_number' });
    return null;
  }

  async send(pending: PendingAttempt): Promise<void> {
    const s = this.#h.record.secret;
    if (!s || this.#sending) return;
    this.#sending = true;
    this.#h.dispatch({ type: 'paying', sent: true });
    let answer: ApiAnswer;
    try {
      answer = await this.#h.api.complete(s.sessionId, s.clientSecret, pending.token, pending.idempotencyKey, {
        signal: this.#h.signal,
        timeoutMs: this.#h.timeoutMs,
      });
    } catch (err) {
      // By name: the error classes are the entry's (api-client.ts).
      const name = (err as Error | null)?.name;
      if (name === 'TimeoutError') return await this.#onTimeout(pending);
      if (name === 'NetworkError') return await this.#h.unreachable(() => this.send(pending));
      throw err;
    } finally {
      this.#sending = false;
    }
    this.#h.reached(answer);
    await this.answer(pending, answer);
  }

  async answer(pending: PendingAttempt, answer: ApiAnswer): Promise<void> {
    const outcome = completeOutcome(answer, this.#h.verdict(answer));
    switch (outcome.kind) {
      case 'completed':
        await this.#h.record.save({ status: 'COMPLETED', pending: null, reason: null });
        return void this.#h.dispatch({ type: 'completed', paymentId: outcome.paymentId });
      case 'accepted':
        this.#h.charging(pending.attempt);
        this.#h.dispatch({ type: 'accepted' });
        return this.#h.watch();
      case 'declined':
        await this.#h.record.save({ pending: null, status: outcome.status, reason: outcome.code, attempt: outcome.attempt ?? this.#h.state().attempt });
        this.#h.dispatch({ type: 'declined', code: outcome.code, status: outcome.status, attempt: outcome.attempt });
        return this.#h.sync();
      case 'not_started':
        // The server started no charge for this key: forget it; an interrupted session moves on and pays again with the
        // card still in the inputs (the shopper already pressed Pay for it).
        await this.#h.record.clearPending();
        await this.#h.sync();
        if (this.#h.state().phase === 'interrupted' || this.#h.state().phase === 'timed_out') return this.resumeNext(true);
        return;
      case 'elsewhere':
        // Nothing started for this key: forget it. The session stays payable; the live status says how that payment ends.
        await this.#h.record.save({ pending: null, status: outcome.status });
        this.#h.dispatch({ type: 'elsewhere', status: outcome.status });
        return this.#h.watch();
      case 'token_refused':
        await this.#h.record.clearPending();
        return void this.#h.dispatch({ type: 'invalid_card', code: 'invalid_payment_method' });
      default:
        if (!this.#h.trouble(outcome, () => this.send(pending))) await this.#h.sync();
    }
  }

  /** No answer in `timeout` ms: the interruption is recorded; Retry (or the server's events) tells how the charge went. */
  async #onTimeout(pending: PendingAttempt): Promise<void> {
    const s = this.#h.record.secret!;
    const key = await this.#h.record.opKey(`interrupt:timeout:${pending.attempt}`);
    // With its attempt: a replay from the worker's outbox after the payment went on changes nothing on the server.
    const answer = await this.#h.api
      .interrupt(s.sessionId, s.clientSecret, 'timeout', key, { signal: this.#h.signal, timeoutMs: 10_000 }, pending.attempt)
      .catch(() => null);
    const body = answer && answer.status < 400 ? (answer.body as { status: string; attempt: number; maxAttempts: number }) : null;
    this.#h.dispatch({ type: 'timeout', attempt: body?.attempt ?? null, maxAttempts: body?.maxAttempts ?? null, status: body?.status ?? null });
    this.#h.watch();
  }

  async retry(): Promise<void> {
    this.#h.requestReplay();
    const pending = this.#h.record.pending;
    if (this.#h.state().phase === 'timed_out' && pending) return this.send(pending);
    if (this.#h.state().phase === 'declined') return this.resumeNext(false);
    if (this.#h.waiting()) return this.#h.reconnectNow();
    if (pending) return this.send(pending);
    return this.#h.record.secret ? this.#h.sync() : this.#h.create();
  }

  /** The next attempt (after a decline or an interruption); `payAgain`: pay it with the card in the inputs. */
  async resumeNext(payAgain = false): Promise<void> {
    const s = this.#h.record.secret!;
    const key = await this.#h.record.opKey(`resume:${this.#h.state().attempt}`);
    const answer = await this.#h.send(
      (o) => this.#h.api.resume(s.sessionId, s.clientSecret, key, o),
      () => this.resumeNext(payAgain),
    );
    if (!answer) return;
    const verdict = this.#h.verdict(answer);
    if (verdict.kind === 'other') return this.#h.sync();
    if (verdict.kind !== 'ok') return void (this.#h.trouble(verdict, () => this.resumeNext(payAgain)) || this.#h.sync());
    const body = answer.body as { attempt: number; maxAttempts: number };
    await this.#h.record.save({ status: 'RESUMED', attempt: body.attempt, maxAttempts: body.maxAttempts, reason: null });
    this.#h.dispatch({ type: 'resumed', attempt: body.attempt, maxAttempts: body.maxAttempts });
    if (payAgain) {
      const source = await this.#h.readPayment();
      if (!('error' in source)) await this.pay();
    }
  }
}
