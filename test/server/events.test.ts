/**
 * GET /session/:id/events (docs/API.md "Event stream", ARCHITECTURE "SSE"): a `status` event with the session at once and on every
 * change, for the holder (header or ?client_secret=) and the admin; the subscription ends when the client goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSessionEvents } from '../../server/domain/events.js';
import { ADMIN_TOKEN, call, createSession, expectError, pay, post, waitFor } from './helpers/api.js';
import { SHORT_PAYMENT_TIMEOUT_MS, startInProcess, type InProcessServer } from './helpers/server.js';
import { openEvents, type EventStream } from './helpers/sse.js';

// Counts live subscriptions of the in-process event bus, to see that a closed stream lets go of its session.
const originalSubscribe = LocalSessionEvents.prototype.subscribe;
const live = new Map<string, number>();
LocalSessionEvents.prototype.subscribe = function (this: LocalSessionEvents, id: string, onChange: () => void) {
  live.set(id, (live.get(id) ?? 0) + 1);
  const unsubscribe = originalSubscribe.call(this, id, onChange);
  let done = false;
  return () => {
    if (!done) live.set(id, live.get(id)! - 1);
    done = true;
    unsubscribe();
  };
};

let srv: InProcessServer;
let base: string;
const streams: EventStream[] = [];

beforeAll(async () => {
  srv = await startInProcess({ PAYMENT_TIMEOUT_MS: SHORT_PAYMENT_TIMEOUT_MS, RECONCILE_INTERVAL_MS: '200' });
  base = srv.url;
});
afterAll(async () => {
  for (const s of streams) s.close();
  await srv?.stop();
  LocalSessionEvents.prototype.subscribe = originalSubscribe;
});

async function open(...args: Parameters<typeof openEvents>) {
  const s = await openEvents(...args);
  streams.push(s);
  return s;
}

describe('status events', () => {
  it('sends the session at once and again on every change, never the secret', async () => {
    const s = await createSession(base);
    const ev = await open(base, s.sessionId, { secret: s.clientSecret });
    expect(ev.status).toBe(200);
    expect(ev.contentType).toMatch(/^text\/event-stream/);
    const first = await ev.next();
    expect(first).toMatchObject({ sessionId: s.sessionId, status: 'INITIATED', attempts: 1, amount: 4200 });

    await post(base, s, 'interrupt', { reason: 'network' });
    expect(await ev.next()).toMatchObject({ status: 'INTERRUPTED', metadata: { interruptions: [expect.objectContaining({ reason: 'network' })] } });
    await post(base, s, 'resume');
    expect((await ev.next()).status).toBe('RESUMED');
    expect((await pay(base, s)).status).toBe(200);
    // PROCESSING then COMPLETED (the stream may coalesce changes, but it always ends on the latest state).
    let last = await ev.next();
    while (last.status !== 'COMPLETED') last = await ev.next();
    expect(last.paymentId).toEqual(expect.any(String));
    expect(ev.raw()).not.toContain(s.clientSecret);
    ev.close();
  });

  it('delivers the outcome of a 202 (slow card) when reconciliation settles it', async () => {
    const s = await createSession(base);
    const ev = await open(base, s.sessionId, { auth: s.clientSecret });
    expect((await ev.next()).status).toBe('INITIATED');
    const r = await pay(base, s, 'slow');
    expect(r.status).toBe(202);
    const seen: string[] = [];
    for (let e = await ev.next(); ; e = await ev.next()) {
      seen.push(e.status);
      if (e.status === 'COMPLETED') break;
    }
    expect(seen).toContain('PROCESSING');
    ev.close();
  });

  it('opens to the admin token too (in the header only), and answers a wrong secret with the 404 error shape', async () => {
    const s = await createSession(base);
    const admin = await open(base, s.sessionId, { auth: ADMIN_TOKEN });
    expect((await admin.next()).sessionId).toBe(s.sessionId);
    admin.close();
    // The admin token in the query string opens nothing: it would end up in proxies' and browsers' logs.
    expectError(await call(base, 'GET', `/session/${s.sessionId}/events?client_secret=${ADMIN_TOKEN}`), 404, 'session_not_found');

    const wrong = await call(base, 'GET', `/session/${s.sessionId}/events?client_secret=nope`);
    expectError(wrong, 404, 'session_not_found');
    const none = await call(base, 'GET', `/session/${s.sessionId}/events`);
    expectError(none, 404, 'session_not_found');
  });
});

describe('disconnect', () => {
  it('two streams of one session share one subscription, dropped when the last client goes away', async () => {
    const s = await createSession(base);
    const a = await open(base, s.sessionId, { secret: s.clientSecret });
    const b = await open(base, s.sessionId, { secret: s.clientSecret });
    await a.next();
    await b.next();
    expect(live.get(s.sessionId)).toBe(1);

    a.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(live.get(s.sessionId)).toBe(1);
    // The other stream still works.
    await post(base, s, 'cancel');
    expect((await b.next()).status).toBe('CANCELLED');
    b.close();
    await waitFor(
      async () => live.get(s.sessionId),
      (n) => n === 0,
      5_000,
      'no subscription left',
    );
  });
});
