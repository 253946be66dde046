/**
 * Issue 14 item 4: a replayed public create hands out a client secret, so it may reach only the caller that made it.
 * Behind one NAT every shopper has the same address; what tells the first caller apart is its unguessable key: a short
 * (guessable, shared) key is refused before anything runs, and a record is also scoped to the client address.
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createOrder, expectError, getSession } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';
import { startServer } from '../support/server.js';

let srv: InProcessServer;
let base: string;

beforeAll(async () => {
  srv = await startInProcess();
  base = srv.url;
});
afterAll(async () => srv?.stop());

/** A create sent from a chosen loopback address (another machine, as the server sees it). */
function createFrom(localAddress: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const u = new URL(`${base}/api/payments/session/create`);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('public create keys', () => {
  it('a short, guessable key (two shoppers behind one NAT could both pick it) is refused, so no caller gets another’s secret', async () => {
    const order = await createOrder(base);
    const first = await call(base, 'POST', '/session/create', { key: 'order-123', body: { orderId: order.orderId } });
    expectError(first, 400, 'invalid_idempotency_key');
    expect(first.body.error.message).toMatch(/at least 22 characters/);
    const second = await call(base, 'POST', '/session/create', { key: 'order-123', body: { orderId: order.orderId } });
    expectError(second, 400, 'invalid_idempotency_key');
    expect(second.text).not.toContain('secret');
  });

  it('an unguessable key replays to its caller, with the same working secret', async () => {
    const order = await createOrder(base);
    const key = randomUUID();
    const a = await call(base, 'POST', '/session/create', { key, body: { orderId: order.orderId } });
    const b = await call(base, 'POST', '/session/create', { key, body: { orderId: order.orderId } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body).toEqual(a.body);
    expect((await getSession(base, b.body)).sessionId).toBe(a.body.sessionId);
  });

  it('the same key and body from another address makes that caller its own session', async () => {
    const order = await createOrder(base);
    const key = randomUUID();
    const a = await createFrom('127.0.0.1', key, { orderId: order.orderId });
    const b = await createFrom('127.0.0.2', key, { orderId: order.orderId });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.sessionId).not.toBe(a.body.sessionId);
    expect(b.body.clientSecret).not.toBe(a.body.clientSecret);
  });

  it('the merchant may use any valid key (its keys are its own)', async () => {
    const r = await call(base, 'POST', '/session/create', {
      key: 'k1',
      auth: 'test-merchant-key-0123456789',
      body: { orderId: `ord_${randomUUID()}`, amount: 100, currency: 'EUR' },
    });
    expect(r.status).toBe(201);
  });
});

describe('the secret key changes (CLIENT_SECRET_KEY rotated)', () => {
  it('a replay cannot give the old secret any more: the create runs again; the old secret still opens its session', async () => {
    const merchant = 'test-merchant-key-0123456789';
    const first = await startServer({ env: { CLIENT_SECRET_KEY: 'k'.repeat(32) } });
    const body = { orderId: `ord_${randomUUID()}`, amount: 100, currency: 'EUR' };
    const key = randomUUID();
    let a;
    try {
      a = await call(first.url, 'POST', '/session/create', { key, auth: merchant, body });
      expect(a.status).toBe(201);
    } finally {
      await first.stop();
    }
    const second = await startServer({ dataDir: first.dataDir, env: { CLIENT_SECRET_KEY: 'r'.repeat(32) } });
    try {
      const b = await call(second.url, 'POST', '/session/create', { key, auth: merchant, body });
      expect(b.status).toBe(201);
      expect(b.headers.get('idempotent-replayed')).toBeNull();
      expect(b.body.sessionId).not.toBe(a.body.sessionId);
      expect((await getSession(second.url, b.body)).sessionId).toBe(b.body.sessionId);
      expect((await getSession(second.url, a.body)).sessionId).toBe(a.body.sessionId);
      // From now on the new answer replays.
      const c = await call(second.url, 'POST', '/session/create', { key, auth: merchant, body });
      expect(c.headers.get('idempotent-replayed')).toBe('true');
      expect(c.body).toEqual(b.body);
    } finally {
      await second.stop();
      second.cleanup();
    }
  });
});
