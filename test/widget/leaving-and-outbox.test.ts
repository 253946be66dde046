/**
 * Leaving the page mid-payment (`pagehide` → `/interrupt {reason: 'unload'}`), and `queued` counting only this checkout's
 * requests in the service worker's outbox, which every checkout of the origin shares.
 */
import { expect, waitUntil } from '@open-wc/testing';
import type { OutboxItem, WorkerToPageMessage } from '../../widget/src/shared/protocol.js';
import {
  CARDS,
  chargesOf,
  createOrder,
  has,
  mount,
  network,
  part,
  payWith,
  serverSession,
  storedText,
  unmountAll,
  waitForEvent,
  waitForStatus,
  type Recorded,
} from './helpers.js';

type Summary = { status: string; interruptions: { reason: string }[] };
const summary = (sessionId: string) => serverSession(sessionId) as Promise<Summary>;
const reasons = async (sessionId: string) => (await summary(sessionId)).interruptions.map((i) => i.reason);
/** What the browser fires when the page goes away (reload, navigation, tab closed). */
const pagehide = () => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('<payment-checkout> leaving the page', () => {
  afterEach(async () => {
    await network(false);
    unmountAll();
  });

  it('pagehide while the server is charging records an `unload` interruption; the page that comes back finishes the attempt with its saved key: one charge', async () => {
    const orderId = await createOrder();
    const first: Recorded = [];
    let el = mount({ 'order-id': orderId }, first);
    const { sessionId } = (await waitForEvent(first, 'checkout-ready')) as { sessionId: string };
    await payWith(el, CARDS.slow);
    await waitUntil(async () => (await summary(sessionId)).status === 'PROCESSING', 'the server is charging', { timeout: 10_000 });
    await sleep(500); // the event stream tells the widget the server is charging this attempt
    pagehide();
    await waitUntil(async () => (await reasons(sessionId)).includes('unload'), 'the server recorded the unload', { timeout: 10_000 });
    expect((await summary(sessionId)).status).to.equal('INTERRUPTED');
    // The reload: this page goes, the next one restores the session from IndexedDB and re-sends the pending attempt.
    el.remove();
    const second: Recorded = [];
    el = mount({ 'order-id': orderId }, second);
    expect(await waitForEvent(second, 'checkout-ready')).to.deep.equal({ sessionId, restored: true });
    expect((await waitForEvent(second, 'checkout-complete')).sessionId).to.equal(sessionId);
    await waitForStatus(el, 'completed');
    expect((await chargesOf(sessionId)).map((c) => c.status)).to.deep.equal(['succeeded']);
    expect(await storedText(orderId)).not.to.match(/"pending":\{/);
    expect(await reasons(sessionId)).to.deep.equal(['unload']);
  });

  it('pagehide while Pay waits for the connection (the card could not be tokenized) tells the server nothing: the page that comes back is ready to pay and says the payment was not sent, not "interrupted"', async () => {
    const orderId = await createOrder();
    const first: Recorded = [];
    let el = mount({ 'order-id': orderId }, first);
    const { sessionId } = (await waitForEvent(first, 'checkout-ready')) as { sessionId: string };
    await waitForStatus(el, 'initiated');
    await network(true, '/test-processor/tokens'); // only the card's tokenization gets no answer: whatever leaving sends would arrive
    await payWith(el, CARDS.ok);
    expect((await waitForEvent(first, 'checkout-error')).code).to.equal('network');
    pagehide();
    await sleep(500);
    expect(await summary(sessionId)).to.deep.include({ status: 'INITIATED', interruptions: [] });
    // The reload, back online: the same session, ready to pay; the shopper pays once.
    el.remove();
    await network(false);
    const second: Recorded = [];
    el = mount({ 'order-id': orderId }, second);
    expect(await waitForEvent(second, 'checkout-ready')).to.deep.equal({ sessionId, restored: true });
    await waitUntil(() => has(el, 'pay-button'), 'Pay is offered', { timeout: 10_000, interval: 20 });
    await sleep(300); // the server's answer to the re-read is in
    expect(el.getAttribute('status')).to.equal('initiated');
    expect(has(el, 'resume-button')).to.equal(false);
    // The card went with the page and nothing left: said so, with the card to type again.
    expect(part(el, 'message')!.textContent).to.contain('Your payment was not sent');
    await payWith(el, CARDS.ok);
    await waitForStatus(el, 'completed');
    expect((await chargesOf(sessionId)).map((c) => c.status)).to.deep.equal(['succeeded']);
    expect(await reasons(sessionId)).to.deep.equal([]);
  });

  it('pagehide with no payment under way, or after it completed, tells the server nothing: a reload finds the session as it was', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    const { sessionId } = (await waitForEvent(events, 'checkout-ready')) as { sessionId: string };
    await waitForStatus(el, 'initiated');
    pagehide();
    await sleep(500);
    expect(await summary(sessionId)).to.deep.include({ status: 'INITIATED', interruptions: [] });

    await payWith(el, CARDS.ok);
    await waitForStatus(el, 'completed');
    pagehide();
    await sleep(500);
    expect(await summary(sessionId)).to.deep.include({ status: 'COMPLETED', interruptions: [] });
  });
});

describe('<payment-checkout> queued', () => {
  let worker: BroadcastChannel;
  beforeEach(() => {
    worker = new BroadcastChannel('payment-checkout');
  });
  afterEach(() => {
    worker.close();
    unmountAll();
  });

  const item = (id: number, sessionId: string | null): OutboxItem => ({
    id,
    url: `/api/payments/session/${sessionId ?? 'create'}/complete`,
    method: 'POST',
    idempotencyKey: `key-${id}-${Math.random()}`,
    sessionId,
    queuedAt: Date.now(),
    attempts: 0,
    lastError: null,
  });
  /** What the worker broadcasts after every change of its outbox (here on its behalf: a test page cannot host it). */
  const outboxState = (items: OutboxItem[]) =>
    worker.postMessage({ type: 'outbox-state', items, nextReplayAt: null, answers: [] } satisfies WorkerToPageMessage);

  it("is set only while this checkout's own requests wait in the outbox, not another order's", async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    // The worker URL does not exist: registration fails and the widget works online, its bridge still listening to the channel.
    const el = mount({ 'order-id': orderId, sw: '/no-such-payment-sw.js' }, events);
    const { sessionId } = (await waitForEvent(events, 'checkout-ready')) as { sessionId: string };
    await waitForStatus(el, 'initiated');
    await sleep(300); // the bridge module loads and starts listening

    const others = [item(1, 'cs_another_order_session'), item(2, null)];
    outboxState(others);
    await sleep(300);
    expect(el.hasAttribute('queued'), 'queued for another order').to.equal(false);

    outboxState([...others, item(3, sessionId)]);
    await waitUntil(() => el.hasAttribute('queued'), 'queued for its own session', { timeout: 5_000 });

    outboxState(others);
    await waitUntil(() => !el.hasAttribute('queued'), 'no longer queued once its own request left', { timeout: 5_000 });
  });
});
