/**
 * Every test card's flow end to end, attempts and FAILED_MAX_RETRIES, the client-timeout flow, and exactly-once charging
 * under concurrent /complete calls (docs/API.md "Exactly once" and "Test processor"; ARCHITECTURE "charges").
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  complete,
  createOrder,
  createSession,
  expectError,
  getSession,
  ledger,
  pay,
  post,
  succeeded,
  tokenize,
  waitFor,
  waitForStatus,
  type Session,
} from './helpers/api.js';
import { openEvents } from './helpers/sse.js';
import { SHORT_PAYMENT_TIMEOUT_MS, startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess({ PAYMENT_TIMEOUT_MS: SHORT_PAYMENT_TIMEOUT_MS, RECONCILE_INTERVAL_MS: '200' });
  base = srv.url;
});
afterAll(() => srv?.stop());

describe('test cards', () => {
  it('4242 succeeds: 200 COMPLETED, one succeeded charge for the session amount', async () => {
    const s = await createSession(base, { amount: 999, currency: 'GBP' });
    const r = await pay(base, s, 'success');
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ status: 'COMPLETED', paymentId: expect.any(String) });
    const charges = await ledger(base, s.sessionId);
    expect(charges).toEqual([expect.objectContaining({ chargeId: r.body.paymentId, status: 'succeeded', amount: 999, currency: 'GBP' })]);
    expect(await getSession(base, s)).toMatchObject({ status: 'COMPLETED', paymentId: r.body.paymentId });
  });

  it.each([
    ['declined', 'card_declined', false],
    ['insufficientFunds', 'insufficient_funds', false],
    ['processorError', 'processor_error', true],
  ] as const)('%s: 402 %s (retryable %s) and the session is INTERRUPTED and resumable', async (card, code, retryable) => {
    const s = await createSession(base);
    const r = await pay(base, s, card);
    expectError(r, 402, code);
    expect(r.body.error.details).toMatchObject({ retryable, status: 'INTERRUPTED', attempt: 1, maxAttempts: 3, canResume: true });
    const now = await getSession(base, s);
    expect(now).toMatchObject({ status: 'INTERRUPTED', attempts: 1, lastError: { code } });
    expect(now).not.toHaveProperty('paymentId');
    expect(succeeded(await ledger(base, s.sessionId))).toHaveLength(0);
    // The next attempt can succeed.
    expect((await post(base, s, 'resume')).body).toMatchObject({ status: 'RESUMED', attempt: 2 });
    expect((await pay(base, s)).status).toBe(200);
    expect(succeeded(await ledger(base, s.sessionId))).toHaveLength(1);
  });

  it('6975 (slow): 202 PROCESSING, then reconciled to COMPLETED with exactly one succeeded charge', async () => {
    const s = await createSession(base);
    const answer = pay(base, s, 'slow');
    await waitForStatus(base, s, 'PROCESSING');
    // While the outcome is unknown the session cannot be cancelled.
    expectError(await post(base, s, 'cancel'), 409, 'payment_in_progress');
    const r = await answer;
    expect(r.status, r.text).toBe(202);
    expect(r.body).toEqual({ status: 'PROCESSING' });
    // (The reconciler may settle it at any moment from here on.)
    const done = await waitForStatus(base, s, 'COMPLETED');
    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'succeeded', chargeId: done.paymentId });
  });

  it('0341 (answer lost): 202, then reconciled to COMPLETED with one charge', async () => {
    const s = await createSession(base);
    const r = await pay(base, s, 'answerLost');
    expect(r.status, r.text).toBe(202);
    expect(r.body).toEqual({ status: 'PROCESSING' });
    const done = await waitForStatus(base, s, 'COMPLETED');
    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'succeeded', chargeId: done.paymentId });
  });
});

describe('attempts', () => {
  it('three declines end in FAILED_MAX_RETRIES; resume is then 409', async () => {
    const s = await createSession(base);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await pay(base, s, 'declined');
      expectError(r, 402, 'card_declined');
      expect(r.body.error.details).toMatchObject({ attempt, status: attempt < 3 ? 'INTERRUPTED' : 'FAILED_MAX_RETRIES', canResume: attempt < 3 });
      if (attempt < 3)
        expect((await post(base, s, 'resume')).body).toMatchObject({
          status: 'RESUMED',
          attempt: attempt + 1,
          message: expect.stringContaining(`${attempt + 1}`),
        });
    }
    expect(await getSession(base, s)).toMatchObject({ status: 'FAILED_MAX_RETRIES', attempts: 3, maxAttempts: 3 });
    expectError(await post(base, s, 'resume'), 409, 'invalid_transition');
    expectError(await pay(base, s), 409, 'invalid_transition');
    expect(await ledger(base, s.sessionId)).toHaveLength(3);
    expect(succeeded(await ledger(base, s.sessionId))).toHaveLength(0);
  });

  it('an interruption before paying costs no attempt', async () => {
    const s = await createSession(base);
    for (let i = 0; i < 5; i++) {
      expect((await post(base, s, 'interrupt', { reason: 'unload' })).body).toMatchObject({ status: 'INTERRUPTED', canResume: true, attempt: 1 });
      expect((await post(base, s, 'resume')).body).toMatchObject({ attempt: 1 });
    }
    expect((await pay(base, s)).status).toBe(200);
  });
});

describe('one order, several sessions', () => {
  it('while one session of an order is charging, another cannot charge it; once paid, nobody can', async () => {
    const order = await createOrder(base);
    const open = () => call(base, 'POST', '/session/create', { body: { orderId: order.orderId } }).then((r) => r.body as Session);
    const [a, b] = [await open(), await open()];
    const slow = pay(base, a, 'slow');
    await waitForStatus(base, a, 'PROCESSING');
    // Said apart from "this session is charging": the page of b shows b still payable, with its real status.
    const busy = await pay(base, b);
    expectError(busy, 409, 'payment_in_progress');
    expect(busy.body.error.details).toEqual({ inAnotherSession: true, status: 'INITIATED' });
    expect(await ledger(base, b.sessionId)).toEqual([]);
    expect((await getSession(base, b)).status).toBe('INITIATED');

    expect((await slow).status).toBe(202);
    await waitForStatus(base, a, 'COMPLETED');
    expectError(await pay(base, b), 409, 'order_already_paid');
    expect(await ledger(base, b.sessionId)).toEqual([]);
  });

  it("once paid through one session, the order's other live sessions end CANCELLED with lastError order_already_paid, told on their streams", async () => {
    const order = await createOrder(base);
    const open = () => call(base, 'POST', '/session/create', { body: { orderId: order.orderId } }).then((r) => r.body as Session);
    const [a, b, c] = [await open(), await open(), await open()];
    expect((await post(base, c, 'interrupt', { reason: 'user' })).status).toBe(200);
    const stream = await openEvents(base, b.sessionId, { secret: b.clientSecret });
    try {
      expect((await stream.next()).status).toBe('INITIATED');
      expect((await pay(base, a)).status).toBe(200);
      // The page showing b learns it without pressing Pay.
      const told = await stream.next();
      expect(told).toMatchObject({ status: 'CANCELLED', lastError: { code: 'order_already_paid' }, metadata: { cancelReason: 'order_already_paid' } });
    } finally {
      stream.close();
    }
    expect(await waitForStatus(base, c, 'CANCELLED')).toMatchObject({ lastError: { code: 'order_already_paid' } });
    expect((await getSession(base, a)).status).toBe('COMPLETED');
    // Paying b still answers what the contract says, and charges nothing.
    expectError(await pay(base, b), 409, 'order_already_paid');
    expect(await ledger(base, b.sessionId)).toEqual([]);
  });

  it('a session that meets its paid order on /complete is closed the same way', async () => {
    const order = await createOrder(base);
    const open = () => call(base, 'POST', '/session/create', { body: { orderId: order.orderId } }).then((r) => r.body as Session);
    const [a, b] = [await open(), await open()];
    expect((await pay(base, a)).status).toBe(200);
    // Whether or not the closing after a's payment reached b first, its /complete answers 409 and leaves it CANCELLED.
    expectError(await pay(base, b), 409, 'order_already_paid');
    expect(await getSession(base, b)).toMatchObject({ status: 'CANCELLED', lastError: { code: 'order_already_paid' } });
  });

  it('a declined session releases the order for another session', async () => {
    const order = await createOrder(base);
    const open = () => call(base, 'POST', '/session/create', { body: { orderId: order.orderId } }).then((r) => r.body as Session);
    const [a, b] = [await open(), await open()];
    expect((await pay(base, a, 'declined')).status).toBe(402);
    expect((await pay(base, b)).status).toBe(200);
    expect((await call(base, 'GET', `/api/store/orders/${order.orderId}`)).body.paid).toBe(true);
  });
});

describe('an interruption replayed late (a service worker outbox)', () => {
  it('of an earlier attempt, after the payment went on: nothing changes, nothing is recorded; its replay answers the same', async () => {
    const s = await createSession(base);
    expect((await pay(base, s, 'declined')).status).toBe(402);
    expect((await post(base, s, 'resume')).body).toMatchObject({ status: 'RESUMED', attempt: 2 });
    const key = randomUUID();
    // The page's timeout interrupt of attempt 1, kept by the worker while offline, arrives now.
    const late = await post(base, s, 'interrupt', { reason: 'timeout', attempt: 1 }, key);
    expect(late.status, late.text).toBe(200);
    expect(late.body).toEqual({ status: 'RESUMED', canResume: true, attempt: 2, maxAttempts: 3 });
    const after = await getSession(base, s);
    expect(after.status).toBe('RESUMED');
    expect(after.metadata.interruptions.map((i: { reason: string }) => i.reason)).toEqual(['decline']);
    expect((await post(base, s, 'interrupt', { reason: 'timeout', attempt: 1 }, key)).headers.get('idempotent-replayed')).toBe('true');
    expect((await pay(base, s)).status).toBe(200);
    // Once the session is final, the replay is refused like any change (409), and the page shows the payment done.
    expectError(await post(base, s, 'interrupt', { reason: 'timeout', attempt: 2 }, randomUUID()), 409, 'invalid_transition');
  });

  it('of the current attempt: interrupts as before (and without `attempt` too)', async () => {
    const s = await createSession(base);
    expect((await post(base, s, 'interrupt', { reason: 'timeout', attempt: 1 })).body).toMatchObject({ status: 'INTERRUPTED', attempt: 1 });
    expect((await post(base, s, 'resume')).status).toBe(200);
    expect((await post(base, s, 'interrupt', { reason: 'user' })).body).toMatchObject({ status: 'INTERRUPTED', attempt: 1 });
    expectError(await post(base, s, 'interrupt', { reason: 'timeout', attempt: 0 }), 400, 'validation_error');
  });
});

describe('client timeout during a slow charge', () => {
  it('interrupt → resume (attempt 2) → complete settles attempt 1 first: 200 with its paymentId, one charge', async () => {
    const s = await createSession(base);
    const slow = pay(base, s, 'slow');
    await waitForStatus(base, s, 'PROCESSING');
    // The shopper's widget gives up waiting.
    const i = await post(base, s, 'interrupt', { reason: 'timeout' });
    expect(i.status, i.text).toBe(200);
    expect(i.body).toMatchObject({ status: 'INTERRUPTED', canResume: true, attempt: 1 });
    const r = await post(base, s, 'resume');
    expect(r.body).toMatchObject({ status: 'RESUMED', attempt: 2 });

    const second = await complete(base, s, await tokenize(base, 'success'));
    expect(second.status, second.text).toBe(200);
    expect(second.body.status).toBe('COMPLETED');
    const attempt1 = (await ledger(base, s.sessionId)).find((c) => c.idempotencyKey.endsWith(':1'));
    expect(second.body.paymentId).toBe(attempt1?.chargeId);

    const first = await slow;
    expect([200, 202]).toContain(first.status);
    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(1);
    expect(succeeded(charges)).toHaveLength(1);
    expect(await getSession(base, s)).toMatchObject({ status: 'COMPLETED', paymentId: attempt1!.chargeId });
  });
});

describe('the last attempt', () => {
  it('interrupting it while its charge is unresolved keeps the session alive until the charge settles (here: COMPLETED)', async () => {
    const s = await createSession(base);
    for (let i = 0; i < 2; i++) {
      expect((await pay(base, s, 'declined')).status).toBe(402);
      await post(base, s, 'resume');
    }
    const slow = pay(base, s, 'slow');
    await waitForStatus(base, s, 'PROCESSING');
    const i = await post(base, s, 'interrupt', { reason: 'timeout' });
    expect(i.status, i.text).toBe(200);
    expect(i.body).toMatchObject({ status: 'INTERRUPTED', attempt: 3, canResume: false });
    expectError(await post(base, s, 'cancel'), 409, 'payment_in_progress');
    await slow;
    const done = await waitForStatus(base, s, 'COMPLETED');
    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(3);
    expect(succeeded(charges).map((c) => c.chargeId)).toEqual([done.paymentId]);
  });
});

describe('concurrency', () => {
  it('20 concurrent resumes of an interrupted session: one wins, one attempt is spent', async () => {
    const s = await createSession(base);
    expect((await pay(base, s, 'declined')).status).toBe(402);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(base, s, 'resume')));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0].body).toMatchObject({ status: 'RESUMED', attempt: 2 });
    for (const a of answers.filter((x) => x.status !== 200)) expectError(a, 409, 'invalid_transition');
    const now = await getSession(base, s);
    expect(now).toMatchObject({ status: 'RESUMED', attempts: 2 });
    expect(now.metadata.retries).toHaveLength(1);
  });

  it('20 concurrent /complete calls with different keys on one session: one charge, one COMPLETED', async () => {
    const s = await createSession(base);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => tokenize(base)));
    const answers = await Promise.all(tokens.map((t) => complete(base, s, t, randomUUID())));
    const byStatus = answers.reduce<Record<number, number>>((m, a) => ((m[a.status] = (m[a.status] ?? 0) + 1), m), {});
    expect(
      Object.keys(byStatus)
        .map(Number)
        .every((st) => st === 200 || st === 409),
      JSON.stringify(byStatus),
    ).toBe(true);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const a of answers.filter((x) => x.status === 409))
      expect(['payment_in_progress', 'invalid_transition', 'idempotency_key_in_flight']).toContain(a.body.error.code);

    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(1);
    expect(charges[0].status).toBe('succeeded');
    // Every 200 names that one charge.
    expect(new Set(ok.map((a) => a.body.paymentId))).toEqual(new Set([charges[0].chargeId]));
    expect(await getSession(base, s)).toMatchObject({ status: 'COMPLETED', paymentId: charges[0].chargeId });
    const completed = await call(base, 'GET', '/sessions/active?status=COMPLETED&limit=500', { auth: 'test-admin-token-0123456789' });
    expect(completed.body.sessions.filter((x: any) => x.sessionId === s.sessionId)).toHaveLength(1);
  });

  it('20 concurrent replays of one key during a slow charge: one charge, never a second call', async () => {
    const s = await createSession(base);
    const token = await tokenize(base, 'slow');
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => complete(base, s, token, key)));
    for (const a of answers) expect([202, 409], a.text).toContain(a.status);
    expect(answers.filter((a) => a.status === 202).length).toBeGreaterThanOrEqual(1);
    await waitForStatus(base, s, 'COMPLETED');
    expect(await ledger(base, s.sessionId)).toHaveLength(1);
    const final = await waitFor(
      () => complete(base, s, token, key),
      (r) => r.status === 200,
      10_000,
      'replayed 200',
    );
    expect(final.headers.get('idempotent-replayed')).toBe('true');
  });
});
