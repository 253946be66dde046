/**
 * The checkout without the DOM: it feeds what happens (answers, timeouts, the network, presses) to the state machine
 * (`machine.ts`), runs the effects it asks for, and tells its host what to show (`onChange(state)`) and what happened
 * (`onEvent`). The session's IndexedDB record is `attempt-record.ts`; the session as the server has it is
 * `session-link.ts`; the payment attempt is `payment-attempt.ts` (a chunk of its own);
 * reaching the server again is `connectivity.ts`; what answers mean is `answers.ts`.
 *
 * Exactly-once from the page's side: a payment attempt gets one Idempotency-Key, saved with its token *before* the
 * request leaves. Until the server gives that attempt a final answer, every reload, Retry or returning server re-sends
 * the same key and body, and the server answers with that charge's outcome (or says it is still charging). A new
 * attempt (a new key, a new token from the card still in the inputs) starts only once the server said the earlier
 * key started no charge.
 */
import { type OfflineBridge, type QueuedRequest, type ReplayedAnswer } from '../offline/bridge.js';
import type { SessionStore } from '../storage/session-store.js';
import { lazy } from '../lazy.js';
import { errorOf } from '../shared/answers.js';
import { NetworkError, TimeoutError, type ApiAnswer, type CheckoutApi } from '../transport/api-client.js';
import { verdictOf, type Verdict } from './answers.js';
import { AttemptRecord } from './attempt-record.js';
import { Reconnector } from './connectivity.js';
import type { Diagnosis } from './diagnose.js';
import { INITIAL_STATE, isProcessing, present, reduce, type Action, type CheckoutState, type Effect, type MachineEvent } from './machine.js';
import { eventsBetween, type ControllerEvent, type PaymentSource } from './outcomes.js';
import type { AttemptHost, PaymentAttempt } from './payment-attempt.js';
import { SessionLink } from './session-link.js';
import type { SessionJson } from './types.js';

export type { ControllerEvent, PaymentSource } from './outcomes.js';

export interface ControllerOptions {
  api: CheckoutApi;
  store: SessionStore;
  /** The checkout key (see `checkoutKey`). */
  key: string;
  /** The `api` base URL, stored with the session. */
  apiBase: string;
  orderId: string | null;
  /** A signed order from the merchant's backend (`order-token`): the session is created from it. */
  orderToken?: string | null;
  /** A session created by a merchant backend (`session-id` + `client-secret`). */
  given?: { sessionId: string; clientSecret: string } | null;
  timeoutMs: number;
  /** Reads the payment method when the shopper pays: card details from the inputs, or a token from a slotted field. */
  readPayment: () => Promise<PaymentSource>;
  /** Live status (SSE with polling fallback); returns a stopper. `onError`: a poll got no session. */
  watch?: (sessionId: string, secret: string, onSession: (s: SessionJson) => void, onError: () => void) => { stop(): void };
  bridge?: OfflineBridge | null;
  /** Why a request got no answer (default: `diagnose` of `diagnose.ts`, loaded when first needed; it logs the fix of a refused origin). */
  diagnose?: () => Promise<Diagnosis>;
  onChange: (state: CheckoutState) => void;
  onEvent: (event: ControllerEvent) => void;
  uuid?: () => string;
  now?: () => number;
}

/**
 * The default diagnosis: `diagnose.ts` is a chunk of its own (the element starts loading it right after its first
 * render). Should that file be missing, the browser's own word is the answer (offline, else the server is away).
 */
function diagnoseLazily(apiBase: string): Promise<Diagnosis> {
  return import('./diagnose.js').then(
    (m) => m.diagnose(apiBase),
    () => (navigator.onLine === false ? 'offline' : 'server_away'),
  );
}

/**
 * The payment attempt's chunk (`payment-attempt.ts`): needed once the shopper pays or a restored attempt awaits its
 * answer, so not before the first render; the element starts loading it right after (the worker precaches it too).
 */
export const paymentAttempt = lazy(() => import('./payment-attempt.js'));

export class CheckoutController {
  readonly #o: ControllerOptions;
  readonly #record: AttemptRecord;
  readonly #reconnect: Reconnector;
  readonly #abort = new AbortController();
  /** The payment attempt, made once its chunk is here (a failed load is tried again at the next use). */
  readonly #attempt: () => Promise<PaymentAttempt>;
  readonly #link: SessionLink;
  readonly #unsubscribe: (() => void)[] = [];
  #state: CheckoutState;
  /** The request that got no answer, sent again when the server can be reached. */
  #again: (() => Promise<void>) | null = null;
  #outbox: readonly QueuedRequest[] = [];
  /** The last attempt the server said it is charging (for `leaving()`). */
  #chargingAttempt = 0;
  #readyEmitted = false;
  #started = false;
  #stopped = false;

