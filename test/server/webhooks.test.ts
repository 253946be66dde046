/**
 * Webhooks end to end, in process: the real server on a real socket and SQLite file, real HTTP receivers, signatures
 * checked with the `standardwebhooks` package. Delivery, retries (503, 500, a reset connection, a slow receiver),
 * redirects not followed, the event types, the admin routes, and a rolled-back change that sends nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { ADMIN_TOKEN, call, createSession, expectError, getSession, pay, post, waitFor, type Session } from './helpers/api.js';
import { startInProcess, type InProcessServer } from './helpers/server.js';
import { startReceiver, waitForReceived, type Received, type Receiver } from './helpers/receiver.js';

const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const FAST = { WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '40', WEBHOOK_TIMEOUT_MS: '400' };

const servers: InProcessServer[] = [];
const receivers: Receiver[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const r of receivers) await r.close();
});

async function setUp(behave?: Receiver['behave'], env: Record<string, string> = {}) {
  const receiver = await startReceiver(behave);
  receivers.push(receiver);
  const server = await startInProcess({ ...FAST, WEBHOOK_URL: `${receiver.url}/hook`, ...env });
  servers.push(server);
  return { receiver, base: server.url, server };
}

async function deliveries(base: string, query = '') {
  const r = await call(base, 'GET', `/webhooks/deliveries${query}`, { auth: ADMIN_TOKEN });
  expect(r.status, r.text).toBe(200);
  return r.body as { deliveries: any[]; nextCursor: string | null };
}

async function deliveryOf(base: string, sessionId: string) {
  const { deliveries: all } = await deliveries(base, '?limit=500');
  return all.find((d) => d.sessionId === sessionId);
}

const forSession = (s: Session) => (got: Received[]) => got.filter((g) => JSON.parse(g.body).data.sessionId === s.sessionId);

describe('webhooks: delivery and signature', () => {
  let receiver: Receiver;
  let base: string;
  beforeAll(async () => ({ receiver, base } = await setUp()));

  it('should POST checkout.session.completed, signed so standardwebhooks verifies it, with the session as GET /session shows it', async () => {
    const s = await createSession(base);
    expect((await pay(base, s)).status).toBe(200);
    const [got] = forSession(s)(await waitForReceived(receiver, (g) => forSession(s)(g).length >= 1));
    const verified = new Webhook(SECRET).verify(got!.body, got!.headers) as any;
    expect(verified.type).toBe('checkout.session.completed');
    expect(got!.headers['webhook-id']).toMatch(/^msg_[0-9A-Za-z]{24}$/);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(new Date(verified.timestamp).toISOString()).toBe(verified.timestamp);
    const now = await getSession(base, s);
    expect(verified.data).toEqual(now);
    expect(got!.body).not.toContain(s.clientSecret);
    // A forged or altered body does not verify.
    expect(() => new Webhook(SECRET).verify(got!.body.replace('COMPLETED', 'CANCELLED'), got!.headers)).toThrow();
    expect(() => new Webhook('whsec_' + Buffer.alloc(32, 8).toString('base64')).verify(got!.body, got!.headers)).toThrow();
    await waitFor(
      () => deliveryOf(base, s.sessionId),
      (d) => d?.status === 'delivered',
      5_000,
      'delivered',
    );
  });

  it('should send checkout.session.cancelled and checkout.session.failed, one event per final change', async () => {
    const c = await createSession(base);
    expect((await post(base, c, 'cancel', { reason: 'user' })).status).toBe(200);
    const f = await createSession(base);
    for (let i = 0; i < 3; i++) {
      const r = await pay(base, f, 'declined');
      expect(r.status).toBe(402);
      if (i < 2) expect((await post(base, f, 'resume')).status).toBe(200);
    }
    expect((await getSession(base, f)).status).toBe('FAILED_MAX_RETRIES');
    await waitForReceived(receiver, (g) => forSession(c)(g).length >= 1 && forSession(f)(g).length >= 1);
    expect(forSession(c)(receiver.received).map((g) => JSON.parse(g.body).type)).toEqual(['checkout.session.cancelled']);
    expect(forSession(f)(receiver.received).map((g) => JSON.parse(g.body).type)).toEqual(['checkout.session.failed']);
    // Interruptions and declines before the last attempt are not events.
    const types = receiver.received.map((g) => JSON.parse(g.body).type);
    expect(types.every((t) => /^checkout\.session\.(completed|failed|cancelled|expired)$/.test(t))).toBe(true);
  });

  it('should not record an event for a change that is rolled back', async () => {
    const { server } = servers[0]!;
    const s = await createSession(base);
    const row = (await server.store.sessions.get(s.sessionId))!;
    await expect(
      server.store.transaction(async (tx) => {
        const cancelled = { ...row, status: 'CANCELLED' as const, finalAt: Date.now(), updatedAt: Date.now(), version: row.version + 1 };
        expect(await tx.sessions.update(row.id, row.version, { status: 'CANCELLED', finalAt: cancelled.finalAt, updatedAt: cancelled.updatedAt })).toBe(true);
        await server.webhooks.recorder.record(tx, cancelled);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    server.webhooks.recorder.committed();
    await server.store.durable();
    expect(await server.store.webhooks.listEvents(s.sessionId)).toEqual([]);
    expect((await getSession(base, s)).status).toBe('INITIATED');
    // The next real change of the same session is the only event it gets.
    expect((await post(base, s, 'cancel')).status).toBe(200);
    await waitForReceived(receiver, (g) => forSession(s)(g).length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(forSession(s)(receiver.received)).toHaveLength(1);
  });
});

describe('webhooks: retries', () => {
  it('should retry 503 twice then 200 with the same webhook-id, and record every attempt', async () => {
    const { receiver, base } = await setUp((n) => (n <= 2 ? { status: 503, body: 'x'.repeat(5_000) } : { status: 200 }));
    const s = await createSession(base);
    await pay(base, s);
    const got = await waitForReceived(receiver, (g) => g.length >= 3);
    expect(new Set(got.map((g) => g.headers['webhook-id'])).size).toBe(1);
    for (const g of got) expect(() => new Webhook(SECRET).verify(g.body, g.headers)).not.toThrow();
    // Backoff: the second retry waits longer than the first.
    expect(got[2]!.at - got[1]!.at).toBeGreaterThan(got[1]!.at - got[0]!.at);
    const d = await waitFor(
      () => deliveryOf(base, s.sessionId),
      (x) => x?.status === 'delivered',
      5_000,
      'delivered',
    );
    expect(d).toMatchObject({
      attempts: 3,
      lastStatusCode: 200,
      nextAttemptAt: null,
      webhookId: got[0]!.headers['webhook-id'],
      url: expect.stringMatching(/\/hook$/),
    });
    const detail = await call(base, 'GET', `/webhooks/deliveries/${d.deliveryId}`, { auth: ADMIN_TOKEN });
    expect(detail.body.attemptLog.map((a: any) => a.statusCode)).toEqual([200, 503, 503]);
    const failed = detail.body.attemptLog[2];
    expect(failed.error).toBe('HTTP 503');
    expect(failed.bodyExcerpt.length).toBeLessThanOrEqual(200);
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('should retry a receiver that answers 500, resets the connection, or is too slow', async () => {
    const plan = (n: number) => (n === 1 ? { status: 500 } : n === 2 ? ('reset' as const) : n === 3 ? ('hang' as const) : { status: 204 });
    const { receiver, base } = await setUp(plan);
    const s = await createSession(base);
    await post(base, s, 'cancel');
    await waitForReceived(receiver, (g) => g.length >= 4, 20_000);
    const d = await waitFor(
      () => deliveryOf(base, s.sessionId),
      (x) => x?.status === 'delivered',
      10_000,
      'delivered',
    );
    const detail = (await call(base, 'GET', `/webhooks/deliveries/${d.deliveryId}`, { auth: ADMIN_TOKEN })).body;
    const log = [...detail.attemptLog].reverse();
    expect(log.map((a: any) => a.statusCode)).toEqual([500, null, null, 204]);
    expect(log[1].error).toMatch(/ECONNRESET|UND_ERR_SOCKET|SocketError|other side closed/);
    expect(log[2].error).toBe('timeout after 400 ms');
    expect(new Set(receiver.received.map((g) => g.headers['webhook-id'])).size).toBe(1);
  });

  it('should not follow a redirect: a 3xx is a failed attempt and the target never hears of it', async () => {
    const { receiver, base } = await setUp((n, req) => (req.path === '/hook' ? { status: 302, location: '/elsewhere' } : { status: 200 }));
    const s = await createSession(base);
    await post(base, s, 'cancel');
    await waitForReceived(receiver, (g) => g.length >= 3);
    expect(receiver.received.every((g) => g.path === '/hook')).toBe(true);
    const d = await deliveryOf(base, s.sessionId);
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: 302, lastError: 'HTTP 302' });
  });
});

describe('webhooks: admin routes', () => {
  let receiver: Receiver;
  let base: string;
  const sessions: Session[] = [];
  beforeAll(async () => {
    ({ receiver, base } = await setUp());
    for (let i = 0; i < 3; i++) {
      const s = await createSession(base);
      await post(base, s, 'cancel');
      sessions.push(s);
    }
    await waitForReceived(receiver, (g) => g.length >= 3);
  });

  it('should need the admin token', async () => {
    expectError(await call(base, 'GET', '/webhooks/deliveries'), 401, 'unauthorized');
    expectError(await call(base, 'GET', '/webhooks/deliveries', { auth: sessions[0]!.clientSecret }), 401, 'unauthorized');
    expectError(await call(base, 'POST', '/webhooks/deliveries/whd_000000000000000000000000/redeliver', { body: {} }), 401, 'unauthorized');
  });

  it('should page newest first with a cursor, and filter by status', async () => {
    await waitFor(
      () => deliveries(base, '?status=delivered'),
      (p) => p.deliveries.length === 3,
      5_000,
      'three delivered',
    );
    const first = await deliveries(base, '?limit=2');
    expect(first.deliveries).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = await deliveries(base, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.deliveries).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.deliveries, ...second.deliveries].map((d) => d.sessionId);
    expect(ids).toEqual([...sessions].reverse().map((s) => s.sessionId));
    for (const d of first.deliveries) {
      expect(Object.keys(d)).toEqual(
        expect.arrayContaining(['deliveryId', 'webhookId', 'type', 'sessionId', 'url', 'status', 'attempts', 'lastStatusCode', 'nextAttemptAt', 'createdAt']),
      );
    }
    expect((await deliveries(base, '?status=failed')).deliveries).toEqual([]);
    expectError(await call(base, 'GET', '/webhooks/deliveries?status=nope', { auth: ADMIN_TOKEN }), 400, 'validation_error');
    expectError(await call(base, 'GET', '/webhooks/deliveries?limit=0', { auth: ADMIN_TOKEN }), 400, 'validation_error');
    expectError(await call(base, 'GET', '/webhooks/deliveries?cursor=bogus', { auth: ADMIN_TOKEN }), 400, 'invalid_cursor');
  });

  it('should redeliver with the same webhook-id, and answer 404 for an unknown or malformed id', async () => {
    const d = (await deliveries(base, '?limit=1')).deliveries[0];
    const before = receiver.received.length;
    const r = await call(base, 'POST', `/webhooks/deliveries/${d.deliveryId}/redeliver`, { auth: ADMIN_TOKEN, body: {} });
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ deliveryId: d.deliveryId, status: 'pending' });
    const got = await waitForReceived(receiver, (g) => g.length > before);
    expect(got.at(-1)!.headers['webhook-id']).toBe(d.webhookId);
    await waitFor(
      () => deliveryOf(base, d.sessionId),
      (x) => x?.status === 'delivered' && x.attempts === 2,
      5_000,
      'redelivered',
    );
    expectError(
      await call(base, 'POST', '/webhooks/deliveries/whd_000000000000000000000000/redeliver', { auth: ADMIN_TOKEN, body: {} }),
      404,
      'delivery_not_found',
    );
    expectError(await call(base, 'POST', '/webhooks/deliveries/..%2F..%2Fetc/redeliver', { auth: ADMIN_TOKEN, body: {} }), 404, 'delivery_not_found');
    expectError(await call(base, 'GET', '/webhooks/deliveries/nope', { auth: ADMIN_TOKEN }), 404, 'delivery_not_found');
  });

  it('should list the routes in the OpenAPI document', async () => {
    const doc = (await call(base, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/webhooks/deliveries', '/webhooks/deliveries/{deliveryId}', '/webhooks/deliveries/{deliveryId}/redeliver']),
    );
  });
});

describe('webhooks: off', () => {
  it('should record nothing without WEBHOOK_URL', async () => {
    const server = await startInProcess({});
    servers.push(server);
    const s = await createSession(server.url);
    await post(server.url, s, 'cancel');
    expect(await server.server.store.webhooks.listEvents(s.sessionId)).toEqual([]);
    expect((await deliveries(server.url)).deliveries).toEqual([]);
  });
});

describe('webhooks: expiry', () => {
  it('should send checkout.session.expired when an unpaid session passes expiresAt', async () => {
    const { receiver, base } = await setUp(undefined, { SESSION_TTL_MS: '300' });
    const s = await createSession(base);
    await new Promise((r) => setTimeout(r, 400));
    expect((await getSession(base, s)).status).toBe('EXPIRED'); // a read expires it (as the sweeper would)
    const [got] = await waitForReceived(receiver, (g) => g.length >= 1);
    expect(new Webhook(SECRET).verify(got!.body, got!.headers)).toMatchObject({
      type: 'checkout.session.expired',
      data: { sessionId: s.sessionId, status: 'EXPIRED' },
    });
  });
});
