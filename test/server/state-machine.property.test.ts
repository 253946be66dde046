/**
 * Model-based property test of the session state machine (CONTRACT §2 "States", ARCHITECTURE "attempts"): random
 * sequences of create/resume/interrupt/cancel/complete(success or decline)/get/replay go through the HTTP API of an
 * in-process server, and every answer is checked against a small model of the rules.
 */
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { complete, createSession, getSession, post, tokenize, type Answer, type CardName, type Session } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

const MAX_ATTEMPTS = 3;
const FINAL = ['COMPLETED', 'CANCELLED', 'FAILED_MAX_RETRIES', 'EXPIRED'];

interface Model {
  status: string;
  /** The current attempt (1-based). */
  attempts: number;
  /** Whether the current attempt has charged (then moving on costs an attempt). */
  used: boolean;
  interruptions: number;
  retries: number;
  /** The last /complete: replaying its key must give the same answer. */
  lastComplete: { key: string; token: string; status: number; body: unknown } | null;
}

interface Real {
  base: string;
  s: Session;
}

const isFinal = (m: Model) => FINAL.includes(m.status);
const canResume = (m: Model) => !isFinal(m) && (!m.used || m.attempts < MAX_ATTEMPTS);

function expectRefused(a: Answer, code = 'invalid_transition') {
  expect(a.status, a.text).toBe(409);
  expect(a.body.error.code).toBe(code);
}

class Resume implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const a = await post(r.base, r.s, 'resume');
    if (m.status === 'INTERRUPTED' && canResume(m)) {
      const attempt = m.used ? m.attempts + 1 : m.attempts;
      expect(a.status, a.text).toBe(200);
      expect(a.body).toMatchObject({ status: 'RESUMED', attempt, maxAttempts: MAX_ATTEMPTS });
      Object.assign(m, { status: 'RESUMED', attempts: attempt, used: false, retries: m.retries + 1 });
    } else {
      expectRefused(a);
    }
  }
  toString = () => 'resume';
}

class Interrupt implements fc.AsyncCommand<Model, Real> {
  constructor(readonly reason: string) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const a = await post(r.base, r.s, 'interrupt', { reason: this.reason });
    if (isFinal(m)) return expectRefused(a);
    expect(a.status, a.text).toBe(200);
    if (m.status !== 'INTERRUPTED') {
      m.status = m.used && m.attempts >= MAX_ATTEMPTS ? 'FAILED_MAX_RETRIES' : 'INTERRUPTED';
      m.interruptions++;
    }
    expect(a.body).toEqual({ status: m.status, canResume: canResume(m), attempt: m.attempts, maxAttempts: MAX_ATTEMPTS });
  }
  toString = () => `interrupt(${this.reason})`;
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const a = await post(r.base, r.s, 'cancel', { reason: 'user' });
    if (isFinal(m)) return expectRefused(a);
    expect(a.status, a.text).toBe(200);
    expect(a.body).toEqual({ status: 'CANCELLED', reason: 'user' });
    m.status = 'CANCELLED';
  }
  toString = () => 'cancel';
}

const DECLINE_CODES: Partial<Record<CardName, string>> = { declined: 'card_declined', insufficientFunds: 'insufficient_funds', processorError: 'processor_error' };

class Pay implements fc.AsyncCommand<Model, Real> {
  constructor(readonly card: CardName) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const token = await tokenize(r.base, this.card);
    const key = randomUUID();
    const a = await complete(r.base, r.s, token, key);
    if (m.status !== 'INITIATED' && m.status !== 'RESUMED') {
      // INTERRUPTED: resume first; final: nothing more to pay.
      return expectRefused(a);
    }
    m.used = true;
    if (this.card === 'success') {
      expect(a.status, a.text).toBe(200);
      expect(a.body).toMatchObject({ status: 'COMPLETED', paymentId: expect.any(String) });
      m.status = 'COMPLETED';
    } else {
      expect(a.status, a.text).toBe(402);
      expect(a.body.error.code).toBe(DECLINE_CODES[this.card]);
      m.status = m.attempts >= MAX_ATTEMPTS ? 'FAILED_MAX_RETRIES' : 'INTERRUPTED';
      m.interruptions++;
      expect(a.body.error.details).toMatchObject({
        retryable: this.card === 'processorError',
        status: m.status,
        attempt: m.attempts,
        maxAttempts: MAX_ATTEMPTS,
        canResume: canResume(m),
      });
    }
    m.lastComplete = { key, token, status: a.status, body: a.body };
  }
  toString = () => `pay(${this.card})`;
}

class Replay implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.lastComplete !== null;
  async run(m: Model, r: Real) {
    const last = m.lastComplete!;
    const a = await complete(r.base, r.s, last.token, last.key);
    expect(a.status, a.text).toBe(last.status);
    expect(a.body).toEqual(last.body);
    expect(a.headers.get('idempotent-replayed')).toBe('true');
  }
  toString = () => 'replay(last complete)';
}

class Get implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    const s = await getSession(r.base, r.s);
    expect(s).toMatchObject({ status: m.status, attempts: m.attempts, maxAttempts: MAX_ATTEMPTS });
    expect(s.metadata.interruptions).toHaveLength(m.interruptions);
    expect(s.metadata.retries).toHaveLength(m.retries);
    expect('paymentId' in s).toBe(m.status === 'COMPLETED');
  }
  toString = () => 'get';
}

let srv: InProcessServer;

beforeAll(async () => {
  srv = await startInProcess({ MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
});
afterAll(() => srv?.stop());

const resume = fc.constant(new Resume());
const interrupt = fc.constantFrom('timeout', 'network', 'user', 'unload', 'tab-closed').map((reason) => new Interrupt(reason));
const pay = fc.constantFrom<CardName>('success', 'declined', 'declined', 'insufficientFunds', 'processorError').map((card) => new Pay(card));
// Repeated entries weigh the choice: cancel ends a run, so it comes up less often than the commands that move it along.
const commands = [resume, resume, interrupt, interrupt, pay, pay, pay, fc.constant(new Cancel()), fc.constant(new Replay()), fc.constant(new Get())];

it('the session API follows the state machine model', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
      const setup = async () => {
        const s = await createSession(srv.url);
        const model: Model = { status: 'INITIATED', attempts: 1, used: false, interruptions: 0, retries: 0, lastComplete: null };
        return { model, real: { base: srv.url, s } };
      };
      await fc.asyncModelRun(setup, cmds);
    }),
    { numRuns: 40 },
  );
}, 120_000);