  constructor(options: ControllerOptions) {
    this.#o = options;
    const uuid = () => options.uuid?.() ?? crypto.randomUUID();
    this.#record = new AttemptRecord(options.store, options.key, options.apiBase, uuid, () => options.now?.() ?? Date.now());
    this.#reconnect = new Reconnector({ attempt: () => this.#tryAgain() });
    const host: AttemptHost = {
      api: options.api,
      record: this.#record,
      timeoutMs: options.timeoutMs,
      signal: this.#abort.signal,
      verdict: verdictOf,
      errorCode: (answer) => errorOf(answer)?.code ?? null,
      state: () => this.#state,
      dispatch: (e) => void this.#dispatch(e),
      readPayment: options.readPayment,
      send: (request, again) => this.#send(request, again),
      reached: (answer) => this.#reached(answer),
      unreachable: (again) => this.#unreachable(again),
      trouble: (verdict, again) => this.#trouble(verdict, again),
      sync: () => this.#link.sync(),
      create: () => this.#link.create(),
      watch: () => this.#link.watch(),
      charging: (attempt) => void (this.#chargingAttempt = attempt),
      requestReplay: () => this.#o.bridge?.requestReplay(),
      waiting: () => this.#again !== null,
      reconnectNow: () => this.#reconnect.now(),
    };
    this.#attempt = lazy(() => paymentAttempt().then((m) => new m.PaymentAttempt(host)));
    this.#link = new SessionLink({
      api: options.api,
      record: this.#record,
      orderId: options.orderId,
      orderToken: options.orderToken,
      given: options.given,
      signal: this.#abort.signal,
      watchSession: options.watch,
      state: () => this.#state,
      dispatch: (e) => void this.#dispatch(e),
      send: (request, again) => this.#send(request, again),
      trouble: (verdict, again) => this.#trouble(verdict, again),
      ready: (restored) => this.#ready(restored),
      readyAgain: () => void (this.#readyEmitted = false),
      sendAttempt: async (pending) => (await this.#attempt()).send(pending),
      charging: (attempt) => void (this.#chargingAttempt = attempt),
      guard: (work) => this.#guard(work, false),
      stopped: () => this.#stopped,
      waiting: () => this.#again !== null,
      uuid,
    });
    this.#state = { ...INITIAL_STATE, orderId: options.orderId, restartable: !options.given && Boolean(options.orderId || options.orderToken) };
  }

  get view(): CheckoutState {
    return this.#state;
  }

  /** Leads this checkout: restores it from IndexedDB and the server, or creates a session. */
  async start(): Promise<void> {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#dispatch({ type: 'lead' });
    const bridge = this.#o.bridge;
    if (bridge) {
      this.#unsubscribe.push(bridge.onResult((a) => void this.#onReplayed(a)));
      this.#unsubscribe.push(bridge.onQueueChange((queued) => ((this.#outbox = queued), this.#showQueued())));
    }
    await this.#guard(() => this.#link.restoreOrCreate(), false);
    this.#showQueued(); // the outbox may have reported before the session was known
  }

  /** Before this tab leads or follows: the checkout as IndexedDB has it, shown at once (`SessionLink.preview`). */
  preview(): Promise<void> {
    return this.#guard(() => this.#link.preview(), false);
  }

  follow(): void {
    this.#dispatch({ type: 'follow' });
  }

  mirror(state: CheckoutState): void {
    if (this.#started || this.#stopped) return;
    this.#link.dropPreview();
    this.#dispatch({ type: 'mirror', state });
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#reconnect.stop();
    this.#link.stopWatching();
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  pay = () => this.#press('pay', async () => (await this.#attempt()).pay());
  /** After a timeout: asks the server about the attempt (its own key), never for a card. Server away: tries now. */
  retry = () => this.#press('retry', async () => (await this.#attempt()).retry());
  resume = () => this.#press('resume', async () => (await this.#attempt()).resumeNext());
  /** Cancels on the server, then emits `checkout-cancel`. A final unpaid session is cancelled locally. */
  cancel = (reason = 'user') => this.#press('cancel', () => this.#cancel(reason));
  /** A new session for the same order, after max retries or expiry (the card stays in the inputs). */
  restart = () => this.#press('restart', () => this.#link.restart());

  /** The browser is back online, or the page became visible: try at once whatever waits for the server. */
  async networkBack(): Promise<void> {
    this.#o.bridge?.requestReplay();
    if (this.#state.link !== 'up' || this.#again) await this.#reconnect.now();
  }

  /** The shopper edits a card field: a card field error goes (the next Pay checks again). */
  fieldEdited(): void {
    if (this.#state.role === 'leader') this.#dispatch({ type: 'edited' });
  }

  networkLost(): void {
    if (this.#state.role === 'leader') this.#dispatch({ type: 'offline' });
  }

  /**
   * The page is going away (`pagehide`) while a payment is under way here: the server records an `unload` interruption,
   * only when it takes nothing from the page that comes back: while the server is charging this attempt (it said so), or
   * while the card is being tokenized (no attempt sent yet). Never while the attempt's request may not have reached the
   * server (the interruption could overtake it), and never while the server cannot be reached or a request waits in the
   * worker's outbox: then nothing is under way, and an interruption that still got out (a keepalive request outlives
   * the page) would meet the page that comes back. No Idempotency-Key, so the worker never keeps it for later.
   */
  leaving(): void {
    const s = this.#record.secret;
    const v = this.#state;
    if (!s || !this.#started || this.#stopped || v.role !== 'leader' || v.link !== 'up' || v.queued) return;
    const charging = v.phase === 'confirming' && this.#chargingAttempt === v.attempt;
    const tokenizing = v.phase === 'paying' && !this.#record.pending;
    if (charging || tokenizing) this.#o.api.interrupt(s.sessionId, s.clientSecret, 'unload', null, { keepalive: true }, v.attempt).catch(() => {});
  }

  // ——— the machine ———

  #dispatch(event: MachineEvent): Effect[] {
    if (this.#stopped) return [];
    const before = this.#state;
    const { state, effects } = reduce(before, event);
    if (state !== before) {
      this.#state = state;
      this.#o.bridge?.setProcessing(isProcessing(state));
      // The host shows the state before it hears of the change: a page that navigates away on `checkout-complete`
      // must not meet the leave-page warning of the processing that just ended.
      this.#o.onChange(state);
      for (const e of eventsBetween(before, state)) this.#emit(e);
    }
    for (const effect of effects) this.#effect(effect);
    return effects;
  }

  #effect(effect: Effect): void {
    if (effect.type === 'error') this.#emit({ type: 'error', code: effect.code, messageKey: present(this.#state).message, retryable: effect.retryable });
    else if (effect.type === 'reconnect') this.#reconnect.schedule();
    else if (effect.type === 'settle') {
      this.#link.stopWatching();
      this.#again = null;
      this.#reconnect.reset();
      void this.#record.clearPending();
    }
  }

  async #press(action: Action, flow: () => Promise<void>): Promise<void> {
    if (!this.#started || this.#stopped) return;
    if (!this.#dispatch({ type: 'press', action }).some((e) => e.type === 'run')) return;
    await this.#guard(flow, true);
  }

  /** Every flow runs here: never a throw at the host; anything unexpected is a `checkout-error`. */
  async #guard(work: () => Promise<void>, busy: boolean): Promise<void> {
    if (this.#stopped) return;
    if (busy) this.#dispatch({ type: 'busy', busy: true });
    try {
      await work();
    } catch (err) {
      if (this.#stopped || (err as Error)?.name === 'AbortError') return;
      this.#emit({ type: 'error', code: 'unexpected', messageKey: 'msg.unexpected', serverMessage: String((err as Error)?.message ?? err), retryable: true });
    } finally {
      if (busy) this.#dispatch({ type: 'busy', busy: false });
    }
  }

  #emit(event: ControllerEvent): void {
    if (!this.#stopped) this.#o.onEvent(event);
  }

  #ready(restored: boolean): void {
    if (this.#readyEmitted || !this.#state.sessionId) return;
    this.#readyEmitted = true;
    this.#emit({ type: 'ready', sessionId: this.#state.sessionId, restored });
  }

  // ——— reaching the server ———

  /**
   * Sends a request; no answer means the server is away, the browser offline, or this origin refused. `again` is sent
   * when the server can be reached again (backoff, `online`, Retry). Null when there was no answer.
   */
  async #send(request: (o: { signal: AbortSignal; timeoutMs: number }) => Promise<ApiAnswer>, again: () => Promise<void>): Promise<ApiAnswer | null> {
    try {
      const answer = await request({ signal: this.#abort.signal, timeoutMs: Math.max(this.#o.timeoutMs, 10_000) });
      this.#reached(answer);
      return answer;
    } catch (err) {
      if (!(err instanceof NetworkError || err instanceof TimeoutError)) throw err;
      await this.#unreachable(again);
      return null;
    }
  }

  /** An answer came (the service worker's "queued" is none: the server was not reached). */
  #reached(answer: ApiAnswer): void {
    if (verdictOf(answer).kind === 'queued') return;
    this.#again = null;
    if (this.#state.link !== 'up') this.#dispatch({ type: 'reachable' });
  }

  async #unreachable(again: () => Promise<void>): Promise<void> {
    this.#again = again;
    const why = await (this.#o.diagnose ?? (() => diagnoseLazily(this.#o.apiBase)))();
    if (why === 'origin_refused') {
      this.#again = null;
      this.#dispatch({ type: 'refused', code: 'origin_not_allowed' });
      return;
    }
    this.#dispatch({ type: 'unreachable', offline: why === 'offline' });
  }

  /** One try of the reconnect loop: the request that got no answer, or the service worker's outbox. */
  async #tryAgain(): Promise<boolean> {
    if (this.#stopped) return true;
    if (this.#state.queued) return (this.#o.bridge?.nudgeReplay(), false); // the worker keeps its own backoff
    // Nothing waits for an answer, but the browser said it was offline: a re-read shows the server is there (or not).
    const again = this.#again ?? (this.#state.link !== 'up' && this.#record.secret ? () => this.#link.sync() : null);
    if (!again) return true;
    await this.#guard(again, false);
    return this.#again === null;
  }

  /** 5xx / 429: the server cannot serve now; it is tried again by itself like a server that is away. */
  #trouble(verdict: Verdict, again: () => Promise<void>): boolean {
    if (verdict.kind === 'trouble') {
      this.#again = again;
      this.#dispatch({ type: 'unreachable', offline: false });
      return true;
    }
    if (verdict.kind === 'queued') return (this.#dispatch({ type: 'queued', queued: true, offline: navigator.onLine === false }), true);
    if (verdict.kind === 'paid_elsewhere') return (void this.#link.paidElsewhere(), true);
    if (verdict.kind === 'refused') return (this.#dispatch({ type: 'refused', code: verdict.code }), true);
    return false;
  }

  #showQueued(): void {
    const sessionId = this.#record.current?.sessionId;
    const own = this.#outbox.some((r) => (r.sessionId === null ? r.idempotencyKey === this.#link.createKey : r.sessionId === sessionId));
    if (own !== this.#state.queued) this.#dispatch({ type: 'queued', queued: own, offline: navigator.onLine === false });
    if (own) this.#reconnect.schedule(); // nudges the worker (which keeps its own backoff) while the server is away
  }

  async #onReplayed(a: ReplayedAnswer): Promise<void> {
    if (!this.#started || this.#stopped) return;
    const pending = this.#record.pending;
    this.#dispatch({ type: 'queued', queued: false });
    if (a.status === 0) return void this.#dispatch({ type: 'unreachable', offline: false });
    if (pending && a.idempotencyKey === pending.idempotencyKey)
      return this.#guard(async () => (await this.#attempt()).answer(pending, { status: a.status, body: a.body }), false);
    if (a.idempotencyKey === this.#link.createKey && !this.#record.current)
      return this.#guard(() => this.#link.onCreated({ status: a.status, body: a.body }), false);
    if (this.#record.ownsKey(a.idempotencyKey)) await this.#guard(() => this.#link.sync(), false);
  }

  async #cancel(reason: string): Promise<void> {
    const s = this.#record.secret;
    const v = this.#state;
    if (!s || v.phase === 'max_retries' || v.phase === 'expired') {
      this.#dispatch({ type: 'cancelled', reason });
      return this.#emit({ type: 'cancel', sessionId: s?.sessionId ?? null, reason });
    }
    const key = await this.#record.opKey('cancel');
    const answer = await this.#send(
      (o) => this.#o.api.cancel(s.sessionId, s.clientSecret, reason, key, o),
      () => this.#cancel(reason),
    );
    if (!answer) return;
    const verdict = verdictOf(answer);
    if (verdict.kind === 'ok') {
      await this.#record.save({ status: 'CANCELLED', pending: null });
      this.#dispatch({ type: 'cancelled', reason });
      return this.#emit({ type: 'cancel', sessionId: s.sessionId, reason });
    }
    if (!this.#trouble(verdict, () => this.#cancel(reason))) await this.#link.sync();
  }
}
