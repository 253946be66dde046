import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../app.js';
import { linkCharge, settleByCharge } from '../../domain/idempotency.js';
import { AppError } from '../../errors.js';
import { createLogger } from '../../log.js';
import type { KyselyStore } from '../../store/kysely-store.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { idempotency, type IdempotencyOptions, storeUnderKey } from './index.js';

const LEASE_MS = 1_000;
let store: KyselyStore;
let clock: number;
let runs: number;

beforeEach(async () => {
  store = await openSqliteStore({ path: ':memory:' });
  clock = 1_000_000;
  runs = 0;
});

afterEach(() => store.close());

/** POST /pay answers `{ run, body }` (201); `/slow` waits for `release`; `/bad` is 409; `/pending` waits on charge `ch_1`. */
function app(opts: Partial<IdempotencyOptions> = {}) {
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  const a = new Hono();
  a.use(
    '/*',
    idempotency({ store, required: false, scope: (c) => c.req.header('X-Caller') ?? 'a', ttlMs: 60_000, leaseMs: LEASE_MS, now: () => clock, ...opts }),
  );
  a.post('/pay', async (c) => c.json({ run: ++runs, body: await c.req.json() }, 201));
  a.post('/slow', async (c) => {
    runs++;
    await held;
    return c.json({ ok: true });
  });
  a.post('/bad', () => {
    runs++;
    throw new AppError('payment_in_progress');
  });
  a.post('/pending', async (c) => {
    runs++;
    await linkCharge(store, c.get('idempotency')!, 'ch_1');
    return c.json({ status: 'PROCESSING' }, 202);
  });
  // A route that knows its answer: a charge it started settles within the request and stores the answer itself.
  a.post('/settled', async (c) => {
    runs++;
    await linkCharge(store, c.get('idempotency')!, 'ch_2');
    await settleByCharge(store, 'ch_2', { status: 200, body: { paymentId: 'pay_2' } });
    storeUnderKey(c, null);
    return c.json({ paymentId: 'pay_2' });
  });
  a.post('/given', (c) => {
    runs++;
    storeUnderKey(c, { status: 200, body: { given: true } });
    return c.json({ given: true });
  });
  a.onError((err, c) => errorResponse(err, c, createLogger('silent')));
  return { request: a.request.bind(a), release };
}

const post = (body: unknown, key?: string, caller?: string): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}), ...(caller ? { 'X-Caller': caller } : {}) },
});

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
}

