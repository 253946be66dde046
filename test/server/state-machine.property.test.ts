/**
 * Model-based property test of the session state machine (docs/API.md "States" and "Orders", ARCHITECTURE "attempts"):
 * random sequences of create / resume / interrupt / cancel / complete (success or decline cards) / replay / get, over
 * up to three sessions of one order, go through the HTTP API of an in-process server; every answer is checked against
 * a small model of the rules (an order paid through one session closes its other live sessions).
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, complete, createOrder, getSession, post, tokenize, waitFor, type Answer, type CardName, type Session } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

const MAX_ATTEMPTS = 3;
const MAX_SESSIONS = 3;
const FINAL = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'];

interface SessionModel {
  status: string;
  /** The current attempt (1-based). */
  attempts: number;
  /** Whether the current attempt has charged (then moving on costs an attempt). */
  used: boolean;
  interruptions: number;
  retries: number;
  charges: number;
  /** Closed (CANCELLED, lastError order_already_paid) because another session paid the order. */
  paidElsewhere?: boolean;
  /** The last /complete: replaying its key must give the same answer. */
  lastComplete: { key: string; token: string; status: number; body: unknown } | null;
}

interface Model {
  orderPaid: boolean;
  sessions: SessionModel[];
}

interface Real {
  base: string;
  orderId: string;
  sessions: Session[];
}

const fresh = (): SessionModel => ({ status: 'INITIATED', attempts: 1, used: false, interruptions: 0, retries: 0, charges: 0, lastComplete: null });
const isFinal = (m: SessionModel) => FINAL.includes(m.status);
const canResume = (m: SessionModel) => !isFinal(m) && (!m.used || m.attempts < MAX_ATTEMPTS);
const pick = <T>(list: T[], i: number) => list[i % list.length];

function expectRefused(a: Answer, code = 'invalid_transition') {
  expect(a.status, a.text).toBe(409);
  expect(a.body.error.code).toBe(code);
}

async function createFor(r: Real): Promise<Answer> {
  return call(r.base, 'POST', '/session/create', { body: { orderId: r.orderId } });
}

class Create implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.sessions.length < MAX_SESSIONS;
  async run(m: Model, r: Real) {
    const a = await createFor(r);
    if (m.orderPaid) return expectRefused(a, 'order_already_paid');
    expect(a.status, a.text).toBe(201);
    expect(a.body).toMatchObject({ status: 'INITIATED', attempts: 1, maxAttempts: MAX_ATTEMPTS, orderId: r.orderId });
    r.sessions.push(a.body);
    m.sessions.push(fresh());
  }
  toString = () => 'create';
}

abstract class OnSession implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  async run(m: Model, r: Real) {
    await this.on(pick(m.sessions, this.i), pick(r.sessions, this.i), m, r);
  }
  abstract on(sm: SessionModel, s: Session, m: Model, r: Real): Promise<void>;
  abstract name: string;
  toString = () => `${this.name}#${this.i % MAX_SESSIONS}`;
}

class Resume extends OnSession {
  name = 'resume';
  async on(sm: SessionModel, s: Session, _m: Model, r: Real) {
    const a = await post(r.base, s, 'resume');
    if (sm.status !== 'INTERRUPTED' || !canResume(sm)) return expectRefused(a);
    const attempt = sm.used ? sm.attempts + 1 : sm.attempts;
    expect(a.status, a.text).toBe(200);
    expect(a.body).toMatchObject({ status: 'RESUMED', attempt, maxAttempts: MAX_ATTEMPTS });
    Object.assign(sm, { status: 'RESUMED', attempts: attempt, used: false, retries: sm.retries + 1 });
  }
}

class Interrupt extends OnSession {
  name = 'interrupt';
  constructor(
    i: number,
    readonly reason: string,
  ) {
    super(i);
  }
  async on(sm: SessionModel, s: Session, _m: Model, r: Real) {
    const a = await post(r.base, s, 'interrupt', { reason: this.reason });
    if (isFinal(sm)) return expectRefused(a);
    expect(a.status, a.text).toBe(200);
    if (sm.status !== 'INTERRUPTED') {
      sm.status = sm.used && sm.attempts >= MAX_ATTEMPTS ? 'FAILED_MAX_RETRIES' : 'INTERRUPTED';
      sm.interruptions++;
    }
    expect(a.body).toEqual({ status: sm.status, canResume: canResume(sm), attempt: sm.attempts, maxAttempts: MAX_ATTEMPTS });
  }
}

class Cancel extends OnSession {
  name = 'cancel';
  async on(sm: SessionModel, s: Session, _m: Model, r: Real) {
    const a = await post(r.base, s, 'cancel', { reason: 'user' });
    if (isFinal(sm)) return expectRefused(a);
    expect(a.status, a.text).toBe(200);
    expect(a.body).toEqual({ status: 'CANCELLED', reason: 'user' });
    sm.status = 'CANCELLED';
  }
}

const DECLINE_CODES: Partial<Record<CardName, string>> = {
  declined: 'card_declined',
  insufficientFunds: 'insufficient_funds',
  processorError: 'processor_error',
};

