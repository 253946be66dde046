/**
 * Merchant integration, over real HTTP on both engines (SQLite file, PostgreSQL schema): the merchant key reads any
 * session and lists an order's sessions (the server-side "is it paid?" check), and signed orders (HS256 order tokens)
 * price a session from the token alone and are paid at most once across their sessions.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { ENGINES, PG_URL, dropSchema, newSchemaName, pgRestartGuard, requirePostgres, type Engine } from '../store/engines.js';
import { ADMIN_TOKEN, MERCHANT_KEY, call, complete, createOrder, createSession, expectError, ledger, pay, tokenize } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';

const SECRET = 'order-signing-secret-for-tests-0123456789';
const key = new TextEncoder().encode(SECRET);

function sign(claims: Record<string, unknown>, opts: { exp?: number | null; secret?: Uint8Array; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256' });
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(opts.secret ?? key);
}
const order = (over: Record<string, unknown> = {}) => ({ orderId: `ord_${randomUUID()}`, amount: 3150, currency: 'EUR', ...over });
const createWith = (base: string, body: unknown, auth?: string) => call(base, 'POST', '/session/create', { body, auth });

for (const engine of ENGINES) {
  describe(engine, () => {
    if (engine === 'postgres' && !requirePostgres()) return;
    suite(engine);
  });
}

function suite(engine: Engine) {
  let srv: InProcessServer;
  let base: string;
  let schema: string;
  let release: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const env: Record<string, string> = { ORDER_SIGNING_SECRET: SECRET };
    if (engine === 'postgres') {
      release = await pgRestartGuard();
      schema = newSchemaName();
      Object.assign(env, { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema });
    }
    srv = await startInProcess(env);
    base = srv.url;
  });
  afterAll(async () => {
    await srv?.stop();
    if (engine === 'postgres') {
      await dropSchema(schema);
      await release?.();
    }
  });

  describe('merchant reads', () => {
    it("reads a shopper's session and its summary with the merchant key, never the secret", async () => {
      const o = await createOrder(base);
      const s = (await createWith(base, { orderId: o.orderId })).body;
      const got = await call(base, 'GET', `/session/${s.sessionId}`, { auth: MERCHANT_KEY });
      expect(got.status, got.text).toBe(200);
      expect(got.body).toMatchObject({ sessionId: s.sessionId, orderId: o.orderId, amount: o.amount, status: 'INITIATED' });
      expect(got.text).not.toContain(s.clientSecret);
      const summary = await call(base, 'GET', `/session/${s.sessionId}/summary`, { auth: MERCHANT_KEY });
      expect(summary.status).toBe(200);
      expect(summary.body).toMatchObject({ sessionId: s.sessionId, orderId: o.orderId });
    });

    it("lists an order's sessions newest first, and shows which one paid", async () => {
      const orderId = `ord_${randomUUID()}`;
      const first = await createSession(base, { orderId });
      const second = await createSession(base, { orderId });
      await createSession(base); // another order
      expect((await pay(base, second)).status).toBe(200);
      const r = await call(base, 'GET', `/sessions?orderId=${orderId}`, { auth: MERCHANT_KEY });
      expect(r.status, r.text).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.body.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([second.sessionId, first.sessionId]);
      expect(r.body.sessions[0]).toMatchObject({ status: 'COMPLETED', amount: 4200, currency: 'EUR' });
      expect(r.body.sessions[0].paymentId).toBeTruthy();
      expect(r.text).not.toContain(first.clientSecret);
      // The admin token reads it too; an unknown order has no sessions.
      expect((await call(base, 'GET', `/sessions?orderId=${orderId}`, { auth: ADMIN_TOKEN })).body.sessions).toHaveLength(2);
      expect((await call(base, 'GET', `/sessions?orderId=ord_nobody`, { auth: MERCHANT_KEY })).body).toEqual({ sessions: [] });
    });

    it('bounds the listing (limit ≤ 100) and validates orderId', async () => {
      const orderId = `ord_${randomUUID()}`;
      for (let i = 0; i < 3; i++) await createSession(base, { orderId });
      expect((await call(base, 'GET', `/sessions?orderId=${orderId}&limit=2`, { auth: MERCHANT_KEY })).body.sessions).toHaveLength(2);
      expectError(await call(base, 'GET', `/sessions?orderId=${orderId}&limit=101`, { auth: MERCHANT_KEY }), 400, 'validation_error');
      expectError(await call(base, 'GET', '/sessions', { auth: MERCHANT_KEY }), 400, 'validation_error');
      expectError(await call(base, 'GET', `/sessions?orderId=${encodeURIComponent('a b')}`, { auth: MERCHANT_KEY }), 400, 'validation_error');
      expectError(await call(base, 'GET', `/sessions?orderId=${'x'.repeat(200)}`, { auth: MERCHANT_KEY }), 400, 'validation_error');
    });

    it('needs the merchant key in the Authorization header: anything else is refused', async () => {
      const s = await createSession(base);
      expectError(await call(base, 'GET', `/sessions?orderId=${s.orderId}`), 401, 'unauthorized');
      expectError(await call(base, 'GET', `/sessions?orderId=${s.orderId}`, { auth: s.clientSecret }), 401, 'unauthorized');
      expectError(await call(base, 'GET', `/sessions?orderId=${s.orderId}`, { auth: `${MERCHANT_KEY}x` }), 401, 'unauthorized');
      // Not in the query string, and read-only: the key neither streams nor changes a session.
      expectError(await call(base, 'GET', `/session/${s.sessionId}?client_secret=${MERCHANT_KEY}`), 404, 'session_not_found');
      expectError(await call(base, 'GET', `/session/${s.sessionId}/events`, { auth: MERCHANT_KEY }), 404, 'session_not_found');
      expectError(await call(base, 'POST', `/session/${s.sessionId}/cancel`, { auth: MERCHANT_KEY, body: {} }), 404, 'session_not_found');
      expectError(await call(base, 'GET', `/session/cs_${'0'.repeat(24)}`, { auth: MERCHANT_KEY }), 404, 'session_not_found');
    });

    it('is in the OpenAPI document', async () => {
      const doc = (await call(base, 'GET', '/openapi.json')).body;
      expect(doc.paths['/sessions'].get.parameters.map((p: { name: string }) => p.name)).toContain('orderId');
      expect(doc.components.securitySchemes.merchantKey).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.schemas.CreateSession.properties.orderToken).toBeTruthy();
    });
  });

  describe('signed orders', () => {
    it('creates a session priced by the verified token alone', async () => {
      const o = order({ metadata: { cart: 'c_1' } });
      const r = await createWith(base, { orderToken: await sign(o), userId: 'u_1' });
      expect(r.status, r.text).toBe(201);
      expect(r.body).toMatchObject({
        orderId: o.orderId,
        amount: 3150,
        currency: 'EUR',
        status: 'INITIATED',
        userId: 'u_1',
        merchantMetadata: { cart: 'c_1' },
      });
      expect(r.body.clientSecret).toBeTruthy();
      // The client cannot re-price it next to the token.
      expectError(await createWith(base, { orderToken: await sign(o), amount: 1 }), 400, 'validation_error');
      expectError(await createWith(base, { orderToken: await sign(o), orderId: o.orderId }), 400, 'validation_error');
    });

    it('refuses a token that is forged, tampered with, unsigned, of another algorithm, malformed or oversized', async () => {
      const o = order();
      const good = await sign(o);
      const [h, , sig] = good.split('.');
      const repriced = `${h}.${base64url.encode(JSON.stringify({ ...o, amount: 1, exp: Math.floor(Date.now() / 1000) + 600 }))}.${sig}`;
      const none = `${base64url.encode('{"alg":"none"}')}.${base64url.encode(JSON.stringify({ ...o, exp: Math.floor(Date.now() / 1000) + 600 }))}.`;
      const bad = [
        repriced,
        none,
        await sign(o, { secret: new TextEncoder().encode('another-secret-of-at-least-32-bytes!!') }),
        await sign(o, { alg: 'HS512' }),
        'not.a.jwt',
        'x',
      ];
      const reasons = [];
      for (const token of bad) {
        const r = await createWith(base, { orderToken: token });
        expectError(r, 400, 'invalid_order_token');
        expect(r.text).not.toContain(SECRET);
        reasons.push(r.body.error.details.reason);
      }
      expect(reasons.slice(0, 4)).toEqual(['bad signature', 'algorithm not allowed (HS256 only)', 'bad signature', 'algorithm not allowed (HS256 only)']);
      expectError(await createWith(base, { orderToken: `${good}${'A'.repeat(5000)}` }), 400, 'validation_error');
      expectError(await createWith(base, { orderToken: 42 }), 400, 'validation_error');
    });

    it('checks the claims: exp required and in the future, positive integer amount, ISO currency, orderId format', async () => {
      expectError(await createWith(base, { orderToken: await sign(order(), { exp: Math.floor(Date.now() / 1000) - 60 }) }), 400, 'order_token_expired');
      const noExp = await createWith(base, { orderToken: await sign(order(), { exp: null }) });
      expectError(noExp, 400, 'invalid_order_token');
      expect(noExp.body.error.details.reason).toMatch(/exp/);
      const notYet = await createWith(base, { orderToken: await sign({ ...order(), nbf: Math.floor(Date.now() / 1000) + 3600 }) });
      expectError(notYet, 400, 'invalid_order_token');
      for (const over of [
        { amount: 0 },
        { amount: -5 },
        { amount: 1.5 },
        { amount: '100' },
        { currency: 'eur' },
        { currency: 'EURO' },
        { orderId: 'a b' },
        { orderId: '' },
        { orderId: undefined },
      ]) {
        const r = await createWith(base, { orderToken: await sign(order(over)) });
        expectError(r, 400, 'invalid_order_token');
      }
    });

    it('bounds exp to 24 h ahead and refuses an iat in the future, saying why', async () => {
      const nowS = Math.floor(Date.now() / 1000);
      const refusals = [
        { exp: Date.now() + 600_000, why: /exp is more than 24 h ahead \(seconds since the epoch\?\)/ }, // milliseconds by mistake
        { exp: nowS + 10 * 365 * 86_400, why: /exp is more than 24 h ahead/ },
        { exp: nowS + 86_400 + 120, why: /exp is more than 24 h ahead/ },
      ];
      for (const { exp, why } of refusals) {
        const r = await createWith(base, { orderToken: await sign(order(), { exp }) });
        expectError(r, 400, 'invalid_order_token');
        expect(r.body.error.message).toMatch(why);
        expect(r.body.error.details.reason).toMatch(why);
      }
      const future = await createWith(base, { orderToken: await sign({ ...order(), iat: nowS + 3600 }) });
      expectError(future, 400, 'invalid_order_token');
      expect(future.body.error.message).toMatch(/iat is in the future/);

      // Within the bounds: a day's token less a minute, and an iat of now (or a few seconds of clock skew ahead).
      const day = await createWith(base, { orderToken: await sign(order(), { exp: nowS + 86_400 - 60 }) });
      expect(day.status, day.text).toBe(201);
      const issued = await createWith(base, { orderToken: await sign({ ...order(), iat: nowS + 5 }) });
      expect(issued.status, issued.text).toBe(201);
    });

    it('validates currency and metadata by one rule with the merchant key and in an order token', async () => {
      const byKey = (over: Record<string, unknown>) =>
        call(base, 'POST', '/session/create', { auth: MERCHANT_KEY, rawBody: JSON.stringify(order(over)), headers: { 'content-type': 'application/json' } });
      const byToken = async (over: Record<string, unknown>) => createWith(base, { orderToken: await sign(order(over)) });
      // JSON.parse keeps "__proto__" as an own key, as a request body or a token's payload does.
      const reserved = (k: string) => JSON.parse(`{"${k}": "x", "note": "y"}`) as Record<string, unknown>;
      const refused: Record<string, unknown>[] = [
        { currency: 'eur' }, // not upper-cased silently
        { currency: 'Eur' },
        { currency: 'EURO' },
        { currency: 'E1R' },
        { currency: 'ZZZ' }, // three capitals, but no currency
        { currency: 'XTS' }, // ISO 4217's code for testing, not money
        { metadata: { ['k'.repeat(41)]: 'v' } },
        { metadata: { note: 'x'.repeat(501) } },
        { metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) },
        { metadata: { nested: { a: 1 } } },
        { metadata: reserved('__proto__') },
        { metadata: reserved('constructor') },
        { metadata: reserved('prototype') },
      ];
      for (const over of refused) {
        const k = await byKey(over);
        expectError(k, 400, 'validation_error');
        const t = await byToken(over);
        expectError(t, 400, 'invalid_order_token');
      }
      for (const name of ['__proto__', 'constructor', 'prototype']) {
        const k = await byKey({ metadata: reserved(name) });
        expect(k.body.error.details).toContainEqual({ path: `metadata.${name}`, message: expect.stringMatching(/reserved/) });
        expect(k.body.error.message).toMatch(new RegExp(`metadata\\.${name}.*reserved`));
        const t = await byToken({ metadata: reserved(name) });
        expect(t.body.error.details.issues).toContainEqual({ path: `metadata.${name}`, message: expect.stringMatching(/reserved/) });
      }
      // The same order passes both ways: three capitals, 20 keys of up to 40 characters.
      const good = { currency: 'GBP', metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}`.padStart(40, 'k'), i])) };
      const k = await byKey(good);
      expect(k.status, k.text).toBe(201);
      const t = await byToken(good);
      expect(t.status, t.text).toBe(201);
      expect(t.body.merchantMetadata).toEqual(k.body.merchantMetadata);
      expect([k.body.currency, t.body.currency]).toEqual(['GBP', 'GBP']);
    });

    it("cannot re-price an order of the server's own order source", async () => {
      const demo = await createOrder(base);
      const r = await createWith(base, { orderToken: await sign(order({ orderId: demo.orderId, amount: 1 })) });
      expectError(r, 400, 'invalid_order_token');
      expect(r.body.error.details.reason).toMatch(/order source/);
    });

    it('pays a token order at most once across all its sessions', async () => {
      const o = order();
      const token = await sign(o);
      const a = (await createWith(base, { orderToken: token })).body;
      const b = (await createWith(base, { orderToken: token })).body;
      expect(a.sessionId).not.toBe(b.sessionId);
      expect((await pay(base, a)).status).toBe(200);
      expectError(await complete(base, b, await tokenize(base)), 409, 'order_already_paid');
      expectError(await createWith(base, { orderToken: token }), 409, 'order_already_paid');
      expect((await ledger(base, b.sessionId)).length).toBe(0);
      expect((await ledger(base, a.sessionId)).filter((c) => c.status === 'succeeded')).toHaveLength(1);
      const listed = (await call(base, 'GET', `/sessions?orderId=${o.orderId}`, { auth: MERCHANT_KEY })).body.sessions;
      expect(listed.filter((s: { status: string }) => s.status === 'COMPLETED').map((s: { sessionId: string }) => s.sessionId)).toEqual([a.sessionId]);
    });
  });
}

describe('without ORDER_SIGNING_SECRET', () => {
  let srv: InProcessServer;
  beforeAll(async () => (srv = await startInProcess()));
  afterAll(() => srv?.stop());

  it('refuses an order token clearly', async () => {
    const r = await createWith(srv.url, { orderToken: await sign(order()) });
    expectError(r, 400, 'invalid_order_token');
    expect(r.body.error.message).toContain('ORDER_SIGNING_SECRET');
  });

  it('still needs orderId or orderToken', async () => {
    expectError(await createWith(srv.url, {}), 400, 'validation_error');
  });
});

describe('configuration rules', () => {
  it('says each rule at start-up', () => {
    expect(() => loadConfig({ ORDER_SIGNING_SECRET: 'short' })).toThrow(/ORDER_SIGNING_SECRET must be at least 32 bytes/);
    expect(() => loadConfig({ MERCHANT_API_KEY: 'short' })).toThrow(/MERCHANT_API_KEY must be at least 16 characters/);
    expect(loadConfig({ ORDER_SIGNING_SECRET: SECRET }).ORDER_SIGNING_SECRET).toBe(SECRET);
  });
});
