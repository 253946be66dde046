/**
 * The webhook outbox on both engines (TEST_ENGINES filters): events written in a transaction exist only if it commits;
 * claims lease each due delivery to one owner (concurrent claims on PostgreSQL run over separate pooled connections and
 * never share a row); a lost lease cannot record; finish moves deliveries along the schedule; paging, redelivery, purge.
 */
import { describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../server/store/kysely-store.js';
import type { NewEvent } from '../../server/webhooks/outbox-rows.js';
import { ATTEMPTS_KEPT } from '../../server/webhooks/outbox.js';
import { randomId } from '../../server/ids.js';
import { type Engine, ENGINES, requirePostgres, useTestStore } from './engines.js';
import { T0, session } from './fixtures.js';

for (const engine of ENGINES) {
  describe(engine, () => {
    if (engine === 'postgres' && !requirePostgres()) return;
    outboxConformance(engine);
  });
}

function event(over: Partial<NewEvent> = {}, urls = ['http://127.0.0.1:1/a']): NewEvent {
  return {
    id: randomId('msg'),
    type: 'checkout.session.completed',
    sessionId: randomId('cs'),
    payload: '{"type":"checkout.session.completed"}',
    createdAt: T0,
    deliveries: urls.map((url) => ({ id: randomId('whd'), url })),
    ...over,
  };
}

const attempt = (n: number, over = {}) => ({ attempt: n, startedAt: T0, durationMs: 12, statusCode: 503, error: 'HTTP 503', bodyExcerpt: 'busy', ...over });

function outboxConformance(engine: Engine) {
  let store!: KyselyStore;
  useTestStore(engine, (s) => (store = s), ['webhook_attempts', 'webhook_deliveries', 'webhook_events']);
  const outbox = () => store.webhooks;

  it('should keep an event written in a transaction only if the transaction commits, with its session change', async () => {
    const s = session();
    await store.sessions.insert(s);
    const kept = event({ sessionId: s.id });
    await store.transaction(async (tx) => {
      expect(await tx.sessions.update(s.id, s.version, { status: 'CANCELLED', finalAt: T0 })).toBe(true);
      await tx.webhooks.insertEvent(kept);
    });
    const lost = event({ sessionId: s.id });
    await expect(
      store.transaction(async (tx) => {
        await tx.webhooks.insertEvent(lost);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await store.durable();
    expect((await outbox().listEvents(s.id)).map((e) => e.id)).toEqual([kept.id]);
    expect((await outbox().listDeliveries({ status: null, limit: 10, after: null })).map((d) => d.webhookId)).toEqual([kept.id]);
    expect((await store.sessions.get(s.id))!.status).toBe('CANCELLED');
  });

  it('should lease a due delivery to one owner until the lease runs out, and let only the holder record', async () => {
    const e = event({}, ['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b']);
    await outbox().insertEvent(e);
    expect(await outbox().claim(T0 - 1, 10, 'early', T0 + 1_000)).toEqual([]); // not due yet
    const a = await outbox().claim(T0, 10, 'owner-a', T0 + 1_000);
    expect(a.map((d) => d.url).sort()).toEqual(['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b']);
    expect(a.every((d) => d.payload === e.payload && d.webhookId === e.id && d.attempts === 1)).toBe(true);
    expect(await outbox().claim(T0 + 500, 10, 'owner-b', T0 + 2_000)).toEqual([]); // leased
    const b = await outbox().claim(T0 + 1_000, 1, 'owner-b', T0 + 5_000); // a's lease ran out (a died mid-send)
    expect(b).toHaveLength(1);
    expect(b[0]!.attempts).toBe(2);
    expect(await outbox().finish(b[0]!.deliveryId, 'owner-a', { delivered: true, nextAttemptAt: null, now: T0 + 1_100 }, attempt(1))).toBe(false);
    expect(
      await outbox().finish(
        b[0]!.deliveryId,
        'owner-b',
        { delivered: true, nextAttemptAt: null, now: T0 + 1_100 },
        attempt(2, { statusCode: 200, error: null }),
      ),
    ).toBe(true);
    const d = (await outbox().getDelivery(b[0]!.deliveryId))!;
    expect(d).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect((await outbox().listAttempts(d.deliveryId)).map((x) => x.attempt)).toEqual([2]);
  });

  it('should never hand one delivery to two concurrent claims', async () => {
    for (let i = 0; i < 20; i++) await outbox().insertEvent(event());
    const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => outbox().claim(T0, 5, `owner-${i}`, T0 + 60_000)));
    const ids = claims.flat().map((d) => d.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(20);
  });

  it('should move a failed attempt along the schedule, then to failed, and redeliver from the start', async () => {
    const e = event();
    await outbox().insertEvent(e);
    const [c] = await outbox().claim(T0, 1, 'o', T0 + 1_000);
    await outbox().finish(c!.deliveryId, 'o', { delivered: false, nextAttemptAt: T0 + 5_000, now: T0 + 10 }, attempt(1));
    expect(await outbox().getDelivery(c!.deliveryId)).toMatchObject({
      status: 'pending',
      step: 1,
      nextAttemptAt: T0 + 5_000,
      lastStatusCode: 503,
      lastError: 'HTTP 503',
    });
    expect(await outbox().claim(T0 + 4_999, 1, 'o', T0 + 9_000)).toEqual([]);
    const [c2] = await outbox().claim(T0 + 5_000, 1, 'o', T0 + 9_000);
    expect(c2!.step).toBe(1);
    await outbox().finish(
      c2!.deliveryId,
      'o',
      { delivered: false, nextAttemptAt: null, now: T0 + 5_010 },
      attempt(2, { statusCode: null, error: 'ECONNRESET', bodyExcerpt: null }),
    );
    expect(await outbox().getDelivery(c!.deliveryId)).toMatchObject({ status: 'failed', nextAttemptAt: null, lastStatusCode: null, lastError: 'ECONNRESET' });
    expect(await outbox().claim(T0 + 1e9, 1, 'o', T0 + 2e9)).toEqual([]); // failed is never claimed
    const log = await outbox().listAttempts(c!.deliveryId);
    expect(log).toEqual([
      { attempt: 2, startedAt: T0, durationMs: 12, statusCode: null, error: 'ECONNRESET', bodyExcerpt: null },
      { attempt: 1, startedAt: T0, durationMs: 12, statusCode: 503, error: 'HTTP 503', bodyExcerpt: 'busy' },
    ]);

    expect(await outbox().redeliver(c!.deliveryId, T0 + 6_000)).toBe(true);
    expect(await outbox().redeliver('whd_000000000000000000000000', T0)).toBe(false);
    const [again] = await outbox().claim(T0 + 6_000, 1, 'o', T0 + 7_000);
    expect(again).toMatchObject({ deliveryId: c!.deliveryId, webhookId: e.id, step: 0, attempts: 3 });
  });

  it(`should keep the latest ${ATTEMPTS_KEPT} attempt records of a delivery`, async () => {
    await outbox().insertEvent(event());
    let id = '';
    for (let n = 1; n <= ATTEMPTS_KEPT + 5; n++) {
      const [c] = await outbox().claim(T0 + n, 1, 'o', T0 + n + 1);
      id = c!.deliveryId;
      expect(c!.attempts).toBe(n);
      await outbox().finish(id, 'o', { delivered: false, nextAttemptAt: T0 + n + 1, now: T0 + n }, attempt(n));
    }
    const log = await outbox().listAttempts(id);
    expect(log).toHaveLength(ATTEMPTS_KEPT);
    expect(log[0]!.attempt).toBe(ATTEMPTS_KEPT + 5);
  });

  it('should page deliveries newest first and filter by status', async () => {
    for (let i = 0; i < 5; i++) await outbox().insertEvent(event({ createdAt: T0 + i }));
    const [c] = await outbox().claim(T0 + 10, 1, 'o', T0 + 20);
    await outbox().finish(c!.deliveryId, 'o', { delivered: true, nextAttemptAt: null, now: T0 + 11 }, attempt(1, { statusCode: 200, error: null }));
    const p1 = await outbox().listDeliveries({ status: null, limit: 3, after: null });
    const last = p1.at(-1)!;
    const p2 = await outbox().listDeliveries({ status: null, limit: 3, after: { createdAt: last.createdAt, id: last.deliveryId } });
    expect([...p1, ...p2].map((d) => d.createdAt)).toEqual([T0 + 4, T0 + 3, T0 + 2, T0 + 1, T0]);
    expect((await outbox().listDeliveries({ status: 'delivered', limit: 10, after: null })).map((d) => d.deliveryId)).toEqual([c!.deliveryId]);
    expect(await outbox().listDeliveries({ status: 'pending', limit: 10, after: null })).toHaveLength(4);
  });

  it('should purge settled events past retention and keep pending ones', async () => {
    const settled = event({ createdAt: T0 });
    const pending = event({ createdAt: T0 });
    await outbox().insertEvent(settled);
    await outbox().insertEvent(pending);
    const [c] = await outbox().claim(T0, 2, 'o', T0 + 10);
    const mine = c!.webhookId === settled.id ? c! : (await outbox().claim(T0, 2, 'o', T0 + 10))[0]!;
    await outbox().finish(mine.deliveryId, 'o', { delivered: true, nextAttemptAt: null, now: T0 + 1 }, attempt(1, { statusCode: 200, error: null }));
    expect(await outbox().purge(T0 + 1_000)).toBe(1);
    expect(await outbox().listEvents(settled.sessionId)).toEqual([]);
    expect(await outbox().listEvents(pending.sessionId)).toHaveLength(1);
    expect(await outbox().listAttempts(mine.deliveryId)).toEqual([]);
  });
}
