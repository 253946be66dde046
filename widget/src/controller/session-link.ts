/**
 * The session link: the checkout's session as the server has it — restored (IndexedDB, then the server) or created
 * (order id or order token; a queued create replayed by the service worker), re-read, watched (event stream), replaced
 * by a new one after max retries or expiry — turned into machine events. It talks to the checkout through `LinkHost`.
 */
import { errorOf } from '../shared/answers.js';
import type { PendingAttempt, StoredSession } from '../shared/schema.js';
import type { ApiAnswer, CheckoutApi } from '../transport/api-client.js';
import { createdSession, verdictOf, type Verdict } from './answers.js';
import type { AttemptRecord } from './attempt-record.js';
import { isFinalPhase, type CheckoutState, type MachineEvent } from './machine.js';
import type { SessionJson } from './types.js';

type Send = (request: (o: { signal: AbortSignal; timeoutMs: number }) => Promise<ApiAnswer>, again: () => Promise<void>) => Promise<ApiAnswer | null>;

/** What the session link needs from the checkout that runs it. */
export interface LinkHost {
  readonly api: CheckoutApi;
  readonly record: AttemptRecord;
  readonly orderId: string | null;
  readonly orderToken?: string | null;
  readonly given?: { sessionId: string; clientSecret: string } | null;
  readonly signal: AbortSignal;
  readonly watchSession?: (sessionId: string, secret: string, onSession: (s: SessionJson) => void, onError: () => void) => { stop(): void };
  state(): CheckoutState;
  dispatch(event: MachineEvent): void;
  send: Send;
  trouble(verdict: Verdict, again: () => Promise<void>): boolean;
  /** `checkout-ready`, once per session. */
  ready(restored: boolean): void;
  /** A new session may announce itself again. */
  readyAgain(): void;
  /** Re-sends the attempt awaiting its answer, with its key. */
  sendAttempt(pending: PendingAttempt): Promise<void>;
  charging(attempt: number): void;
  guard(work: () => Promise<void>): Promise<void>;
  stopped(): boolean;
  /** A request that got no answer waits to be sent again. */
  waiting(): boolean;
  uuid(): string;
}

export class SessionLink {
  readonly #h: LinkHost;
  #watcher: { stop(): void } | null = null;
  /** The Idempotency-Key of this checkout's session create (also how its queued create is recognised in the outbox). */
  #createKey: string | null = null;
  #lastSessionAt = '';
  /** The record `preview()` showed, until the leading tab has read it again. */
  #previewed: StoredSession | null = null;
  #previewing: Promise<void> | null = null;

  constructor(host: LinkHost) {
    this.#h = host;
  }

  get createKey(): string | null {
    return this.#createKey;
  }

  /**
   * The order was paid through another session: a final view, with this session's real status (the server closes it:
   * CANCELLED, `lastError` `order_already_paid`). Its record stays (`apply` saves it), so a reload shows the same view and status.
   */
  async paidElsewhere(): Promise<void> {
    const s = this.#h.record.secret;
    const answer = s ? await this.#h.api.getSession(s.sessionId, s.clientSecret, { signal: this.#h.signal, timeoutMs: 10_000 }).catch(() => null) : null;
    if (answer && !errorOf(answer)) await this.apply(answer.body as SessionJson);
    this.#h.dispatch({ type: 'paid_elsewhere' });
  }

