/**
 * Issue 14 item 7: a NUL character (U+0000) in any string of a request is a 400 on both engines. PostgreSQL cannot store
 * it (text: 22021, jsonb: 22P05) and answered 500 for an order id, a `sessionId` filter or a token; SQLite stored it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../support/server.js';
import { ENGINES, PG_URL, dropSchema, newSchemaName, pgRestartGuard, requirePostgres, type Engine } from './engines.js';
import { ADMIN_TOKEN, MERCHANT_KEY, createSession } from './http.js';

const NUL = '\u0000';

async function send(base: string, method: string, path: string, opts: { body?: unknown; auth?: string; key?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function suite(engine: Engine) {
  let srv: StartedServer;
  let release: (() => Promise<void>) | undefined;
  const schema = newSchemaName();
  beforeAll(async () => {
    if (engine === 'postgres') release = await pgRestartGuard();
    srv = await startServer({
      env: { ADMIN_TOKEN, MERCHANT_API_KEY: MERCHANT_KEY, ...(engine === 'postgres' ? { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema } : {}) },
    });
  });
  afterAll(async () => {
    await srv?.stop();
    srv?.cleanup();
    await release?.();
    if (engine === 'postgres') await dropSchema(schema);
  });

  it('answers 400 validation_error for a NUL in an order id, a filter, a token, a reason, metadata and a path', async () => {
    const s = await createSession(srv.url);
    const holder = s.clientSecret;
    const cases: [string, string, { body?: unknown; auth?: string; key?: string }][] = [
      ['POST', '/api/payments/session/create', { body: { orderId: `ord${NUL}1` } }],
      ['POST', '/api/payments/session/create', { auth: MERCHANT_KEY, body: { orderId: `ord${NUL}1`, amount: 100, currency: 'EUR' } }],
      [
        'POST',
        '/api/payments/session/create',
        { auth: MERCHANT_KEY, body: { orderId: `ord_${randomUUID()}`, amount: 100, currency: 'EUR', metadata: { note: `a${NUL}b` } } },
      ],
      ['GET', `/api/payments/test-processor/charges?sessionId=cs${encodeURIComponent(NUL)}`, { auth: ADMIN_TOKEN }],
      ['GET', `/api/payments/sessions/active?status=${encodeURIComponent(NUL)}`, { auth: ADMIN_TOKEN }],
      ['POST', `/api/payments/session/${s.sessionId}/complete`, { auth: holder, key: randomUUID(), body: { paymentMethod: { token: `tok${NUL}` } } }],
      ['POST', `/api/payments/session/${s.sessionId}/interrupt`, { auth: holder, body: { reason: `net${NUL}work` } }],
      ['POST', `/api/payments/session/${s.sessionId}/cancel`, { auth: holder, body: { reason: NUL } }],
      ['POST', '/api/store/orders', { body: { items: [{ productId: `prod${NUL}`, quantity: 1 }] } }],
    ];
    for (const [method, path, opts] of cases) {
      const r = await send(srv.url, method, path, opts);
      expect(r.status, `${method} ${path} ${JSON.stringify(opts.body)}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.code).toBe('validation_error');
    }
    // In a path, a NUL is a bad id: its route's answer (not a 500).
    expect((await send(srv.url, 'GET', `/api/payments/session/cs_${'A'.repeat(23)}%00`, { auth: holder })).body.error.code).toBe('session_not_found');
    const order = await send(srv.url, 'GET', '/api/store/orders/ord%00x');
    expect(order.status, JSON.stringify(order.body)).toBeGreaterThanOrEqual(400);
    expect(order.status).toBeLessThan(500);
    // The session is untouched and the server well.
    const after = await send(srv.url, 'GET', `/api/payments/session/${s.sessionId}`, { auth: holder });
    expect(after.body.status).toBe('INITIATED');
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  });
}

for (const engine of ENGINES) {
  describe(`${engine}: NUL characters`, () => {
    if (engine === 'postgres' && !requirePostgres()) return;
    suite(engine);
  });
}
