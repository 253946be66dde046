/**
 * The service worker's outbox on its own (no browser): what leaves the outbox, what stays, in which order, and when it is
 * dropped. The IndexedDB store is exercised in Chromium by the end-to-end suites; here the same contract runs over memory.
 */
import { describe, expect, it } from 'vitest';
import { OUTBOX_RETENTION_MS } from '../../widget/src/shared/protocol.js';
import { Outbox, type OutboxNotice } from '../../sw/src/outbox/outbox.js';
import { judgeAnswer, parseRetryAfter } from '../../sw/src/outbox/replay-policy.js';
import { backoffDelay, BACKOFF_CAP_ATTENDED_MS, ReplayScheduler } from '../../sw/src/outbox/replay-scheduler.js';
import { MemoryOutboxStore } from '../../sw/src/outbox/store.js';
import { containsCardNumber } from '../../sw/src/outbox/card-guard.js';
import { isQueueable, queuedResponse } from '../../sw/src/session-requests.js';

const API = 'https://shop.example/api/payments';

function post(path: string, key: string | null, body: unknown = {}): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: 'Bearer cs_secret' };
  if (key) headers['idempotency-key'] = key;
  return new Request(`${API}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

type Answer = Response | 'network';

/** An outbox over memory with a scripted network: each request's answers are taken in order, by path. */
function harness(script: Record<string, Answer[]> = {}, now = { t: 1_000_000 }) {
  const store = new MemoryOutboxStore();
  const notices: OutboxNotice[] = [];
  const sent: { path: string; key: string | null; body: string }[] = [];
  const kept: unknown[] = [];
  const outbox = new Outbox({
    store,
    now: () => now.t,
    notify: (n) => notices.push(n),
    keepAnswer: async (item, answer) => void kept.push({ item, answer }),
    fetch: async (request) => {
      const path = new URL(request.url).pathname.replace('/api/payments', '');
      sent.push({ path, key: request.headers.get('idempotency-key'), body: await request.text() });
      const next = script[path]?.shift() ?? 'network';
      if (next === 'network') throw new TypeError('Failed to fetch');
      return next;
    },
  });
  return { outbox, store, notices, sent, kept, now };
}

describe('replay policy (judgeAnswer)', () => {
  const h = (headers: Record<string, string> = {}) => headers;
  it('delivers 2xx answers, 202 included', () => {
    for (const status of [200, 201, 202]) expect(judgeAnswer({ status, headers: h(), body: {} }).kind).toBe('deliver');
  });
  it('delivers final 4xx answers: declines, invalid transitions, reused keys, auth', () => {
    for (const [status, code] of [
      [402, 'card_declined'],
      [409, 'invalid_transition'],
      [409, 'order_already_paid'],
      [422, 'idempotency_key_reused'],
      [404, 'session_not_found'],
      [400, 'validation_error'],
    ] as const) {
      expect(judgeAnswer({ status, headers: h(), body: { error: { code } } }).kind, `${status} ${code}`).toBe('deliver');
    }
  });
  it('keeps 5xx, 429 and 409 idempotency_key_in_flight', () => {
    for (const [status, code] of [
      [500, 'internal_error'],
      [502, undefined],
      [503, 'storage_unavailable'],
      [429, 'rate_limited'],
      [409, 'idempotency_key_in_flight'],
      [408, undefined],
    ] as const) {
      expect(judgeAnswer({ status, headers: h(), body: code ? { error: { code } } : 'Bad Gateway' }).kind, `${status} ${code}`).toBe('keep');
    }
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(judgeAnswer({ status: 429, headers: { 'retry-after': '3' }, body: null })).toMatchObject({ kind: 'keep', retryAfterMs: 3000 });
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});

describe('which requests are queued', () => {
  it('queues only session POSTs carrying an Idempotency-Key', () => {
    expect(isQueueable(post('/session/s_1/complete', 'k1'))).toBe(true);
    expect(isQueueable(post('/session/create', 'k1'))).toBe(true);
    expect(isQueueable(post('/session/s_1/complete', null))).toBe(false);
    expect(isQueueable(post('/test-processor/tokens', 'k1'))).toBe(false);
    expect(isQueueable(new Request(`${API}/session/s_1`, { headers: { 'idempotency-key': 'k' } }))).toBe(false);
  });
  it('never stores a body holding a card number', async () => {
    expect(containsCardNumber('{"card":{"number":"4242 4242 4242 4242"}}')).toBe(true);
    expect(containsCardNumber('{"paymentMethod":{"token":"tok_12345678901234"}}')).toBe(false); // not Luhn-valid
    const { outbox, store } = harness();
    expect(await outbox.enqueue(post('/session/s_1/complete', 'k1', { card: { number: '4000000000000002' } }), 'offline')).toBe('card-data');
    expect(await outbox.enqueue(post('/session/s_1/complete', null), 'offline')).toBe('no-idempotency-key');
    expect(await store.all()).toEqual([]);
  });
  it('answers the page 503 queued_offline with Payment-Queued: <id>', async () => {
    const { outbox } = harness();
    const entry = await outbox.enqueue(post('/session/s_1/complete', 'k1'), 'Failed to fetch');
    if (typeof entry === 'string') throw new Error(entry);
    const res = queuedResponse(entry);
    expect(res.status).toBe(503);
    expect(res.headers.get('Payment-Queued')).toBe(String(entry.id));
    expect(await res.json()).toMatchObject({ error: { code: 'queued_offline', details: { outboxId: entry.id, idempotencyKey: 'k1' } } });
  });
});

describe('Outbox', () => {
  it('keeps the original key, headers and body, and the same key only once', async () => {
    const { outbox, store, notices } = harness();
    const body = { paymentMethod: { token: 'tok_abc' } };
    const first = await outbox.enqueue(post('/session/s_1/complete', 'key-1', body), 'offline');
    const again = await outbox.enqueue(post('/session/s_1/complete', 'key-1', body), 'offline');
    expect(again).toEqual(first);
    const [entry] = await store.all();
    expect(entry).toMatchObject({ idempotencyKey: 'key-1', sessionId: 's_1', method: 'POST', body: JSON.stringify(body), attempts: 0 });
    expect(entry.headers).toMatchObject({ authorization: 'Bearer cs_secret', 'idempotency-key': 'key-1' });
    expect(notices.filter((n) => n.type === 'outbox-queued')).toHaveLength(2);
  });

  it('removes an entry on 2xx, keeps its answer and tells the pages', async () => {
    const { outbox, store, notices, sent, kept } = harness({ '/session/s_1/complete': [json(200, { status: 'COMPLETED', paymentId: 'pay_1' })] });
    await outbox.enqueue(post('/session/s_1/complete', 'key-1', { paymentMethod: { token: 't' } }), 'offline');
    const report = await outbox.replay();
    expect(report).toMatchObject({ delivered: 1, kept: 0, remaining: 0, unreachable: false });
    expect(sent).toEqual([{ path: '/session/s_1/complete', key: 'key-1', body: '{"paymentMethod":{"token":"t"}}' }]);
    expect(await store.all()).toEqual([]);
    expect(kept).toHaveLength(1);
    const result = notices.find((n) => n.type === 'outbox-result');
    expect(result).toMatchObject({ item: { idempotencyKey: 'key-1', attempts: 1 }, answer: { status: 200, body: { paymentId: 'pay_1' } } });
  });

  it('keeps an entry through 5xx, 409 in flight, 429 and network loss, then delivers it with the same key', async () => {
    const { outbox, store, sent } = harness({
      '/session/s_1/complete': [
        json(503, { error: { code: 'storage_unavailable' } }),
        json(409, { error: { code: 'idempotency_key_in_flight' } }),
        json(429, { error: { code: 'rate_limited' } }, { 'retry-after': '1' }),
        'network',
        json(402, { error: { code: 'card_declined' } }),
      ],
    });
    await outbox.enqueue(post('/session/s_1/complete', 'key-1'), 'offline');
    const reports = [];
    for (let i = 0; i < 5; i++) reports.push(await outbox.replay());
    expect(reports.map((r) => r.remaining)).toEqual([1, 1, 1, 1, 0]);
    expect(reports[2].retryAfterMs).toBe(1000);
    expect(reports[3].unreachable).toBe(true);
    expect(new Set(sent.map((s) => s.key))).toEqual(new Set(['key-1']));
    expect(await store.all()).toEqual([]);
  });

  it('records attempts and the last error on a kept entry', async () => {
    const { outbox, store } = harness({ '/session/s_1/complete': [json(500, { error: { code: 'internal_error' } })] });
    await outbox.enqueue(post('/session/s_1/complete', 'key-1'), 'offline');
    await outbox.replay();
    expect((await store.all())[0]).toMatchObject({ attempts: 1, lastError: 'server answered 500' });
  });

  it('stops a pass at the first network failure (later entries are not tried)', async () => {
    const { outbox, sent } = harness({});
    await outbox.enqueue(post('/session/s_1/complete', 'a'), 'offline');
    await outbox.enqueue(post('/session/s_2/complete', 'b'), 'offline');
    const report = await outbox.replay();
    expect(report).toMatchObject({ unreachable: true, remaining: 2 });
    expect(sent).toHaveLength(1);
  });

  it("holds a session's later requests while an earlier one must wait, and sends other sessions' requests", async () => {
    const now = { t: 1_000_000 };
    const { outbox, sent, store } = harness(
      {
        '/session/s_1/resume': [json(503, { error: { code: 'storage_unavailable' } }), json(200, { status: 'RESUMED' })],
        '/session/s_1/complete': [json(200, { status: 'COMPLETED' })],
        '/session/s_2/cancel': [json(200, { status: 'CANCELLED' })],
      },
      now,
    );
    await outbox.enqueue(post('/session/s_1/resume', 'r1'), 'offline');
    now.t += 1;
    await outbox.enqueue(post('/session/s_1/complete', 'c1'), 'offline');
    now.t += 1;
    await outbox.enqueue(post('/session/s_2/cancel', 'x2'), 'offline');
    const first = await outbox.replay();
    expect(first).toMatchObject({ delivered: 1, kept: 2, remaining: 2 });
    expect(sent.map((s) => s.path)).toEqual(['/session/s_1/resume', '/session/s_2/cancel']);
    const second = await outbox.replay();
    expect(second).toMatchObject({ delivered: 2, remaining: 0 });
    expect(sent.map((s) => s.path).slice(2)).toEqual(['/session/s_1/resume', '/session/s_1/complete']);
    expect(await store.all()).toEqual([]);
  });

  it('drops entries older than the 24 h idempotency retention without sending them, with a reason', async () => {
    const now = { t: 1_000_000 };
    const { outbox, sent, notices, store } = harness({}, now);
    await outbox.enqueue(post('/session/s_1/complete', 'old'), 'offline');
    now.t += OUTBOX_RETENTION_MS + 1;
    const report = await outbox.replay();
    expect(report).toMatchObject({ dropped: 1, remaining: 0 });
    expect(sent).toEqual([]);
    expect(await store.all()).toEqual([]);
    const dropped = notices.find((n) => n.type === 'outbox-dropped');
    expect(dropped).toMatchObject({ reason: 'expired', item: { idempotencyKey: 'old' } });
    expect(dropped && 'message' in dropped && dropped.message).toMatch(/24 h/);
  });

  it('runs one pass at a time; a call during a pass causes one more pass', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const store = new MemoryOutboxStore();
    let calls = 0;
    const outbox = new Outbox({
      store,
      notify: () => {},
      fetch: async () => {
        calls++;
        await gate;
        return json(503, {});
      },
    });
    await outbox.enqueue(post('/session/s_1/complete', 'k'), 'offline');
    const a = outbox.replay();
    const b = outbox.replay();
    expect(b).toBe(a);
    release();
    await a;
    expect(calls).toBe(2);
  });
});

describe('ReplayScheduler', () => {
  it('backs off exponentially up to the cap, with ±20 % jitter, and honours Retry-After', () => {
    expect([1, 2, 3, 4, 5].map((f) => backoffDelay(f, 30_000, null, 0.5))).toEqual([250, 500, 1000, 2000, 4000]);
    expect(backoffDelay(10, BACKOFF_CAP_ATTENDED_MS, null, 0.5)).toBe(1000);
    expect(backoffDelay(1, 30_000, null, 0)).toBe(200);
    expect(backoffDelay(1, 30_000, null, 1)).toBe(300);
    expect(backoffDelay(1, 1000, 5000, 0.5)).toBe(5000);
  });

  /** A scheduler on fake timers (a timer is live until cleared or fired); `remaining` is what each pass leaves. */
  function scheduled(remaining: () => number = () => 1) {
    const timers: { fn: () => void; ms: number; live: boolean }[] = [];
    let passes = 0;
    const scheduler = new ReplayScheduler({
      replay: async () => (passes++, { delivered: 0, kept: 1, dropped: 0, remaining: remaining(), unreachable: false, retryAfterMs: null }),
      isAttended: async () => true,
      setTimer: (fn, ms) => (timers.push({ fn, ms, live: true }), timers.length - 1),
      clearTimer: (t) => void (timers[t as number].live = false),
      random: () => 0.5,
    });
    const fire = async (i: number) => {
      timers[i].live = false;
      timers[i].fn();
      await new Promise((r) => setTimeout(r, 0));
    };
    return { scheduler, timers, fire, live: () => timers.filter((t) => t.live), passes: () => passes };
  }

  it('passes that overlap (the worker starting and activating at once) leave one timer, not two chains of retries', async () => {
    const t = scheduled();
    await Promise.all([t.scheduler.replayNow(true), t.scheduler.replayNow(true)]);
    expect(t.live()).toHaveLength(1);
    // When it fires, the next pass plans one timer again.
    await t.fire(t.timers.findIndex((x) => x.live));
    expect(t.live()).toHaveLength(1);
  });

  it("a page's nudge (keep-alive, its own reconnect tick) neither restarts the backoff nor adds a pass while one is planned", async () => {
    const t = scheduled();
    await t.scheduler.replayNow(true);
    expect(t.timers.map((x) => x.ms)).toEqual([250]);
    await t.scheduler.nudge();
    await t.scheduler.nudge();
    expect(t.passes()).toBe(1);
    await t.fire(0);
    await t.scheduler.nudge();
    expect(t.passes()).toBe(2);
    expect(t.timers.map((x) => x.ms)).toEqual([250, 500]); // the backoff went on, not back to its first step
  });

  it('a nudge to a worker with nothing planned (the browser stopped and restarted it) runs a pass', async () => {
    const t = scheduled();
    await t.scheduler.nudge();
    expect(t.passes()).toBe(1);
    expect(t.timers.map((x) => x.ms)).toEqual([250]);
  });

  it('retries on its own timer while entries remain and stops when the outbox is empty', async () => {
    const left = [1, 1, 0];
    const t = scheduled(() => left.shift() ?? 0);
    await t.scheduler.replayNow(true);
    expect(t.timers.map((x) => x.ms)).toEqual([250]);
    await t.fire(0);
    expect(t.timers.map((x) => x.ms)).toEqual([250, 500]);
    await t.fire(1);
    expect(t.timers).toHaveLength(2);
    expect(t.scheduler.nextReplayAt).toBeNull();
  });
});