describe('idempotency', () => {
  describe('replay', () => {
    it('should give the same status and body again with Idempotent-Replayed: true, running once', async () => {
      const a = app();
      const first = await a.request('/pay', post({ amount: 1 }, 'k1'));
      expect(first.status).toBe(201);
      expect(first.headers.get('Idempotent-Replayed')).toBeNull();
      const again = await a.request('/pay', post({ amount: 1 }, 'k1'));
      expect(again.status).toBe(201);
      expect(again.headers.get('Idempotent-Replayed')).toBe('true');
      expect(await again.json()).toEqual(await first.json());
      expect(runs).toBe(1);
    });

    it('should run every request without a key (the key is optional here)', async () => {
      const a = app();
      await a.request('/pay', post({}));
      await a.request('/pay', post({}));
      expect(runs).toBe(2);
    });

    it('should keep keys of different callers apart', async () => {
      const a = app();
      await a.request('/pay', post({}, 'k1', 'alice'));
      const bob = await a.request('/pay', post({}, 'k1', 'bob'));
      expect(bob.headers.get('Idempotent-Replayed')).toBeNull();
      expect(runs).toBe(2);
    });

    it('should run again when the stored answer cannot be given again (replayAs: null)', async () => {
      const a = app({ replayAs: async () => null });
      await a.request('/pay', post({}, 'k1'));
      const again = await a.request('/pay', post({}, 'k1'));
      expect(again.headers.get('Idempotent-Replayed')).toBeNull();
      expect(runs).toBe(2);
    });
  });

  describe('refusals', () => {
    it('should return 422 idempotency_key_reused for the same key with another body', async () => {
      const a = app();
      await a.request('/pay', post({ amount: 1 }, 'k1'));
      await expectError(await a.request('/pay', post({ amount: 2 }, 'k1')), 422, 'idempotency_key_reused');
      expect(runs).toBe(1);
    });

    it('should return 400 invalid_idempotency_key for a malformed key, and 400 idempotency_key_required when required', async () => {
      await expectError(await app().request('/pay', post({}, 'has space')), 400, 'invalid_idempotency_key');
      await expectError(await app({ required: true }).request('/pay', post({})), 400, 'idempotency_key_required');
      expect(runs).toBe(0);
    });
  });

  describe('concurrency', () => {
    it('should let one of many concurrent requests with one key run; the others get 409 idempotency_key_in_flight', async () => {
      const a = app();
      const first = a.request('/slow', post({}, 'k1'));
      await new Promise((r) => setTimeout(r, 20));
      const others = await Promise.all([1, 2, 3].map(() => a.request('/slow', post({}, 'k1'))));
      for (const r of others) await expectError(r, 409, 'idempotency_key_in_flight');
      a.release();
      expect((await first).status).toBe(200);
      expect((await a.request('/slow', post({}, 'k1'))).headers.get('Idempotent-Replayed')).toBe('true');
      expect(runs).toBe(1);
    });

    it('should let a retry take over the key of a request whose lease ran out (its holder died)', async () => {
      const a = app();
      void a.request('/slow', post({}, 'k1')); // never finishes: the process holding the key "died"
      await new Promise((r) => setTimeout(r, 20));
      clock += LEASE_MS + 1;
      const b = app();
      const retry = b.request('/slow', post({}, 'k1'));
      b.release();
      expect((await retry).status).toBe(200);
      expect(runs).toBe(2);
    });
  });

  describe('what is stored', () => {
    it('should release the key on an answer decided before the operation ran, so a retry runs', async () => {
      const a = app();
      await expectError(await a.request('/bad', post({}, 'k1')), 409, 'payment_in_progress');
      await expectError(await a.request('/bad', post({}, 'k1')), 409, 'payment_in_progress');
      expect(runs).toBe(2);
      expect(await store.idempotency.get('a', 'k1')).toBeUndefined();
    });

    it('should replay a 202 as PROCESSING until its charge settles, then the final answer', async () => {
      const a = app();
      expect((await a.request('/pending', post({}, 'k1'))).status).toBe(202);
      const waiting = await a.request('/pending', post({}, 'k1'));
      expect(waiting.status).toBe(202);
      expect(waiting.headers.get('Idempotent-Replayed')).toBe('true');
      expect(await waiting.json()).toEqual({ status: 'PROCESSING' });
      await settleByCharge(store, 'ch_1', { status: 200, body: { status: 'COMPLETED', paymentId: 'pay_1' } });
      const final = await a.request('/pending', post({}, 'k1'));
      expect(final.status).toBe(200);
      expect(await final.json()).toEqual({ status: 'COMPLETED', paymentId: 'pay_1' });
      expect(runs).toBe(1);
    });

    it("should leave the answer a charge's settlement stored under the key (storeUnderKey null)", async () => {
      const a = app();
      expect((await a.request('/settled', post({}, 'k1'))).status).toBe(200);
      expect(await store.idempotency.get('a', 'k1')).toMatchObject({ state: 'done', statusCode: 200, responseBody: '{"paymentId":"pay_2"}' });
      const again = await a.request('/settled', post({}, 'k1'));
      expect(again.headers.get('Idempotent-Replayed')).toBe('true');
      expect(await again.json()).toEqual({ paymentId: 'pay_2' });
      expect(runs).toBe(1);
    });

    it('should store the answer the route names (storeUnderKey) without reading the response back', async () => {
      await app().request('/given', post({}, 'k1'));
      expect(await store.idempotency.get('a', 'k1')).toMatchObject({ state: 'done', statusCode: 200, responseBody: '{"given":true}' });
    });

    it('should store what storeAs keeps of the answer', async () => {
      const a = app({ storeAs: (body) => JSON.stringify({ ...JSON.parse(body), run: 'kept' }) });
      await a.request('/pay', post({}, 'k1'));
      expect((await store.idempotency.get('a', 'k1'))?.responseBody).toBe('{"run":"kept","body":{}}');
    });
  });
});
