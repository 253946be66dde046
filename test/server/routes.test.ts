/**
 * Every route of docs/API.md, success and failure paths, against an in-process server (real HTTP, real SQLite file).
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  CARDS,
  MERCHANT_KEY,
  VALID_EXPIRY,
  call,
  complete,
  createOrder,
  createSession,
  expectError,
  expectNoLeak,
  getSession,
  ledger,
  pay,
  post,
  tokenize,
  type Answer,
  type Session,
} from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess();
  base = srv.url;
});
afterAll(() => srv?.stop());

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('POST /session/create', () => {
  it('creates a session from the browser with just an orderId, taking amount and currency from the order source', async () => {
    const order = await createOrder(base, [
      { productId: 'prod_mug', quantity: 2 },
      { productId: 'prod_lamp', quantity: 1 },
    ]);
    expect(order.amount).toBe(2 * 1800 + 5900);
    const r = await call(base, 'POST', '/session/create', { body: { orderId: order.orderId, userId: 'user_1' } });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({
      orderId: order.orderId,
      userId: 'user_1',
      status: 'INITIATED',
      amount: order.amount,
      currency: order.currency,
      attempts: 1,
      maxAttempts: 3,
    });
    expect(r.body.sessionId).toMatch(/^cs_/);
    expect(typeof r.body.clientSecret).toBe('string');
    expect(Date.parse(r.body.expiresAt)).toBeGreaterThan(Date.now());
    expect(r.text).not.toContain(sha256(r.body.clientSecret));
  });

  it('lets a merchant backend set amount, currency and metadata', async () => {
    const r = await call(base, 'POST', '/session/create', {
      auth: MERCHANT_KEY,
      body: { orderId: 'merchant-order-1', amount: 12345, currency: 'USD', metadata: { cart: 'c1', items: 3 } },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ orderId: 'merchant-order-1', amount: 12345, currency: 'USD', status: 'INITIATED' });
    // Three capitals, as in an order token: 'usd' is refused, not upper-cased silently (merchant.test.ts has the full rule).
    const lower = await call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, body: { orderId: 'merchant-order-2', amount: 1, currency: 'usd' } });
    expectError(lower, 400, 'validation_error');
    expect(lower.body.error.message).toMatch(/currency: an ISO 4217 code in capitals/);
    const s = await getSession(base, r.body);
    expect(s.amount).toBe(12345);
    expect(JSON.stringify(s)).toContain('"cart":"c1"');
  });

  it('answers 401 to a wrong merchant key', async () => {
    const r = await call(base, 'POST', '/session/create', { auth: 'not-the-merchant-key-000', body: { orderId: 'x', amount: 100, currency: 'EUR' } });
    expectError(r, 401, 'unauthorized');
  });

  it('refuses a browser that tries to set the amount, currency or metadata (400)', async () => {
    const order = await createOrder(base);
    for (const extra of [{ amount: 1 }, { currency: 'USD' }, { metadata: { a: 'b' } }]) {
      const r = await call(base, 'POST', '/session/create', { body: { orderId: order.orderId, ...extra } });
      expectError(r, 400, 'validation_error');
    }
  });

  it('answers 404 order_not_found for an unknown order', async () => {
    expectError(await call(base, 'POST', '/session/create', { body: { orderId: 'ord_doesnotexist' } }), 404, 'order_not_found');
  });

  it('answers 400 to a missing or malformed orderId', async () => {
    expectError(await call(base, 'POST', '/session/create', { body: {} }), 400, 'validation_error');
    expectError(await call(base, 'POST', '/session/create', { body: { orderId: 'a b/c' } }), 400, 'validation_error');
    expectError(await call(base, 'POST', '/session/create', { body: { orderId: 42 } }), 400, 'validation_error');
  });

  it('answers 409 order_already_paid for a paid order, and a second session of that order cannot pay it again', async () => {
    const order = await createOrder(base);
    const first = (await call(base, 'POST', '/session/create', { body: { orderId: order.orderId } })).body as Session;
    const second = (await call(base, 'POST', '/session/create', { body: { orderId: order.orderId } })).body as Session;
    expect((await pay(base, first)).status).toBe(200);

    expectError(await call(base, 'POST', '/session/create', { body: { orderId: order.orderId } }), 409, 'order_already_paid');
    expectError(await pay(base, second), 409, 'order_already_paid');
    expect(await ledger(base, second.sessionId)).toEqual([]);
    expect((await call(base, 'GET', `/api/store/orders/${order.orderId}`)).body.paid).toBe(true);
  });
});

describe('session holder authentication', () => {
  let s: Session;
  beforeAll(async () => {
    s = await createSession(base);
  });

  const routes = (id: string) =>
    [
      ['GET', `/session/${id}`],
      ['GET', `/session/${id}/summary`],
      ['GET', `/session/${id}/events`],
      ['POST', `/session/${id}/resume`],
      ['POST', `/session/${id}/cancel`],
      ['POST', `/session/${id}/interrupt`],
      ['POST', `/session/${id}/complete`],
    ] as const;

  const send = (method: string, path: string, auth?: string) =>
    call(base, method, path, {
      auth,
      key: method === 'POST' ? randomUUID() : undefined,
      body: method === 'POST' ? (path.endsWith('complete') ? { paymentMethod: { token: 'tok_x' } } : { reason: 'user' }) : undefined,
      timeoutMs: 5_000,
    });

  it('answers a wrong secret exactly like a session that does not exist', async () => {
    const otherSecret = (await createSession(base)).clientSecret;
    for (const [method, path] of routes(s.sessionId)) {
      const wrong = await send(method, path, otherSecret);
      const missingSecret = await send(method, path);
      const idx = routes(s.sessionId).findIndex(([m, p]) => m === method && p === path);
      const missingSession = await send(method, routes('cs_' + 'A'.repeat(24))[idx][1], otherSecret);
      const badId = await send(method, routes('nope')[idx][1], otherSecret);
      for (const a of [wrong, missingSecret, missingSession, badId]) {
        expectError(a, 404, 'session_not_found');
        expect(a.text).toBe(missingSession.text);
      }
    }
    // The session was not touched by any of that.
    expect((await getSession(base, s)).status).toBe('INITIATED');
  });

  it('does not accept the client secret in the query string for a mutation', async () => {
    const r = await call(base, 'POST', `/session/${s.sessionId}/interrupt?client_secret=${encodeURIComponent(s.clientSecret)}`, { body: { reason: 'user' } });
    expectError(r, 404, 'session_not_found');
  });

  it('lets the admin token read a session, but not change it', async () => {
    const r = await call(base, 'GET', `/session/${s.sessionId}`, { auth: ADMIN_TOKEN });
    expect(r.status).toBe(200);
    expect(r.body.sessionId).toBe(s.sessionId);
    expectError(await call(base, 'POST', `/session/${s.sessionId}/cancel`, { auth: ADMIN_TOKEN, body: {} }), 404, 'session_not_found');
    expect((await getSession(base, s)).status).toBe('INITIATED');
  });

  it('lets the merchant key read a session but never change it (merchant reads)', async () => {
    expect((await call(base, 'GET', `/session/${s.sessionId}`, { auth: MERCHANT_KEY })).status).toBe(200);
    expectError(await call(base, 'POST', `/session/${s.sessionId}/cancel`, { auth: MERCHANT_KEY, body: {} }), 404, 'session_not_found');
  });
});

describe('GET /session/:id', () => {
  it('returns the session object without the secret, its hash or card data', async () => {
    const s = await createSession(base, { userId: 'u_42' });
    await pay(base, s);
    const r = await call(base, 'GET', `/session/${s.sessionId}`, { auth: s.clientSecret });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      sessionId: s.sessionId,
      orderId: s.orderId,
      userId: 'u_42',
      status: 'COMPLETED',
      amount: 4200,
      currency: 'EUR',
      attempts: 1,
      maxAttempts: 3,
    });
    expect(r.body.paymentId).toMatch(/\S/);
    for (const k of ['createdAt', 'updatedAt', 'expiresAt']) expect(Number.isNaN(Date.parse(r.body[k]))).toBe(false);
    expect(r.body.metadata).toMatchObject({ interruptions: [], retries: [] });
    expect(typeof r.body.metadata.lastActivity).toBe('string');
    expect(r.text).not.toContain(s.clientSecret);
    expect(r.text).not.toContain(sha256(s.clientSecret));
    expect(r.text).not.toContain(CARDS.success);
    expect(r.body).not.toHaveProperty('clientSecret');
  });
});

describe('POST /session/:id/resume, /interrupt, /cancel', () => {
  it('interrupts, resumes and cancels with the contract answers', async () => {
    const s = await createSession(base);
    const i = await post(base, s, 'interrupt', { reason: 'network' });
    expect(i.status, i.text).toBe(200);
    expect(i.body).toEqual({ status: 'INTERRUPTED', canResume: true, attempt: 1, maxAttempts: 3 });

    const r = await post(base, s, 'resume', {});
    expect(r.status, r.text).toBe(200);
    // A network interruption before any charge costs no attempt.
    expect(r.body).toMatchObject({ status: 'RESUMED', attempt: 1, maxAttempts: 3 });
    expect(typeof r.body.message).toBe('string');

    const c = await post(base, s, 'cancel', { reason: 'changed my mind' });
    expect(c.status, c.text).toBe(200);
    expect(c.body).toEqual({ status: 'CANCELLED', reason: 'changed my mind' });
    expect((await getSession(base, s)).status).toBe('CANCELLED');
  });

  it('cancels without a body', async () => {
    const s = await createSession(base);
    const c = await call(base, 'POST', `/session/${s.sessionId}/cancel`, { auth: s.clientSecret });
    expect(c.status, c.text).toBe(200);
    expect(c.body.status).toBe('CANCELLED');
  });

  it('refuses to resume a session that is not interrupted (409 invalid_transition)', async () => {
    const s = await createSession(base);
    expectError(await post(base, s, 'resume'), 409, 'invalid_transition');
  });

  it('an attempt that charged costs one on resume', async () => {
    const s = await createSession(base);
    expect((await pay(base, s, 'declined')).status).toBe(402);
    const r = await post(base, s, 'resume');
    expect(r.body).toMatchObject({ status: 'RESUMED', attempt: 2, maxAttempts: 3 });
  });

  it('answers 400 to an interrupt without a reason', async () => {
    const s = await createSession(base);
    expectError(await post(base, s, 'interrupt', {}), 400, 'validation_error');
    expectError(await post(base, s, 'interrupt', { reason: 7 }), 400, 'validation_error');
  });
});

describe('POST /session/:id/complete', () => {
  it('pays with a token and answers 200 COMPLETED with a paymentId', async () => {
    const s = await createSession(base);
    const r = await pay(base, s);
    expect(r.status, r.text).toBe(200);
    expect(r.body.status).toBe('COMPLETED');
    expect(typeof r.body.processingTimeMs).toBe('number');
    const charges = await ledger(base, s.sessionId);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ chargeId: r.body.paymentId, status: 'succeeded', amount: 4200 });
  });

  it('answers 400 invalid_payment_method to an unknown or already used token, and charges nothing', async () => {
    const s = await createSession(base);
    expectError(await complete(base, s, 'tok_unknown'), 400, 'invalid_payment_method');
    const token = await tokenize(base);
    const other = await createSession(base);
    expect((await complete(base, other, token)).status).toBe(200);
    expectError(await complete(base, s, token), 400, 'invalid_payment_method');
    expect(await ledger(base, s.sessionId)).toEqual([]);
    expect((await getSession(base, s)).status).toBe('INITIATED');
  });

  it('refuses a card number instead of a token', async () => {
    const s = await createSession(base);
    const r = await call(base, 'POST', `/session/${s.sessionId}/complete`, {
      auth: s.clientSecret,
      key: randomUUID(),
      body: { paymentMethod: { number: CARDS.success, expMonth: 12, expYear: 2040, cvc: '123' } },
    });
    expectError(r, 400, 'validation_error');
    expect(r.text).not.toContain(CARDS.success);
  });

  it('refuses to pay an interrupted session before it is resumed (409 invalid_transition)', async () => {
    const s = await createSession(base);
    await post(base, s, 'interrupt', { reason: 'user' });
    expectError(await pay(base, s), 409, 'invalid_transition');
  });
});

describe('GET /session/:id/summary', () => {
  it('reports attempts, interruptions, retries and durations, to the holder and the admin', async () => {
    const s = await createSession(base);
    await post(base, s, 'interrupt', { reason: 'network' });
    await post(base, s, 'resume');
    expect((await pay(base, s, 'declined')).status).toBe(402);
    await post(base, s, 'resume');
    expect((await pay(base, s)).status).toBe(200);

    const a = await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: s.clientSecret });
    expect(a.status, a.text).toBe(200);
    expect(a.body).toMatchObject({ sessionId: s.sessionId, orderId: s.orderId, status: 'COMPLETED', attempts: 2, maxAttempts: 3 });
    expect(a.body.interruptions.map((i: any) => [i.reason, i.attempt])).toEqual([
      ['network', 1],
      ['decline', 1],
    ]);
    expect(a.body.retries.map((r: any) => r.attempt)).toEqual([1, 2]);
    expect(a.body.durationMs).toBeGreaterThanOrEqual(0);
    const end = Date.parse(a.body.finishedAt);
    expect(a.body.durationMs).toBe(end - Date.parse(a.body.createdAt));

    const admin = await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: ADMIN_TOKEN });
    expect(admin.status).toBe(200);
    expect(admin.body).toEqual(a.body);
    expect(a.text).not.toContain(s.clientSecret);
  });

  it('a live session keeps counting its duration', async () => {
    const s = await createSession(base);
    const first = (await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: s.clientSecret })).body.durationMs;
    await new Promise((r) => setTimeout(r, 30));
    const later = (await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: s.clientSecret })).body.durationMs;
    expect(later).toBeGreaterThan(first);
  });
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3 document with every route, and every $ref resolves', async () => {
    const r = await call(base, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    const expected: [string, string][] = [
      ['post', '/session/create'],
      ['get', '/session/{sessionId}'],
      ['post', '/session/{sessionId}/resume'],
      ['post', '/session/{sessionId}/complete'],
      ['post', '/session/{sessionId}/cancel'],
      ['post', '/session/{sessionId}/interrupt'],
      ['get', '/session/{sessionId}/summary'],
      ['get', '/session/{sessionId}/events'],
      ['get', '/sessions/active'],
      ['post', '/test-processor/tokens'],
      ['get', '/test-processor/charges'],
    ];
    for (const [method, path] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();

    for (const [path, item] of Object.entries<any>(doc.paths)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries<any>(item)) {
        if (method === 'servers') continue; // the demo shop's and /healthz's own base
        expect(['get', 'post', 'put', 'patch', 'delete', 'options', 'head']).toContain(method);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
        for (const code of Object.keys(op.responses)) expect(code).toMatch(/^([1-5]\d\d|default)$/);
        const pathParams = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
        expect(pathParams.sort(), `${method} ${path} path parameters`).toEqual([...templated].sort());
      }
    }
    expect(
      doc.paths['/session/{sessionId}/complete'].post.parameters.some((p: any) => p.in === 'header' && /^idempotency-key$/i.test(p.name) && p.required),
    ).toBe(true);

    const refs = [...r.text.matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const target = ref.split('/').reduce<any>((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('test processor', () => {
  const tok = (card: Record<string, unknown>) => call(base, 'POST', '/test-processor/tokens', { body: { card } });
  const good = { number: CARDS.success, ...VALID_EXPIRY, cvc: '123' };

  it('turns card details into a token with brand and last4, never echoing the number', async () => {
    const r = await tok({ ...good, number: '4242 4242 4242 4242' });
    expect(r.status, r.text).toBe(201);
    expect(r.body).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(r.body.token).toMatch(/\S/);
    expect(Date.parse(r.body.expiresAt)).toBeGreaterThan(Date.now());
    expect(r.text).not.toContain(CARDS.success);
  });

  it('answers 400 with a clear code for an invalid number, expiry or CVC', async () => {
    expectError(await tok({ ...good, number: '4242424242424241' }), 400, 'invalid_card_number');
    expectError(await tok({ ...good, number: 'abcd' }), 400, 'invalid_card_number');
    expectError(await tok({ ...good, expMonth: 13 }), 400, 'invalid_expiry');
    expectError(await tok({ ...good, expMonth: 1, expYear: 2020 }), 400, 'invalid_expiry');
    expectError(await tok({ ...good, cvc: '12' }), 400, 'invalid_cvc');
    expectError(await tok({ ...good, cvc: 'abc' }), 400, 'invalid_cvc');
    expectError(await tok({ number: CARDS.success }), 400, 'validation_error');
  });

  it('shows its ledger to the admin only', async () => {
    const s = await createSession(base);
    await pay(base, s);
    expectError(await call(base, 'GET', '/test-processor/charges'), 401, 'unauthorized');
    expectError(await call(base, 'GET', '/test-processor/charges', { auth: s.clientSecret }), 401, 'unauthorized');
    expectError(await call(base, 'GET', '/test-processor/charges', { auth: MERCHANT_KEY }), 401, 'unauthorized');
    const r = await call(base, 'GET', `/test-processor/charges?sessionId=${s.sessionId}`, { auth: ADMIN_TOKEN });
    expect(r.status).toBe(200);
    expect(r.body.charges).toHaveLength(1);
    expect(r.body.charges[0]).toEqual({
      chargeId: expect.any(String),
      sessionId: s.sessionId,
      idempotencyKey: expect.any(String),
      amount: 4200,
      currency: 'EUR',
      status: 'succeeded',
      createdAt: expect.any(String),
    });
    const all = await call(base, 'GET', '/test-processor/charges', { auth: ADMIN_TOKEN });
    expect(all.body.charges.length).toBeGreaterThanOrEqual(1);
  });
});

describe('demo store API', () => {
  it('lists products, creates orders with server-side prices and reports the paid flag', async () => {
    const p = await call(base, 'GET', '/api/store/products');
    expect(p.status).toBe(200);
    expect(p.body.products.length).toBeGreaterThan(0);
    for (const prod of p.body.products)
      expect(prod).toMatchObject({ productId: expect.any(String), name: expect.any(String), price: expect.any(Number), currency: expect.any(String) });

    const [a, b] = p.body.products;
    const o = await call(base, 'POST', '/api/store/orders', {
      body: {
        items: [
          { productId: a.productId, quantity: 3 },
          { productId: b.productId, quantity: 1 },
        ],
      },
    });
    expect(o.status, o.text).toBe(201);
    expect(o.body.amount).toBe(a.price * 3 + b.price);
    expect(o.body.items).toHaveLength(2);

    const g = await call(base, 'GET', `/api/store/orders/${o.body.orderId}`);
    expect(g.status).toBe(200);
    expect(g.body).toMatchObject({ orderId: o.body.orderId, amount: o.body.amount, paid: false });

    const s = (await call(base, 'POST', '/session/create', { body: { orderId: o.body.orderId } })).body as Session;
    expect(s.amount).toBe(o.body.amount);
    expect((await pay(base, s)).status).toBe(200);
    expect((await call(base, 'GET', `/api/store/orders/${o.body.orderId}`)).body.paid).toBe(true);
  });

  it('answers 404 to unknown products and orders, 400 to bad items', async () => {
    expectError(await call(base, 'POST', '/api/store/orders', { body: { items: [{ productId: 'prod_nope', quantity: 1 }] } }), 404, 'product_not_found');
    expectError(await call(base, 'GET', '/api/store/orders/ord_nope'), 404, 'order_not_found');
    expectError(await call(base, 'POST', '/api/store/orders', { body: { items: [] } }), 400, 'validation_error');
    expectError(await call(base, 'POST', '/api/store/orders', { body: { items: [{ productId: 'prod_mug', quantity: 0 }] } }), 400, 'validation_error');
    expectError(await call(base, 'POST', '/api/store/orders', { body: { items: [{ productId: 'prod_mug', quantity: 1.5 }] } }), 400, 'validation_error');
  });
});

describe('/healthz and /metrics', () => {
  it('healthz answers 200 while storage answers', async () => {
    const r = await call(base, 'GET', '/healthz');
    expect(r.status).toBe(200);
  });

  it('exposes the payment metrics in Prometheus text', async () => {
    const s = await createSession(base);
    await post(base, s, 'interrupt', { reason: 'network' });
    await post(base, s, 'resume');
    const key = randomUUID();
    const token = await tokenize(base);
    expect((await complete(base, s, token, key)).status).toBe(200);
    expect((await complete(base, s, token, key)).headers.get('idempotent-replayed')).toBe('true');

    const r = await call(base, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    expect(r.text).toMatch(/^payment_sessions\{status="COMPLETED"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^payment_interruptions_total\{reason="network"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^payment_charge_duration_seconds_count\{outcome="succeeded"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^payment_idempotent_replays_total [1-9]\d*$/m);
  });
});

describe('unknown routes and methods', () => {
  it('never serves files outside the client bundle', async () => {
    for (const path of [
      '/demo/..%2f..%2fpackage.json',
      '/demo/%2e%2e/%2e%2e/package.json',
      '/demo/..%5c..%5cpackage.json',
      '/demo/assets/..%2f..%2f..%2fserver%2fmain.ts',
    ]) {
      const r = await fetch(`${base}${path}`);
      const text = await r.text();
      expect(r.status, path).toBe(404);
      expect(text).not.toMatch(/"dependencies"|listening on/);
    }
  });

  it('answers 404 not_found with the error shape', async () => {
    expectError(await call(base, 'GET', '/api/payments/nope'), 404, 'not_found');
    expectError(await call(base, 'DELETE', '/api/payments/session/create'), 404, 'not_found');
  });
});

describe('GET /sessions/active', () => {
  let own: InProcessServer;
  let ob: string;
  const made: Session[] = [];
  beforeAll(async () => {
    own = await startInProcess();
    ob = own.url;
    for (let i = 0; i < 7; i++) made.push(await createSession(ob));
    await post(ob, made[0], 'cancel');
    await post(ob, made[1], 'interrupt', { reason: 'user' });
    expect((await pay(ob, made[2])).status).toBe(200);
  });
  afterAll(() => own?.stop());

  const list = (q: string, auth: string | null = ADMIN_TOKEN): Promise<Answer> => call(ob, 'GET', `/sessions/active${q}`, { auth: auth ?? undefined });

  it('needs the admin token (401)', async () => {
    expectError(await list('', null), 401, 'unauthorized');
    expectError(await list('', 'wrong-token-wrong-token'), 401, 'unauthorized');
    expectError(await list('', made[3].clientSecret), 401, 'unauthorized');
    expectError(await list('', MERCHANT_KEY), 401, 'unauthorized');
  });

  it('lists the active sessions by default, and filters by status', async () => {
    const active = await list('');
    expect(active.status).toBe(200);
    expect(active.body.total).toBe(5);
    expect(new Set(active.body.sessions.map((s: any) => s.status))).toEqual(new Set(['INITIATED', 'INTERRUPTED']));
    for (const s of active.body.sessions) expect(JSON.stringify(s)).not.toMatch(/secret/i);

    const interrupted = await list('?status=INTERRUPTED');
    expect(interrupted.body.sessions.map((s: any) => s.sessionId)).toEqual([made[1].sessionId]);
    expect(interrupted.body.total).toBe(1);

    const finals = await list('?status=COMPLETED,CANCELLED');
    expect(finals.body.sessions.map((s: any) => s.sessionId).sort()).toEqual([made[0].sessionId, made[2].sessionId].sort());

    expect((await list('?status=all')).body.total).toBe(7);
    expectError(await list('?status=BOGUS'), 400, 'validation_error');
  });

  it('keeps limit at most 500', async () => {
    expect((await list('?limit=500')).status).toBe(200);
    expectError(await list('?limit=501'), 400, 'validation_error');
    expectError(await list('?limit=0'), 400, 'validation_error');
    expectError(await list('?limit=abc'), 400, 'validation_error');
  });

  it('pages with a cursor over more than one page, newest first, each session once, with the total', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: Answer = await list(`?status=all&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.total).toBe(7);
      expect(r.body.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.sessions.map((s: any) => s.sessionId));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBe(7);
    expect(new Set(seen)).toEqual(new Set(made.map((s) => s.sessionId)));
    const full = (await list('?status=all&limit=500')).body.sessions.map((s: any) => s.sessionId);
    expect(seen).toEqual(full);
    const created = (await list('?status=all&limit=500')).body.sessions.map((s: any) => Date.parse(s.createdAt));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('stats (admin only) count sessions by status and interruptions by reason', async () => {
    expectError(await call(ob, 'GET', '/sessions/stats', { auth: made[3].clientSecret }), 401, 'unauthorized');
    const r = await call(ob, 'GET', '/sessions/stats', { auth: ADMIN_TOKEN });
    expect(r.status).toBe(200);
    expect(r.body.counts).toMatchObject({ INITIATED: 4, INTERRUPTED: 1, COMPLETED: 1, CANCELLED: 1 });
    expect(r.body.interruptionsByReason).toEqual({ user: 1 });
    expect(r.body.outcomes.reduce((n: number, o: { completed: number }) => n + o.completed, 0)).toBe(1);
  });

  it('stats count any reason a client names, Object.prototype names included (toString gave a string count)', async () => {
    for (const reason of ['toString', '__proto__', 'constructor']) {
      const s = await createSession(ob);
      expect((await post(ob, s, 'interrupt', { reason })).status).toBe(200);
    }
    const r = await call(ob, 'GET', '/sessions/stats', { auth: ADMIN_TOKEN });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).interruptionsByReason).toEqual(JSON.parse('{"user":1,"toString":1,"__proto__":1,"constructor":1}'));
  });

  it('answers 400 invalid_cursor to a forged cursor', async () => {
    expectError(await list('?cursor=not-a-cursor'), 400, 'invalid_cursor');
    expectError(await list(`?cursor=${Buffer.from('1.../etc').toString('base64url')}`), 400, 'invalid_cursor');
  });
});

describe('responses never leak', () => {
  it('error answers carry no stack trace', async () => {
    const answers = [
      await call(base, 'POST', '/session/create', { rawBody: '{"orderId":', headers: { 'content-type': 'application/json' } }),
      await call(base, 'POST', '/session/create', { rawBody: 'orderId=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ];
    expectError(answers[0], 400, 'invalid_json');
    expectError(answers[1], 415, 'unsupported_media_type');
    for (const a of answers) expectNoLeak(a.text);
  });
});

describe('CORS', () => {
  let own: InProcessServer;
  beforeAll(async () => {
    own = await startInProcess({ ALLOWED_ORIGINS: 'https://shop.example, https://other.example' });
  });
  afterAll(() => own?.stop());

  const preflight = (origin: string) =>
    fetch(`${own.url}/api/payments/session/create`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, idempotency-key, authorization' },
    });

  it('allows the listed origins and the server’s own, with the headers the widget sends', async () => {
    for (const origin of ['https://shop.example', 'https://other.example', own.url]) {
      const r = await preflight(origin);
      expect(r.status).toBeLessThan(300);
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');
    }
    const actual = await fetch(`${own.url}/api/payments/openapi.json`, { headers: { origin: 'https://shop.example' } });
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(actual.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('idempotent-replayed');
  });

  it('does not allow other origins', async () => {
    const r = await preflight('https://evil.example');
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});