class Pay extends OnSession {
  name = 'pay';
  constructor(
    i: number,
    readonly card: CardName,
  ) {
    super(i);
  }
  override toString = () => `pay(${this.card})#${this.i % MAX_SESSIONS}`;
  async on(sm: SessionModel, s: Session, m: Model, r: Real) {
    const token = await tokenize(r.base, this.card);
    const key = randomUUID();
    const a = await complete(r.base, s, token, key);
    // INTERRUPTED: resume first; final: nothing more to pay; another session paid the order: nothing to pay either.
    if (sm.paidElsewhere) return expectRefused(a, 'order_already_paid');
    if (sm.status !== 'INITIATED' && sm.status !== 'RESUMED') return expectRefused(a);
    if (m.orderPaid) return expectRefused(a, 'order_already_paid');
    sm.used = true;
    sm.charges++;
    if (this.card === 'success') {
      expect(a.status, a.text).toBe(200);
      expect(a.body).toMatchObject({ status: 'COMPLETED', paymentId: expect.any(String) });
      sm.status = 'COMPLETED';
      m.orderPaid = true;
      // The order's other live sessions are closed once the payment is settled (just after its answer).
      const others = m.sessions.flatMap((o, j) => (o !== sm && !isFinal(o) ? [j] : []));
      for (const j of others) Object.assign(m.sessions[j], { status: 'CANCELLED', paidElsewhere: true });
      await waitFor(
        () => Promise.all(others.map((j) => getSession(r.base, r.sessions[j]))),
        (all) => all.every((o) => o.status === 'CANCELLED' && o.lastError?.code === 'order_already_paid'),
        5_000,
        "the paid order's other sessions closed",
      );
    } else {
      expect(a.status, a.text).toBe(402);
      expect(a.body.error.code).toBe(DECLINE_CODES[this.card]);
      sm.status = sm.attempts >= MAX_ATTEMPTS ? 'FAILED_MAX_RETRIES' : 'INTERRUPTED';
      sm.interruptions++;
      expect(a.body.error.details).toMatchObject({
        retryable: this.card === 'processorError',
        status: sm.status,
        attempt: sm.attempts,
        maxAttempts: MAX_ATTEMPTS,
        canResume: canResume(sm),
      });
    }
    sm.lastComplete = { key, token, status: a.status, body: a.body };
  }
}

class Replay extends OnSession {
  name = 'replay';
  override check(m: Readonly<Model>): boolean {
    return m.sessions.some((s) => s.lastComplete !== null);
  }
  async on(sm: SessionModel, s: Session, m: Model, r: Real) {
    // Replays the last /complete of the first session (from this index on) that has one.
    const k = [...m.sessions.keys()].map((j) => (this.i + j) % m.sessions.length).find((j) => m.sessions[j].lastComplete)!;
    const last = m.sessions[k].lastComplete!;
    const a = await complete(r.base, r.sessions[k], last.token, last.key);
    expect(a.status, a.text).toBe(last.status);
    expect(a.body).toEqual(last.body);
    expect(a.headers.get('idempotent-replayed')).toBe('true');
  }
}

class Get extends OnSession {
  name = 'get';
  async on(sm: SessionModel, s: Session, _m: Model, r: Real) {
    const now = await getSession(r.base, s);
    expect(now).toMatchObject({ status: sm.status, attempts: sm.attempts, maxAttempts: MAX_ATTEMPTS });
    expect(now.metadata.interruptions).toHaveLength(sm.interruptions);
    expect(now.metadata.retries).toHaveLength(sm.retries);
    expect('paymentId' in now).toBe(sm.status === 'COMPLETED');
    const ledger = await call(r.base, 'GET', `/test-processor/charges?sessionId=${s.sessionId}`, { auth: 'test-admin-token-0123456789' });
    expect(ledger.body.charges).toHaveLength(sm.charges);
    expect(ledger.body.charges.filter((c: { status: string }) => c.status === 'succeeded')).toHaveLength(sm.status === 'COMPLETED' ? 1 : 0);
  }
}

let srv: InProcessServer;

beforeAll(async () => {
  srv = await startInProcess({ MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
});
afterAll(() => srv?.stop());

const idx = fc.nat({ max: MAX_SESSIONS - 1 });
const resume = idx.map((i) => new Resume(i));
const interrupt = fc.tuple(idx, fc.constantFrom('timeout', 'network', 'user', 'unload', 'tab-closed')).map(([i, reason]) => new Interrupt(i, reason));
const pay = fc
  .tuple(idx, fc.constantFrom<CardName>('success', 'declined', 'declined', 'insufficientFunds', 'processorError'))
  .map(([i, card]) => new Pay(i, card));
// Repeated entries weigh the choice: cancel ends a session, so it comes up less often than the commands that move one along.
const commands = [
  resume,
  resume,
  interrupt,
  interrupt,
  pay,
  pay,
  pay,
  fc.constant(new Create()),
  idx.map((i) => new Cancel(i)),
  idx.map((i) => new Replay(i)),
  idx.map((i) => new Get(i)),
];

it('the session API follows the state machine model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
      const setup = async () => {
        const order = await createOrder(srv.url);
        const real: Real = { base: srv.url, orderId: order.orderId, sessions: [] };
        const first = await createFor(real);
        expect(first.status, first.text).toBe(201);
        real.sessions.push(first.body);
        return { model: { orderPaid: false, sessions: [fresh()] } as Model, real };
      };
      await fc.asyncModelRun(setup, cmds);
    }),
    { numRuns: 40 },
  );
}, 120_000);
