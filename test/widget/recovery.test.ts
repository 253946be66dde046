/**
 * Issue 12 in the element, against the real server: a decline that survives a reload, a timeout whose Retry asks the
 * server and never for a card, an order paid elsewhere, honest `checkout-ready` / `checkout-status`, a refused origin
 * told apart from a dead server, and the final views' events.
 */
import { expect, waitUntil } from '@open-wc/testing';
import {
  API,
  CARDS,
  chargesOf,
  createOrder,
  has,
  mount,
  network,
  part,
  payWith,
  unmountAll,
  waitForEvent,
  waitForPart,
  waitForStatus,
  type Recorded,
} from './helpers.js';

const directApi = (window as unknown as { __PC_TEST__: { directApi: string } }).__PC_TEST__.directApi;

/** Pays an order through its own session, as another device would (no widget, no IndexedDB of this page). */
async function payElsewhere(orderId: string): Promise<void> {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${API}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then((r) => r.json());
  const s = await post('/session/create', { orderId });
  const { token } = await post('/test-processor/tokens', { card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } });
  const done = await post(
    `/session/${s.sessionId}/complete`,
    { paymentMethod: { token } },
    { authorization: `Bearer ${s.clientSecret}`, 'idempotency-key': crypto.randomUUID() },
  );
  if (done.status !== 'COMPLETED') throw new Error(JSON.stringify(done));
}

