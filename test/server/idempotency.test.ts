/**
 * Idempotency-Key semantics (docs/API.md "Idempotency", ARCHITECTURE "Idempotency"): replays, 422 on another body,
 * 409 while in flight, what is and is not stored, and keys that never cross sessions or callers.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CARDS,
  MERCHANT_KEY,
  VALID_EXPIRY,
  call,
  complete,
  createOrder,
  createSession,
  expectError,
  getSession,
  ledger,
  post,
  succeeded,
  tokenize,
  waitFor,
  waitForStatus,
} from './helpers/api.js';
import { SHORT_PAYMENT_TIMEOUT_MS, startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  // A short processor timeout so the slow card (6975) keeps a request in flight for a moment, then answers 202.
  srv = await startInProcess({ PAYMENT_TIMEOUT_MS: SHORT_PAYMENT_TIMEOUT_MS, RECONCILE_INTERVAL_MS: '200' });
  base = srv.url;
});
afterAll(() => srv?.stop());

describe('replays', () => {
  it('the same key and body returns the stored 200 with Idempotent-Replayed: true, and charges once', async () => {
    const s = await createSession(base);
    const token = await tokenize(base);
    const key = randomUUID();
    const first = await complete(base, s, token, key);
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await complete(base, s, token, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await ledger(base, s.sessionId)).toHaveLength(1);
  });

  it('replays a 402 decline without a second charge or a second interruption', async () => {
    const s = await createSession(base);
    const token = await tokenize(base, 'declined');
    const key = randomUUID();
    const first = await complete(base, s, token, key);
    expectError(first, 402, 'card_declined');

    const again = await complete(base, s, token, key);
    expect(again.status).toBe(402);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const now = await getSession(base, s);
    expect(now).toMatchObject({ status: 'INTERRUPTED', attempts: 1 });
    expect(now.metadata.interruptions).toHaveLength(1);
    expect(await ledger(base, s.sessionId)).toHaveLength(1);
  });

  it('replays the outcome of create, cancel and interrupt, even once the session has moved on', async () => {
    const order = await createOrder(base);
    const createKey = randomUUID();
    const c1 = await call(base, 'POST', '/session/create', { body: { orderId: order.orderId }, key: createKey });
    const c2 = await call(base, 'POST', '/session/create', { body: { orderId: order.orderId }, key: createKey });
    expect(c1.status).toBe(201);
    expect(c2.status).toBe(201);
    expect(c2.headers.get('idempotent-replayed')).toBe('true');
    expect(c2.body.sessionId).toBe(c1.body.sessionId);
    const s = c1.body;

    const interruptKey = randomUUID();
    const i1 = await post(base, s, 'interrupt', { reason: 'network' }, interruptKey);
    expect(i1.body.status).toBe('INTERRUPTED');

    const cancelKey = randomUUID();
    const x1 = await post(base, s, 'cancel', { reason: 'user' }, cancelKey);
    expect(x1.status).toBe(200);
    // Now CANCELLED: a fresh request would be 409, the replays still give the stored outcomes.
    const x2 = await post(base, s, 'cancel', { reason: 'user' }, cancelKey);
    expect(x2.status).toBe(200);
    expect(x2.headers.get('idempotent-replayed')).toBe('true');
    expect(x2.body).toEqual(x1.body);
    const i2 = await post(base, s, 'interrupt', { reason: 'network' }, interruptKey);
    expect(i2.status).toBe(200);
    expect(i2.body).toEqual(i1.body);
    expectError(await post(base, s, 'cancel', { reason: 'user' }, randomUUID()), 409, 'invalid_transition');
  });
});

describe('misuse of a key', () => {
  it('the same key with a different body is 422 idempotency_key_reused', async () => {
    const s = await createSession(base);
    const key = randomUUID();
    expect((await complete(base, s, await tokenize(base), key)).status).toBe(200);
    expectError(await complete(base, s, await tokenize(base), key), 422, 'idempotency_key_reused');
    expect(await ledger(base, s.sessionId)).toHaveLength(1);

    const createKey = randomUUID();
    expect(
      (await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, key: createKey, body: { orderId: 'o-422', amount: 100, currency: 'EUR' } })).status,
    ).toBe(201);
    expectError(
      await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, key: createKey, body: { orderId: 'o-422', amount: 200, currency: 'EUR' } }),
      422,
      'idempotency_key_reused',
    );
  });

  it('rejects a malformed key with 400 invalid_idempotency_key, on every POST', async () => {
    const s = await createSession(base);
    const token = await tokenize(base);
    for (const key of ['', 'has space', 'a/b', 'x'.repeat(256), 'semi;colon', '{json}']) {
      expectError(await complete(base, s, token, key), 400, 'invalid_idempotency_key');
      expectError(await post(base, s, 'interrupt', { reason: 'user' }, key), 400, 'invalid_idempotency_key');
      expectError(
        await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, key, body: { orderId: 'o', amount: 1, currency: 'EUR' } }),
        400,
        'invalid_idempotency_key',
      );
    }
    // The longest and most varied valid key is accepted.
    expect((await complete(base, s, token, 'A-z_0.9:' + 'k'.repeat(247))).status).toBe(200);
    expect((await getSession(base, s)).status).toBe('COMPLETED');
  });

  it('/complete without a key is 400 idempotency_key_required and charges nothing', async () => {
    const s = await createSession(base);
    const r = await call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, body: { paymentMethod: { token: await tokenize(base) } } });
    expectError(r, 400, 'idempotency_key_required');
    expect(await ledger(base, s.sessionId)).toEqual([]);
    expect((await getSession(base, s)).status).toBe('INITIATED');
  });
});

describe('the quoted form "abc" (IETF draft) is the key abc', () => {
  const quoted = (key: string) => `"${key}"`;

  it('is accepted on every POST, and the quoted and bare forms are one key (replayed, one charge, one session)', async () => {
    // complete: quoted first, bare replays it; the other way round too.
    const s = await createSession(base);
    const token = await tokenize(base);
    const key = randomUUID();
    const first = await complete(base, s, token, quoted(key));
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const bare = await complete(base, s, token, key);
    expect(bare.status, bare.text).toBe(200);
    expect(bare.headers.get('idempotent-replayed')).toBe('true');
    expect(bare.body).toEqual(first.body);
    expect(await ledger(base, s.sessionId)).toHaveLength(1);

    // create from the browser (the unguessable-key rule reads the unquoted key) and from the merchant.
    const order = await createOrder(base);
    const createKey = randomUUID();
    const c1 = await call(base, 'POST', '/session/create', { body: { orderId: order.orderId }, key: quoted(createKey) });
    expect(c1.status, c1.text).toBe(201);
    const c2 = await call(base, 'POST', '/session/create', { body: { orderId: order.orderId }, key: createKey });
    expect(c2.status, c2.text).toBe(201);
    expect(c2.headers.get('idempotent-replayed')).toBe('true');
    expect(c2.body.sessionId).toBe(c1.body.sessionId);
    const merchantKey = randomUUID();
    const m = { orderId: `ord_${randomUUID()}`, amount: 100, currency: 'EUR' };
    const m1 = await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, key: merchantKey, body: m });
    const m2 = await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, key: quoted(merchantKey), body: m });
    expect([m1.status, m2.status]).toEqual([201, 201]);
    expect(m2.headers.get('idempotent-replayed')).toBe('true');
    expect(m2.body.sessionId).toBe(m1.body.sessionId);

    // interrupt and cancel.
    const t = await createSession(base);
    const interruptKey = randomUUID();
    const i1 = await post(base, t, 'interrupt', { reason: 'user' }, quoted(interruptKey));
    expect(i1.status, i1.text).toBe(200);
    const i2 = await post(base, t, 'interrupt', { reason: 'user' }, interruptKey);
    expect(i2.headers.get('idempotent-replayed')).toBe('true');
    const cancelKey = randomUUID();
    const k1 = await post(base, t, 'cancel', { reason: 'changed mind' }, quoted(cancelKey));
    expect(k1.status, k1.text).toBe(200);
    const k2 = await post(base, t, 'cancel', { reason: 'changed mind' }, cancelKey);
    expect(k2.headers.get('idempotent-replayed')).toBe('true');
    expect((await getSession(base, t)).metadata.interruptions).toHaveLength(1);

    // the test processor's tokens.
    const tokenKey = randomUUID();
    const card = { card: { number: CARDS.success, ...VALID_EXPIRY, cvc: '123' } };
    const t1 = await call(base, 'POST', '/test-processor/tokens', { body: card, key: quoted(tokenKey) });
    expect(t1.status, t1.text).toBe(201);
    const t2 = await call(base, 'POST', '/test-processor/tokens', { body: card, key: tokenKey });
    expect(t2.status, t2.text).toBe(201);
    expect(t2.headers.get('idempotent-replayed')).toBe('true');
    expect(t2.body.token).toBe(t1.body.token);
  });

  it('a malformed quoted form is still 400 invalid_idempotency_key', async () => {
    const s = await createSession(base);
    const token = await tokenize(base);
    const uuid = randomUUID();
    for (const key of [`"${uuid}`, `${uuid}"`, '""', '"', `"${uuid}"${uuid}"`, `""${uuid}""`, `" ${uuid}"`, `"${'x'.repeat(256)}"`]) {
      expectError(await complete(base, s, token, key), 400, 'invalid_idempotency_key');
      expectError(await post(base, s, 'interrupt', { reason: 'user' }, key), 400, 'invalid_idempotency_key');
      expectError(await call(base, 'POST', '/session/create', { key, body: { orderId: 'ord_x' } }), 400, 'invalid_idempotency_key');
      expectError(
        await call(base, 'POST', '/test-processor/tokens', { key, body: { card: { number: CARDS.success, ...VALID_EXPIRY, cvc: '123' } } }),
        400,
        'invalid_idempotency_key',
      );
    }
    expect(await ledger(base, s.sessionId)).toEqual([]);
  });
});

describe('answers decided before the operation are not stored', () => {
  it('a 400 (bad body, bad token) leaves the key free for the corrected retry', async () => {
    const s = await createSession(base);
    const key = randomUUID();
    const bad = await call(base, 'POST', `/session/${s.sessionId}/complete`, { auth: s.clientSecret, key, body: { paymentMethod: {} } });
    expectError(bad, 400, 'validation_error');
    expectError(await complete(base, s, 'tok_not_a_token', key), 400, 'invalid_payment_method');
    const ok = await complete(base, s, await tokenize(base), key);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a 404 (wrong secret) and a 409 (not resumed yet) leave the key free too', async () => {
    const s = await createSession(base);
    const token = await tokenize(base);
    const key = randomUUID();
    expectError(await complete(base, { ...s, clientSecret: 'wrong' }, token, key), 404, 'session_not_found');
    await post(base, s, 'interrupt', { reason: 'user' });
    expectError(await complete(base, s, token, key), 409, 'invalid_transition');
    await post(base, s, 'resume');
    const ok = await complete(base, s, token, key);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a 404 order_not_found on create leaves the key free', async () => {
    const key = randomUUID();
    expectError(await call(base, 'POST', '/session/create', { key, body: { orderId: 'ord_missing' } }), 404, 'order_not_found');
    const order = await createOrder(base);
    const r = await call(base, 'POST', '/session/create', { key, body: { orderId: order.orderId } });
    expect(r.status, r.text).toBe(201);
  });
});

describe('scopes', () => {
  it('the same key on two sessions never returns one session’s answer to the other', async () => {
    const a = await createSession(base);
    const b = await createSession(base);
    const key = randomUUID();
    const ra = await complete(base, a, await tokenize(base), key);
    const rb = await complete(base, b, await tokenize(base, 'declined'), key);
    expect(ra.status).toBe(200);
    expectError(rb, 402, 'card_declined');
    expect(rb.headers.get('idempotent-replayed')).toBeNull();
    expect(succeeded(await ledger(base, a.sessionId))).toHaveLength(1);
    expect(await ledger(base, b.sessionId)).toHaveLength(1);
    expect(succeeded(await ledger(base, b.sessionId))).toHaveLength(0);
  });

  it('the same key and body for create from a browser and from the merchant makes two sessions', async () => {
    const order = await createOrder(base);
    const key = randomUUID();
    const pub = await call(base, 'POST', '/session/create', { key, body: { orderId: order.orderId } });
    const mer = await call(base, 'POST', '/session/create', { key, auth: MERCHANT_KEY, body: { orderId: order.orderId } });
    expect(pub.status).toBe(201);
    expect(mer.status).toBe(201);
    expect(mer.headers.get('idempotent-replayed')).toBeNull();
    expect(mer.body.sessionId).not.toBe(pub.body.sessionId);
    expect(mer.body.clientSecret).not.toBe(pub.body.clientSecret);
  });
});

describe('a request still in flight', () => {
  it('409 idempotency_key_in_flight while it runs; 202 PROCESSING; then the same key replays the final 200', async () => {
    const s = await createSession(base);
    const token = await tokenize(base, 'slow');
    const key = randomUUID();
    const first = complete(base, s, token, key);
    await waitForStatus(base, s, 'PROCESSING');

    expectError(await complete(base, s, token, key), 409, 'idempotency_key_in_flight');
    const answer = await first;
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body).toEqual({ status: 'PROCESSING' });

    const final = await waitFor(
      () => complete(base, s, token, key),
      (r) => r.status !== 202,
      10_000,
      'final answer',
    );
    expect(final.status, final.text).toBe(200);
    expect(final.headers.get('idempotent-replayed')).toBe('true');
    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(1);
    expect(final.body).toMatchObject({ status: 'COMPLETED', paymentId: charges[0].chargeId });
    expect((await getSession(base, s)).status).toBe('COMPLETED');
  });

  it('409 idempotency_key_in_flight for a duplicate while the first waits on an earlier charge, before it starts its own', async () => {
    // The key is the first request's from its first moment: a duplicate never runs beside it (it could answer otherwise).
    const s = await createSession(base);
    const slow = complete(base, s, await tokenize(base, 'slow'), randomUUID());
    await waitForStatus(base, s, 'PROCESSING');
    const token = await tokenize(base);
    const key = randomUUID();
    const first = complete(base, s, token, key); // waits for the slow charge to settle
    await new Promise((resolve) => setTimeout(resolve, 300));

    expectError(await complete(base, s, token, key), 409, 'idempotency_key_in_flight');
    const answer = await first;
    await slow;
    const again = await complete(base, s, token, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect({ status: again.status, body: again.body }).toEqual({ status: answer.status, body: answer.body });
    expect(await ledger(base, s.sessionId)).toHaveLength(1);
  });
});