  /**
   * Before this tab leads (on a reload the tab lock takes tens of ms to be granted): the checkout as IndexedDB has it
   * now, shown at once with its buttons disabled (`busy`). Only shown: the tab that leads reads the record again under
   * the lock, and shows that one instead should another tab have changed it in between.
   */
  preview(): Promise<void> {
    return (this.#previewing ??= this.#preview());
  }

  async #preview(): Promise<void> {
    const stored = await this.#h.record.peek();
    if (!this.#restorable(stored) || this.#h.state().phase !== 'preparing' || this.#h.state().role !== 'leader') return;
    this.#previewed = stored;
    this.#h.dispatch({ type: 'busy', busy: true });
    this.#h.dispatch(restoredEvent(stored));
  }

  /** The preview gave way to another tab's view (this tab mirrors it): nothing of it is to be checked any more. */
  dropPreview(): void {
    this.#previewed = null;
  }

  async restoreOrCreate(): Promise<void> {
    const { given, orderId } = this.#h;
    // A preview asked for before this tab led is shown first: its read is under way already.
    await this.#previewing?.catch(() => {});
    const shown = this.#previewed;
    this.#previewed = null;
    if (shown) this.#h.dispatch({ type: 'busy', busy: true }); // until the record is read under the lock
    const stored = await this.#h.record.load();
    if (shown) {
      if (JSON.stringify(stored) !== JSON.stringify(shown)) this.#h.dispatch({ type: 'restarting' });
      this.#h.dispatch({ type: 'busy', busy: false });
    }
    // A cancelled or expired checkout cannot be paid any more: coming back to the order starts a new session.
    if (stored && !this.#restorable(stored)) await this.#h.record.forget();
    else if (stored) {
      this.#h.dispatch(restoredEvent(stored));
      this.#h.ready(true);
      return this.sync();
    }
    if (given) {
      await this.#h.record.adopt(given.sessionId, given.clientSecret, orderId ?? '', null, false);
      return this.sync();
    }
    return this.create();
  }

  /** Reads the session from the server and shows it; then finishes an attempt that still awaits its answer. */
  async sync(): Promise<void> {
    const s = this.#h.record.secret;
    if (!s) return;
    const answer = await this.#h.send(
      (o) => this.#h.api.getSession(s.sessionId, s.clientSecret, o),
      () => this.sync(),
    );
    if (!answer) return;
    const verdict = verdictOf(answer);
    if (verdict.kind === 'session_lost' && !this.#h.given) {
      await this.#h.record.forget();
      this.#h.dispatch({ type: 'restarting' });
      return this.create();
    }
    if (verdict.kind === 'session_lost') return void this.#h.dispatch({ type: 'refused', code: 'session_not_found' });
    if (verdict.kind !== 'ok') return void (this.#h.trouble(verdict, () => this.sync()) || this.#h.dispatch({ type: 'refused', code: errorOf(answer)!.code }));
    await this.apply(answer.body as SessionJson);
    this.#h.ready(false);
    const pending = this.#h.record.pending;
    if (pending && this.#h.state().phase === 'confirming') await this.#h.sendAttempt(pending);
  }

  async create(): Promise<void> {
    const { orderId, orderToken, api } = this.#h;
    if (!orderId && !orderToken) return void this.#h.dispatch({ type: 'refused', code: 'missing_order' });
    this.#createKey ??= this.#h.uuid();
    const order = orderToken ? { orderToken } : { orderId: orderId! };
    const answer = await this.#h.send(
      (o) => api.createSession(order, this.#createKey!, o),
      () => this.create(),
    );
    if (answer) await this.onCreated(answer);
  }

  async onCreated(answer: ApiAnswer): Promise<void> {
    const created = createdSession(answer);
    if ('verdict' in created) return void this.#h.trouble(created.verdict, () => this.create());
    const s = created.session;
    await this.#h.record.adopt(s.sessionId, s.clientSecret, s.orderId, s);
    await this.apply(s);
    this.#h.ready(false);
  }

  /**
   * A record this checkout shows again: a cancelled or expired one gives way to a new session (unless it was given);
   * one closed because its order was paid elsewhere stays (its order cannot have a new one).
   */
  #restorable(stored: StoredSession | null): stored is StoredSession {
    return Boolean(stored && (this.#h.given || stored.reason === 'order_already_paid' || (stored.status !== 'CANCELLED' && stored.status !== 'EXPIRED')));
  }

  async restart(): Promise<void> {
    await this.#h.record.forget();
    this.stopWatching();
    this.#createKey = null;
    this.#h.readyAgain();
    this.#h.dispatch({ type: 'restarting' });
    await this.create();
  }

  async apply(s: SessionJson & { updatedAt?: string }): Promise<void> {
    // Snapshots can arrive out of order (the event stream lags behind an HTTP answer): older ones are dropped.
    if (s.updatedAt && s.updatedAt < this.#lastSessionAt) return;
    this.#lastSessionAt = s.updatedAt ?? this.#lastSessionAt;
    if (s.status === 'PROCESSING') this.#h.charging(s.attempts);
    this.#h.dispatch({ type: 'session', session: s, pending: Boolean(this.#h.record.pending) });
    const v = this.#h.state();
    if (v.sessionId !== s.sessionId) return;
    await this.#h.record.save({
      status: v.status.toUpperCase(),
      attempt: v.attempt,
      maxAttempts: v.maxAttempts,
      reason: v.reason,
      amount: v.amount,
      currency: v.currency,
    });
    if (isFinalPhase(v.phase)) return;
    this.watch();
  }

  watch(): void {
    const s = this.#h.record.secret;
    if (this.#watcher || !s || !this.#h.watchSession || this.#h.stopped()) return;
    this.#watcher = this.#h.watchSession(
      s.sessionId,
      s.clientSecret,
      (session) => void this.#h.guard(() => this.#onStream(session)),
      // A failed poll (the stream is gone too) is read again as a request of ours: no answer says the server is away
      // (and retries by itself), an answer is acted on like any other. Not while a request already waits for the
      // server: that one (a payment, maybe) is what is tried again when it is back.
      () => this.#h.waiting() || void this.#h.guard(() => this.sync()),
    );
  }

  /** A session from the stream. Our attempt's key still waits while the session says it is not charging: ask with it. */
  async #onStream(session: SessionJson): Promise<void> {
    await this.apply(session);
    const pending = this.#h.record.pending;
    if (pending && this.#h.state().phase === 'confirming' && session.status !== 'PROCESSING') await this.#h.sendAttempt(pending);
  }

  stopWatching(): void {
    this.#watcher?.stop();
    this.#watcher = null;
  }
}

/** The session IndexedDB remembers, as the machine's event. */
function restoredEvent(stored: StoredSession): MachineEvent {
  return {
    type: 'restored',
    sessionId: stored.sessionId,
    orderId: stored.orderId,
    status: stored.status,
    attempt: stored.attempt,
    maxAttempts: stored.maxAttempts,
    reason: stored.reason ?? null,
    amount: stored.amount ?? null,
    currency: stored.currency ?? null,
    pending: Boolean(stored.pending),
  };
}