describe('<payment-checkout> shopper recovery', () => {
  afterEach(async () => {
    await network(false);
    unmountAll();
  });

  it('a reload shows the amount on Pay at once, before (or without) the server answering', async () => {
    const orderId = await createOrder();
    const first = mount({ 'order-id': orderId });
    await waitForPart(first, 'pay-button');
    const label = part(first, 'pay-button')!.textContent!.trim();
    expect(label).to.match(/^Pay €\d+\.\d\d$/);
    first.remove();
    await network(true, '/session/'); // the reload finds the server away: only IndexedDB knows the session
    const events: Recorded = [];
    const again = mount({ 'order-id': orderId }, events);
    expect(await waitForEvent(events, 'checkout-ready')).to.include({ restored: true });
    await waitForPart(again, 'pay-button');
    expect(part(again, 'pay-button')!.textContent!.trim()).to.equal(label);
  });

  it('a reload after a decline keeps the reason and Retry (not Resume)', async () => {
    const orderId = await createOrder();
    const el = mount({ 'order-id': orderId });
    await payWith(el, CARDS.insufficient);
    await waitForPart(el, 'retry-button');
    el.remove();
    const events: Recorded = [];
    const again = mount({ 'order-id': orderId }, events);
    expect(await waitForEvent(events, 'checkout-ready')).to.include({ restored: true });
    await waitForPart(again, 'retry-button');
    expect(part(again, 'message')!.textContent).to.contain('insufficient funds');
    expect(part(again, 'status')!.textContent).to.equal('Payment declined');
    expect(has(again, 'resume-button'), 'resume-button').to.equal(false);
    expect(has(again, 'pay-button'), 'pay-button').to.equal(false);
  });

  it('slow card, timeout: Retry alone is offered; it asks the server and never asks for a card; one charge', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': await createOrder(), timeout: '1000' }, events);
    const { sessionId } = await waitForEvent(events, 'checkout-ready');
    await payWith(el, CARDS.slow);
    await waitForPart(el, 'retry-button');
    expect(part(el, 'status')!.textContent).to.equal('Payment not confirmed yet');
    expect(['pay-button', 'cancel-button', 'resume-button'].map((p) => has(el, p))).to.deep.equal([false, false, false]);
    const seen: string[] = [];
    const record = setInterval(() => seen.push(`${part(el, 'status')!.textContent}|${part(el, 'message')!.textContent}`), 20);
    part(el, 'retry-button')!.click();
    await waitForEvent(events, 'checkout-complete');
    clearInterval(record);
    expect(seen.filter((s) => /Enter|Ready to pay/.test(s))).to.deep.equal([]);
    expect((await chargesOf(sessionId as string)).map((c) => c.status)).to.deep.equal(['succeeded']);
  });

  it('an order paid on another device: the final "already paid" view comes without pressing Pay, and a reload shows it with the same status', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitForPart(el, 'pay-button');
    await payElsewhere(orderId);
    await waitUntil(() => part(el, 'status')?.textContent === 'Order already paid', 'paid elsewhere view, no click');
    expect(part(el, 'message')!.textContent).to.contain('already paid');
    expect(['pay-button', 'retry-button', 'resume-button', 'cancel-button'].map((p) => has(el, p))).to.deep.equal([false, false, false, false]);
    expect(has(el, 'attempts'), 'no "Attempt 1 of 3" under a payment made elsewhere').to.equal(false);
    expect(events.find((e) => e.type === 'checkout-error')!.detail).to.include({ code: 'order_already_paid', retryable: false });
    // The server closed this session (CANCELLED, lastError order_already_paid): the reflected status and the events say so.
    expect(el.getAttribute('status')).to.equal('cancelled');
    expect(events.filter((e) => e.type === 'checkout-status').at(-1)!.detail).to.include({ status: 'cancelled' });
    expect(
      events.some((e) => e.type === 'checkout-cancel'),
      'no checkout-cancel',
    ).to.equal(false);
    // A reload (the element mounted again) shows the same view and status, not `idle`.
    el.remove();
    const again: Recorded = [];
    const other = mount({ 'order-id': orderId }, again);
    await waitUntil(() => part(other, 'status')?.textContent === 'Order already paid', 'paid view on coming back');
    expect(has(other, 'pay-button'), 'pay-button').to.equal(false);
    expect(other.getAttribute('status')).to.equal('cancelled');
    expect(again.filter((e) => e.type === 'checkout-status').map((e) => e.detail.status)).to.deep.equal(['cancelled']);
  });

  it('an order paid before this page opened: the final view at once, no session of its own (status idle)', async () => {
    const orderId = await createOrder();
    await payElsewhere(orderId);
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitUntil(() => part(el, 'status')?.textContent === 'Order already paid', 'paid view');
    expect(has(el, 'pay-button'), 'pay-button').to.equal(false);
    expect(el.getAttribute('status')).to.equal('idle');
    expect(events.filter((e) => e.type === 'checkout-status')).to.deep.equal([]);
    expect(events.find((e) => e.type === 'checkout-error')!.detail).to.include({ code: 'order_already_paid', retryable: false });
  });

  it('checkout-ready.restored is false for a new merchant session; every checkout-status carries the real attempt and limit', async () => {
    const orderId = await createOrder();
    const created = await (
      await fetch(`${API}/session/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId }) })
    ).json();
    const events: Recorded = [];
    const el = mount({ 'session-id': created.sessionId, 'client-secret': created.clientSecret }, events);
    expect(await waitForEvent(events, 'checkout-ready')).to.deep.equal({ sessionId: created.sessionId, restored: false });
    await waitForStatus(el, 'initiated');
    const statuses = events.filter((e) => e.type === 'checkout-status').map((e) => e.detail);
    expect(statuses[0]).to.deep.equal({ status: 'initiated', attempt: 1, maxAttempts: 3 });
    expect(statuses.every((s) => (s.attempt as number) >= 1 && s.maxAttempts === 3)).to.equal(true);
  });

  it('a server that refuses this page origin (CORS): origin_not_allowed, final, and a console error naming ALLOWED_ORIGINS', async () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.join(' '));
    try {
      const events: Recorded = [];
      const el = mount({ 'order-id': await createOrder(), api: directApi }, events);
      const error = await waitForEvent(events, 'checkout-error');
      expect(error).to.include({ code: 'origin_not_allowed', retryable: false });
      expect(part(el, 'status')!.textContent).to.equal('Checkout unavailable');
      expect(el.hasAttribute('offline')).to.equal(false);
      expect(logged.some((l) => l.includes('ALLOWED_ORIGINS') && l.includes(location.origin))).to.equal(true);
    } finally {
      console.error = original;
    }
  });

  it('an unknown order is a final view: never "Preparing checkout…" beside "could not be found"', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': 'ord_doesnotexist0000' }, events);
    expect(await waitForEvent(events, 'checkout-error')).to.include({ code: 'order_not_found', retryable: false });
    expect(part(el, 'status')!.textContent).to.equal('Checkout unavailable');
    expect(part(el, 'message')!.textContent).to.equal('This order could not be found.');
  });
});
