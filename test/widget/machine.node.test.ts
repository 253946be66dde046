/**
 * The checkout state machine in node (no DOM, no server): the table's promises checked in every state that random
 * event sequences reach — answers, timeouts, network and server loss and return, reloads, a second tab, paid
 * elsewhere, expiry — plus the transitions a shopper meets most, one by one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INITIAL_STATE,
  PHASES,
  TABLE,
  isFinalPhase,
  present,
  reduce,
  type CheckoutState,
  type MachineEvent,
  type Phase,
} from '../../widget/src/controller/machine.js';
import { REFUSALS } from '../../widget/src/controller/answers.js';
import { eventsBetween } from '../../widget/src/controller/outcomes.js';
import { en } from '../../widget/src/i18n/en.js';
import { fr } from '../../widget/src/i18n/fr.js';
import type { SessionJson, SessionStatus } from '../../widget/src/controller/types.js';

const session = (status: SessionStatus, over: Partial<SessionJson> = {}): SessionJson => ({
  sessionId: 'cs_1',
  orderId: 'ord_1',
  status,
  amount: 1000,
  currency: 'EUR',
  attempts: 1,
  maxAttempts: 3,
  ...over,
});
const run = (events: MachineEvent[], from: CheckoutState = { ...INITIAL_STATE, restartable: true }) => {
  let state = from;
  const effects = [];
  for (const e of events) {
    const step = reduce(state, e);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
};

const statuses: SessionStatus[] = ['INITIATED', 'PROCESSING', 'INTERRUPTED', 'RESUMED', 'COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'];
const arbSession = fc.record({
  status: fc.constantFrom(...statuses),
  attempts: fc.integer({ min: 1, max: 3 }),
  lastError: fc.option(fc.constantFrom('card_declined', 'insufficient_funds', 'processor_error', 'order_already_paid'), { nil: undefined }),
});
const arbEvent: fc.Arbitrary<MachineEvent> = fc.oneof(
  arbSession.map(({ status, attempts, lastError }) => ({
    type: 'session' as const,
    session: session(status, { attempts, lastError: lastError && { code: lastError, message: lastError } }),
    pending: false,
  })),
  arbSession.map(({ status, attempts }) => ({ type: 'session' as const, session: session(status, { attempts }), pending: true })),
  fc.constantFrom<MachineEvent>(
    { type: 'paying' },
    { type: 'paying', sent: true },
    { type: 'accepted' },
    { type: 'completed', paymentId: 'ch_1' },
    { type: 'declined', code: 'card_declined', status: 'INTERRUPTED', attempt: 1 },
    { type: 'declined', code: 'processor_error', status: 'FAILED_MAX_RETRIES', attempt: 3 },
    { type: 'timeout', attempt: 1, maxAttempts: 3 },
    { type: 'resumed', attempt: 2, maxAttempts: 3 },
    { type: 'invalid_card', code: 'invalid_expiry' },
    { type: 'invalid_card', code: 'missing_card' },
    { type: 'edited' },
    { type: 'unreachable', offline: false },
    { type: 'unreachable', offline: true },
    { type: 'offline' },
    { type: 'reachable' },
    { type: 'queued', queued: true },
    { type: 'queued', queued: false },
    { type: 'refused', code: 'order_not_found' },
    { type: 'paid_elsewhere' },
    { type: 'elsewhere', status: 'INITIATED' },
    { type: 'elsewhere', status: 'RESUMED' },
    { type: 'cancelled', reason: 'user' },
    { type: 'restarting' },
    { type: 'busy', busy: true },
    { type: 'busy', busy: false },
    { type: 'restored', sessionId: 'cs_1', orderId: 'ord_1', status: 'interrupted', attempt: 1, maxAttempts: 3, reason: 'card_declined' },
    { type: 'restored', sessionId: 'cs_1', orderId: 'ord_1', status: 'cancelled', attempt: 1, maxAttempts: 3, reason: 'order_already_paid' },
    { type: 'restored', sessionId: 'cs_1', orderId: 'ord_1', status: 'initiated', attempt: 1, maxAttempts: 3, reason: 'payment_not_sent' },
    { type: 'press', action: 'pay' },
    { type: 'press', action: 'retry' },
    { type: 'press', action: 'resume' },
    { type: 'press', action: 'cancel' },
    { type: 'press', action: 'restart' },
  ),
);

const PAYABLE = ['initiated', 'resumed'];

/** What every reached state must keep: the table's words, the buttons and the machine agree. */
function checkState(s: CheckoutState): void {
  const p = present(s);
  expect((en as Record<string, string>)[p.status], p.status).toBeTypeOf('string');
  expect((en as Record<string, string>)[p.message], p.message).toBeTypeOf('string');
  const primaries = p.actions.filter((a) => a === 'pay' || a === 'retry' || a === 'resume');
  expect(primaries.length, `${s.phase}: ${p.actions}`).toBeLessThanOrEqual(1);
  if (p.actions.includes('pay')) expect(PAYABLE).toContain(s.status);
  if (isFinalPhase(s.phase)) expect(primaries).toEqual([]);
  if (s.role === 'follower' && !isFinalPhase(s.phase)) expect(p.message).toBe('msg.otherTab');
  if (s.phase === PHASES.timedOut) expect(p.actions).not.toContain('pay');
  if (s.phase === PHASES.completed) expect(p.kind).toBe('success');
  if (s.phase === PHASES.paidElsewhere) expect(p.actions).toEqual([]);
  // A final status line never stands beside a message about paying, and "preparing" never beside a refusal.
  if (p.status === 'status.idle') expect(p.kind).not.toBe('error');
  if (p.kind === 'error')
    expect([
      'status.initiated',
      'status.resumed',
      'status.declined',
      'status.processor_error',
      'status.failed_max_retries',
      'status.expired',
      'status.unavailable',
    ]).toContain(p.status);
  // A button shown is one that works (the press runs it), and a button not shown does nothing.
  for (const action of ['pay', 'retry', 'resume', 'cancel', 'restart'] as const) {
    const { effects } = reduce(s, { type: 'press', action });
    const runs = effects.some((e) => e.type === 'run' && e.action === action);
    expect(runs, `${s.phase} ${action}`).toBe(s.role === 'leader' && !s.busy && p.actions.includes(action));
  }
}

