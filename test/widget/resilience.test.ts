/** Timeouts, reloads mid-payment, network loss, two elements on one order, expiry, and the live status fallback. */
import { expect, waitUntil } from '@open-wc/testing';
import type { SessionJson } from '../../widget/src/index.js';
import { LiveStatus } from '../../widget/src/transport/live-status.js';
import { PaymentStatusPoller } from '../../widget/src/transport/poller.js';
import {
  API,
  CARDS,
  chargesOf,
  createOrder,
  mount,
  network,
  part,
  payWith,
  serverSession,
  storedText,
  unmountAll,
  waitForEvent,
  waitForPart,
  waitForStatus,
  type Recorded,
  has,
} from './helpers.js';

describe('<payment-checkout> resilience', () => {
  afterEach(async () => {
    unmountAll();
    await network(false);
  });

  it('a timeout (card 6975) records the interruption, offers Retry, and Retry asks the server: one charge', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId, timeout: '800' }, events);
    const { sessionId } = await waitForEvent(events, 'checkout-ready');
    await payWith(el, CARDS.slow);
    const error = await waitForEvent(events, 'checkout-error');
    expect(error.code).to.equal('timeout');
    expect(error.retryable).to.equal(true);
    expect(part(el, 'message')!.textContent).to.contain('longer than expected');
    const summary = await serverSession(sessionId as string);
    expect(summary.interruptions.map((i: { reason: string }) => i.reason)).to.include('timeout');
    if (el.getAttribute('status') !== 'completed') (await waitForPart(el, 'retry-button')).click();
    const done = await waitForEvent(events, 'checkout-complete');
    expect(done.sessionId).to.equal(sessionId);
    await waitForStatus(el, 'completed');
    const charges = await chargesOf(sessionId as string);
    expect(charges.map((c) => c.status)).to.deep.equal(['succeeded']);
  });

  it('a re-mount while the payment is pending finishes it with the saved key (no second charge)', async () => {
    const orderId = await createOrder();
    const first: Recorded = [];
    const el = mount({ 'order-id': orderId }, first);
    const { sessionId } = await waitForEvent(first, 'checkout-ready');
    await payWith(el, CARDS.slow);
    await waitUntil(async () => /"pending":\{"idempotencyKey"/.test(await storedText(orderId)), 'pending attempt saved', { timeout: 10_000 });
    await waitForStatus(el, 'processing');
    el.remove();

    const second: Recorded = [];
    mount({ 'order-id': orderId }, second);
    expect(await waitForEvent(second, 'checkout-ready')).to.deep.equal({ sessionId, restored: true });
    expect((await waitForEvent(second, 'checkout-complete')).sessionId).to.equal(sessionId);
    expect((await chargesOf(sessionId as string)).map((c) => c.status)).to.deep.equal(['succeeded']);
    expect(await storedText(orderId)).not.to.match(/"pending":\{/);
  });

  it('the server unreachable (browser online): the shopper is told it retries by itself, `offline` reflects it, and the payment continues when it answers', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    const { sessionId } = await waitForEvent(events, 'checkout-ready');
    await waitForStatus(el, 'initiated');
    await network(true, '/complete');
    await payWith(el, CARDS.ok);
    const error = await waitForEvent(events, 'checkout-error');
    expect(error).to.include({ code: 'network', retryable: true });
    await waitUntil(() => el.hasAttribute('offline'), 'offline attribute');
    expect(part(el, 'message')!.textContent).to.contain('tries again by itself');
    expect(part(el, 'message')!.textContent).not.to.contain('offline');
    expect(has(el, 'retry-button'), 'retry-button').to.equal(true);
    expect(has(el, 'pay-button'), 'pay-button').to.equal(false);
    const pendingKey = /"pending":\{"idempotencyKey":"([^"]+)"/.exec(await storedText(orderId))?.[1];
    expect(pendingKey).to.be.a('string');

    await network(false);
    window.dispatchEvent(new Event('online'));
    await waitForEvent(events, 'checkout-complete');
    expect(el.hasAttribute('offline')).to.equal(false);
    expect((await chargesOf(sessionId as string)).map((c) => c.status)).to.deep.equal(['succeeded']);
  });

  it('network loss before the card is tokenized: Retry (or the widget by itself) continues with the card still in the form', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitForStatus(el, 'initiated');
    await network(true);
    await payWith(el, CARDS.ok);
    expect((await waitForEvent(events, 'checkout-error')).code).to.equal('network');
    await network(false);
    // The widget also tries again by itself once the network is back (backoff from ~1 s): either way it continues.
    await waitUntil(() => has(el, 'retry-button') || events.some((e) => e.type === 'checkout-complete'), 'Retry or completion', {
      timeout: 20_000,
      interval: 20,
    });
    if (has(el, 'retry-button')) part(el, 'retry-button')!.click();
    await waitForEvent(events, 'checkout-complete');
    await waitForStatus(el, 'completed');
  });

  it('two elements on one order: one drives (Web Locks), the other mirrors it (BroadcastChannel); one charge', async () => {
    const orderId = await createOrder();
    const a: Recorded = [];
    const b: Recorded = [];
    const first = mount({ 'order-id': orderId }, a);
    const second = mount({ 'order-id': orderId }, b);
    const { sessionId } = await waitForEvent(a, 'checkout-ready');
    await waitForStatus(first, 'initiated');
    await waitForStatus(second, 'initiated');
    expect(part(second, 'session-id')!.textContent).to.contain(sessionId as string);
    expect(has(second, 'pay-button'), 'pay-button').to.equal(false);
    expect(part(second, 'message')!.textContent).to.contain('another window');
    await payWith(first, CARDS.ok);
    expect((await waitForEvent(a, 'checkout-complete')).sessionId).to.equal(sessionId);
    expect((await waitForEvent(b, 'checkout-complete')).sessionId).to.equal(sessionId);
    await waitForStatus(second, 'completed');
    // The driver leaves: the mirror takes over from IndexedDB and the server.
    first.remove();
    expect(await waitForEvent(b, 'checkout-ready')).to.deep.equal({ sessionId, restored: true });
    expect(second.getAttribute('status')).to.equal('completed');
    expect((await chargesOf(sessionId as string)).length).to.equal(1);
  });

  it('renders EXPIRED when the session expires, and a later visit starts a new session', async () => {
    const orderId = await createOrder('/expiring');
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId, api: `/expiring${API}` }, events);
    const { sessionId } = await waitForEvent(events, 'checkout-ready');
    await waitForStatus(el, 'expired');
    expect(part(el, 'status')!.textContent).to.equal('Checkout expired');
    expect(has(el, 'pay-button'), 'pay-button').to.equal(false);
    el.remove();
    const again: Recorded = [];
    mount({ 'order-id': orderId, api: `/expiring${API}` }, again);
    const ready = await waitForEvent(again, 'checkout-ready');
    expect(ready.restored).to.equal(false);
    expect(ready.sessionId).not.to.equal(sessionId);
  });
});