describe('checkout state machine', () => {
  it('every state in the table has its strings in English and French', () => {
    for (const phase of Object.keys(TABLE) as Phase[]) {
      const row = TABLE[phase];
      for (const key of [row.status, row.message]) {
        expect(en, key).toHaveProperty([key]);
        expect(fr, key).toHaveProperty([key]);
      }
    }
  });

  it('every refusal that ends the checkout is said in words, in English and French (never a raw key)', () => {
    for (const code of REFUSALS) {
      const { state } = run([{ type: 'refused', code }]);
      const { message } = present(state);
      expect(en, `${code} → ${message}`).toHaveProperty([message]);
      expect(fr, `${code} → ${message}`).toHaveProperty([message]);
    }
  });

  it('a decline tells the page once (checkout-error), whether the live status or the answer to /complete brings it first', () => {
    const start = run([
      { type: 'session', session: session('INITIATED', { attempts: 1 }), pending: false },
      { type: 'paying', sent: true },
    ]).state;
    const live = {
      type: 'session' as const,
      session: session('INTERRUPTED', { attempts: 1, lastError: { code: 'insufficient_funds', message: 'x' } }),
      pending: false,
    };
    const answer = { type: 'declined' as const, code: 'insufficient_funds', status: 'INTERRUPTED', attempt: 1 };
    for (const order of [
      [live, answer],
      [answer, live],
    ]) {
      const { state, effects } = run(order, start);
      expect(state.phase).toBe(PHASES.declined);
      expect(effects.filter((f) => f.type === 'error')).toEqual([{ type: 'error', code: 'insufficient_funds', retryable: true }]);
    }
  });

  it('random event sequences: status, message and buttons agree in every reached state', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 40 }), fc.boolean(), (events, follower) => {
        let state: CheckoutState = { ...INITIAL_STATE, restartable: follower };
        if (follower) state = reduce(state, { type: 'follow' }).state;
        checkState(state);
        for (const e of events) {
          const before = state;
          state = reduce(state, e).state;
          checkState(state);
          // A completed payment never turns back into anything else but a new checkout.
          if (before.phase === PHASES.completed && e.type !== 'restarting' && e.type !== 'mirror') expect(state.phase).toBe(PHASES.completed);
        }
      }),
      { numRuns: 2000 },
    );
  }, 30_000); // 2000 runs: about 4.5 s on an idle machine, past vitest's 5 s default on a busy one

  it('server away while paying: says it reconnects (not "offline"), offers Retry only, and asks to reconnect by itself', () => {
    const { state, effects } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'unreachable', offline: false },
    ]);
    expect(present(state)).toMatchObject({ message: 'msg.reconnecting', kind: 'info', actions: ['retry'] });
    expect(effects).toContainEqual({ type: 'reconnect' });
    const back = reduce(state, { type: 'completed', paymentId: 'ch_1' }).state;
    expect(present(back)).toMatchObject({ status: 'status.completed', message: 'msg.completed', actions: [] });
  });

  it('browser offline: says offline; a fresh session from the server clears it (no stale message)', () => {
    const { state } = run([{ type: 'unreachable', offline: true }]);
    expect(present(state)).toMatchObject({ status: 'status.idle', message: 'msg.offline' });
    const back = reduce(state, { type: 'session', session: session('INITIATED'), pending: false }).state;
    expect(present(back)).toMatchObject({ status: 'status.initiated', message: 'msg.enterCard', kind: 'info', actions: ['pay', 'cancel'] });
  });

  it('offline before Pay: waits for the connection with no button (a Retry cannot work offline; the payment continues on `online`)', () => {
    const { state, effects } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'unreachable', offline: true },
    ]);
    expect(present(state)).toMatchObject({ status: 'status.waiting', message: 'msg.offline', kind: 'info', actions: [] });
    expect(effects).toContainEqual({ type: 'reconnect' });
    // Only the server away: Retry tries now, and the status line says what it waits for.
    const away = reduce(state, { type: 'unreachable', offline: false }).state;
    expect(present(away)).toMatchObject({ status: 'status.waiting.server', message: 'msg.reconnecting', actions: ['retry'] });
  });

  it('a request kept in the outbox says offline only when the browser is offline (online, the server is away)', () => {
    const { state } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'queued', queued: true, offline: false },
    ]);
    expect(present(state)).toMatchObject({ message: 'msg.queued.server', kind: 'info', actions: [] });
    // Offline, even when an answer just came back (the link was up): the browser's word counts.
    const offline = reduce(reduce(state, { type: 'reachable' }).state, { type: 'queued', queued: true, offline: true }).state;
    expect(present(offline)).toMatchObject({ message: 'msg.queued', actions: [] });
  });

  it('reloaded while offline: the ready view says so, and that Pay is sent when the connection returns', () => {
    const { state } = run([
      { type: 'restored', sessionId: 'cs_1', orderId: 'ord_1', status: 'initiated', attempt: 1, maxAttempts: 3, reason: null },
      { type: 'unreachable', offline: true },
    ]);
    expect(present(state)).toMatchObject({ status: 'status.initiated', message: 'msg.offline.ready', kind: 'info', actions: ['pay', 'cancel'] });
    // A card error still shows under its field, offline or not.
    const bad = reduce(state, { type: 'invalid_card', code: 'invalid_expiry' }).state;
    expect(present(bad)).toMatchObject({ message: 'msg.invalid_expiry', kind: 'error' });
  });

  it('reloaded while only the server is away: the ready view says so (not "offline"), keeps Pay', () => {
    const { state } = run([
      { type: 'restored', sessionId: 'cs_1', orderId: 'ord_1', status: 'initiated', attempt: 1, maxAttempts: 3, reason: null },
      { type: 'unreachable', offline: false },
    ]);
    expect(present(state)).toMatchObject({ status: 'status.initiated', message: 'msg.server.ready', kind: 'info', actions: ['pay', 'cancel'] });
    expect(present(reduce(state, { type: 'reachable' }).state).message).toBe('msg.enterCard');
  });

  it('a Pay that never left before a reload is said after it (card typed again), whatever the connection, until Pay again', () => {
    const restored = {
      type: 'restored',
      sessionId: 'cs_1',
      orderId: 'ord_1',
      status: 'initiated',
      attempt: 1,
      maxAttempts: 3,
      reason: 'payment_not_sent',
    } as const;
    for (const offline of [true, false]) {
      const { state } = run([restored, { type: 'unreachable', offline }]);
      expect(present(state)).toMatchObject({ status: 'status.initiated', message: 'msg.payment_not_sent', actions: ['pay', 'cancel'] });
      // The server's answer once it is back keeps it: nothing was sent.
      const back = reduce(reduce(state, { type: 'reachable' }).state, { type: 'session', session: session('INITIATED'), pending: false }).state;
      expect(present(back).message).toBe('msg.payment_not_sent');
      expect(present(reduce(back, { type: 'paying' }).state).message).toBe('msg.processing');
    }
  });

  it('Pay while another session of the order is charging: back to ready with its real status, says so, keeps Pay, tells the page', () => {
    const { state, effects } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'paying', sent: true },
      { type: 'elsewhere', status: 'INITIATED' },
    ]);
    expect(state.status).toBe('initiated');
    expect(present(state)).toMatchObject({ status: 'status.initiated', message: 'msg.order_payment_in_progress', kind: 'info', actions: ['pay', 'cancel'] });
    expect(effects).toContainEqual({ type: 'error', code: 'payment_in_progress', retryable: true });
    // That payment succeeds: the server closes this session, and the page shows it.
    const closed = session('CANCELLED', { lastError: { code: 'order_already_paid', message: 'paid' } });
    expect(reduce(state, { type: 'session', session: closed, pending: false }).state.phase).toBe(PHASES.paidElsewhere);
    // A late "elsewhere" (no attempt under way) changes nothing.
    expect(reduce(state, { type: 'elsewhere', status: 'INITIATED' }).state).toBe(state);
  });

  it('the browser going offline while ready says so at once, keeps Pay, and is no error (nothing failed)', () => {
    const { state, effects } = run([{ type: 'session', session: session('INITIATED'), pending: false }, { type: 'offline' }]);
    expect(present(state)).toMatchObject({ status: 'status.initiated', message: 'msg.offline.ready', kind: 'info', actions: ['pay', 'cancel'] });
    expect(state.link).toBe('offline');
    expect(effects.some((e) => e.type === 'error')).toBe(false);
    const back = reduce(state, { type: 'reachable' }).state;
    expect(present(back)).toMatchObject({ message: 'msg.enterCard', actions: ['pay', 'cancel'] });
    // While a payment waits for the server, going offline is the network error it always was.
    const paying = run([{ type: 'session', session: session('INITIATED'), pending: false }, { type: 'paying' }, { type: 'offline' }]);
    expect(present(paying.state)).toMatchObject({ status: 'status.waiting', message: 'msg.offline', actions: [] });
    expect(paying.effects).toContainEqual({ type: 'error', code: 'network', retryable: true });
  });

  it('a timeout offers Retry alone (no Pay, no Cancel, no card prompt); the late success completes', () => {
    const { state, effects } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'timeout', attempt: 1, maxAttempts: 3, status: 'INTERRUPTED' },
    ]);
    expect(present(state)).toMatchObject({ status: 'status.checking', message: 'msg.timeout', actions: ['retry'] });
    expect(state.status).toBe('interrupted');
    // The timeout's interruption did not reach the server (kept in the worker's outbox): `status` stays the server's last word.
    const sent = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying', sent: true },
      { type: 'timeout', attempt: null, maxAttempts: null, status: null },
    ]);
    expect(sent.state).toMatchObject({ phase: PHASES.timedOut, status: 'processing' });
    expect(effects).toContainEqual({ type: 'error', code: 'timeout', retryable: true });
    // the server recorded the timeout interruption while our charge may still run
    const still = reduce(state, { type: 'session', session: session('INTERRUPTED'), pending: true }).state;
    expect(still.phase).toBe(PHASES.timedOut);
    expect(reduce(still, { type: 'session', session: session('COMPLETED', { paymentId: 'ch_1' }), pending: true }).state.phase).toBe(PHASES.completed);
  });

  it('paid elsewhere is a final view without Pay, and tells the page order_already_paid', () => {
    const { state, effects } = run([{ type: 'session', session: session('INITIATED'), pending: false }, { type: 'paid_elsewhere' }]);
    expect(present(state)).toMatchObject({ status: 'status.paid_elsewhere', message: 'msg.order_already_paid', actions: [] });
    expect(effects).toContainEqual({ type: 'error', code: 'order_already_paid', retryable: false });
  });

  it('a session the server closed because its order was paid elsewhere is the paid-elsewhere view, with its real status, also restored', () => {
    const paid = { code: 'order_already_paid', message: 'paid' };
    const live = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'session', session: session('CANCELLED', { lastError: paid }), pending: false },
    ]);
    expect(live.state).toMatchObject({ phase: PHASES.paidElsewhere, status: 'cancelled', reason: 'order_already_paid' });
    expect(present(live.state)).toMatchObject({ status: 'status.paid_elsewhere', actions: [] });
    expect(live.effects).toContainEqual({ type: 'error', code: 'order_already_paid', retryable: false });
    const restored = {
      type: 'restored',
      sessionId: 'cs_1',
      orderId: 'ord_1',
      status: 'CANCELLED',
      attempt: 1,
      maxAttempts: 3,
      reason: 'order_already_paid',
    } as const;
    expect(run([restored]).state).toMatchObject({ phase: PHASES.paidElsewhere, status: 'cancelled' });
    // A mirroring tab hears no checkout-cancel for it: nobody cancelled.
    const before = { ...INITIAL_STATE, role: 'follower' as const, phase: PHASES.ready, status: 'initiated' };
    expect(eventsBetween(before, { ...live.state, role: 'follower' }).map((e) => e.type)).toEqual(['status']);
  });

  it('a decline read back from the server (a reload) keeps its reason and Retry', () => {
    const { state } = run([{ type: 'session', session: session('INTERRUPTED', { lastError: { code: 'insufficient_funds', message: 'x' } }), pending: false }]);
    expect(present(state)).toMatchObject({ status: 'status.declined', message: 'msg.insufficient_funds', kind: 'error', actions: ['retry', 'cancel'] });
  });

  it('a transient processor error is not called a decline: nothing was refused, the processor failed', () => {
    const { state } = run([{ type: 'session', session: session('INTERRUPTED', { lastError: { code: 'processor_error', message: 'x' } }), pending: false }]);
    expect(present(state)).toMatchObject({ status: 'status.processor_error', message: 'msg.processor_error', kind: 'error', actions: ['retry', 'cancel'] });
    expect((en as Record<string, string>)['status.processor_error']).toBe('Payment not completed');
  });

  it('max retries and expiry are final views offering a new checkout for the order, and tell the page', () => {
    const max = run([{ type: 'session', session: session('FAILED_MAX_RETRIES', { attempts: 3 }), pending: false }]);
    expect(present(max.state)).toMatchObject({ message: 'msg.maxRetries.restart', actions: ['restart', 'cancel'] });
    expect(max.effects).toContainEqual({ type: 'error', code: 'max_retries_exceeded', retryable: false });
    const expired = run([{ type: 'session', session: session('EXPIRED'), pending: false }]);
    expect(present(expired.state)).toMatchObject({ status: 'status.expired', message: 'msg.expired.restart', actions: ['restart', 'cancel'] });
    expect(expired.effects).toContainEqual({ type: 'error', code: 'session_expired', retryable: false });
    const merchant = run([{ type: 'session', session: session('EXPIRED'), pending: false }], { ...INITIAL_STATE, restartable: false });
    expect(present(merchant.state).actions).toEqual(['cancel']);
  });

  it('a refusal before any session is a final "unavailable" view, never "Preparing checkout…" beside it', () => {
    const { state } = run([{ type: 'refused', code: 'order_not_found' }]);
    expect(present(state)).toMatchObject({ status: 'status.unavailable', message: 'msg.order_not_found', kind: 'error', actions: [] });
  });

  it('editing a card field takes its error away (the next Pay checks again); a decline reason stays', () => {
    const { state } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'invalid_card', code: 'invalid_cvc' },
    ]);
    expect(present(state).message).toBe('msg.invalid_cvc');
    const edited = reduce(state, { type: 'edited' });
    expect(present(edited.state)).toMatchObject({ message: 'msg.enterCard', kind: 'info', actions: ['pay', 'cancel'] });
    expect(edited.effects).toEqual([]);
    const notSent = run([
      { type: 'restored', sessionId: 'cs_1', orderId: 'ord_1', status: 'initiated', attempt: 1, maxAttempts: 3, reason: 'payment_not_sent' },
    ]);
    expect(reduce(notSent.state, { type: 'edited' }).state).toBe(notSent.state);
  });

  it('a mirroring tab never shows a dead end: short of a final view it says the checkout goes on in the other window', () => {
    const declined = run([
      { type: 'follow' },
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'declined', code: 'card_declined', status: 'INTERRUPTED', attempt: 1 },
    ]).state;
    expect(present(declined)).toMatchObject({ status: 'status.declined', message: 'msg.otherTab', kind: 'info', actions: [] });
    const paid = reduce(declined, { type: 'paid_elsewhere' }).state;
    expect(present(paid)).toMatchObject({ message: 'msg.order_already_paid', actions: [] });
  });

  it('a card error belongs to the ready view and names its field', () => {
    const { state } = run([
      { type: 'session', session: session('INITIATED'), pending: false },
      { type: 'paying' },
      { type: 'invalid_card', code: 'invalid_expiry' },
    ]);
    expect(present(state)).toMatchObject({ status: 'status.initiated', message: 'msg.invalid_expiry', kind: 'error', actions: ['pay', 'cancel'] });
  });
});

describe('reaching the server again', () => {
  it('backoff: from about 1 s, growing, capped at 10 s, jittered within [½, 1] of each step', async () => {
    const { backoffDelay, MAX_DELAY_MS } = await import('../../widget/src/controller/connectivity.js');
    expect([0, 1, 2].map((n) => backoffDelay(n, () => 1))).toEqual([1000, 1500, 2250]);
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(50, () => 1)).toBe(MAX_DELAY_MS);
    expect(backoffDelay(50, () => 0)).toBe(MAX_DELAY_MS / 2);
  });
});