describe('live status', () => {
  it('the element opens one event stream for its session and closes it when removed', async () => {
    const opened: EventSource[] = [];
    const Original = window.EventSource;
    window.EventSource = class extends Original {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        opened.push(this);
      }
    };
    try {
      const el = mount({ 'order-id': await createOrder() });
      await waitForStatus(el, 'initiated');
      await waitUntil(() => opened.length === 1 && opened[0].readyState === EventSource.OPEN, 'stream open');
      expect(opened[0].url).to.contain('/events?client_secret=');
      el.remove();
      expect(opened.map((s) => s.readyState)).to.deep.equal([EventSource.CLOSED]);
    } finally {
      window.EventSource = Original;
    }
  });

  async function newSession() {
    const orderId = await createOrder();
    const res = await fetch(`${API}/session/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId }) });
    return res.json();
  }
  const getter = (s: { sessionId: string; clientSecret: string }) => async () =>
    (await fetch(`${API}/session/${s.sessionId}`, { headers: { authorization: `Bearer ${s.clientSecret}` } })).json() as Promise<SessionJson>;

  it('reads the SSE stream, with the session at once', async () => {
    const s = await newSession();
    const seen: SessionJson[] = [];
    const live = new LiveStatus({
      url: `${API}/session/${s.sessionId}/events?client_secret=${s.clientSecret}`,
      fetchSession: getter(s),
      onSession: (x) => seen.push(x),
    });
    live.start();
    await waitUntil(() => seen.length > 0, 'first event');
    expect(live.mode).to.equal('sse');
    expect(seen[0]).to.include({ sessionId: s.sessionId, status: 'INITIATED' });
    live.stop();
  });

  it('falls back to PaymentStatusPoller when the stream fails, and stops delivering on stop()', async () => {
    const s = await newSession();
    const seen: SessionJson[] = [];
    const live = new LiveStatus({
      url: `${API}/session/${s.sessionId}/events?client_secret=wrong`,
      fetchSession: getter(s),
      onSession: (x) => seen.push(x),
      pollIntervalMs: 20,
      maxPolls: 1000,
    });
    live.start();
    await waitUntil(() => seen.length >= 2, 'polled sessions', { timeout: 10_000 });
    expect(live.mode).to.equal('polling');
    expect(seen[0].sessionId).to.equal(s.sessionId);
    live.stop();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.length).to.equal(count);
  });

  it('after the stream fails, a poll that gets no session is reported (onError), and polling goes on', async () => {
    const s = await newSession();
    let errors = 0;
    let fail = true;
    const seen: SessionJson[] = [];
    const live = new LiveStatus({
      url: `${API}/session/${s.sessionId}/events?client_secret=wrong`,
      fetchSession: () => (fail ? Promise.reject(new TypeError('Failed to fetch')) : getter(s)()),
      onSession: (x) => seen.push(x),
      onError: () => errors++,
      pollIntervalMs: 20,
      maxPolls: 1000,
    });
    live.start();
    await waitUntil(() => errors >= 2, 'failed polls reported', { timeout: 10_000 });
    expect(seen).to.have.length(0);
    fail = false;
    await waitUntil(() => seen.length > 0, 'a session once the server answers', { timeout: 10_000 });
    live.stop();
  });

  it('PaymentStatusPoller polls at most maxPolls times (defaults 2000 ms and 30)', async () => {
    const s = await newSession();
    expect(new PaymentStatusPoller({ fetchSession: getter(s), onSession: () => {} })).to.include({ intervalMs: 2000, maxPolls: 30 });
    let calls = 0;
    let done = '';
    const poller = new PaymentStatusPoller({
      fetchSession: () => (calls++, getter(s)()),
      onSession: () => {},
      intervalMs: 5,
      maxPolls: 4,
      onDone: (r) => (done = r),
    });
    poller.start();
    await waitUntil(() => done !== '', 'poller done');
    expect(done).to.equal('exhausted');
    expect(calls).to.equal(4);
    expect(poller.running).to.equal(false);
  });
});
