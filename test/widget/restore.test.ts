/**
 * Restoring before the tab lock: a re-mounted checkout shows its IndexedDB record while the Web Lock that makes this
 * tab its leader is still being granted (tens of ms on a reload), with its buttons disabled; the tab that leads reads
 * the record again and shows what it says then.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { openDB } from 'idb';
import type { PaymentCheckout } from '../../widget/src/index.js';
import { CARDS, chargesOf, createOrder, mount, part, payWith, unmountAll, waitForEvent, waitForStatus, type Recorded } from './helpers.js';

/** Holds back every tab-lock request of the widget until the returned function is called (a slow grant). */
function holdTabLocks(): () => void {
  const proto = Object.getPrototypeOf(navigator.locks) as LockManager;
  const request = proto.request;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  proto.request = function (this: LockManager, ...args: Parameters<LockManager['request']>) {
    return gate.then(() => (request as (...a: unknown[]) => Promise<unknown>).apply(this, args));
  } as LockManager['request'];
  return () => {
    proto.request = request;
    open();
  };
}

/** Holds back the widget's reads of its session from the server until the returned function is called. */
function holdSessionReads(): () => void {
  const fetch0 = window.fetch;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  window.fetch = (input, init) =>
    (!init?.method || init.method === 'GET') && /\/session\/cs_\w+$/.test(String(input)) ? gate.then(() => fetch0(input, init)) : fetch0(input, init);
  return () => {
    window.fetch = fetch0;
    open();
  };
}

/** A session created and saved by a first mount of the order, then unmounted. */
async function savedSession(orderId: string): Promise<string> {
  const events: Recorded = [];
  const el = mount({ 'order-id': orderId }, events);
  await waitForStatus(el, 'initiated');
  const { sessionId } = await waitForEvent(events, 'checkout-ready');
  el.remove();
  return sessionId as string;
}

const sessionIdShown = (el: PaymentCheckout) => part(el, 'session-id')?.textContent ?? '';

describe('<payment-checkout> restore before the tab lock', () => {
  let release: (() => void) | null = null;
  let answer: (() => void) | null = null;
  afterEach(() => {
    release?.();
    answer?.();
    release = answer = null;
    unmountAll();
  });

  it('shows the saved session, Pay disabled, while the tab lock waits; pays once this tab leads', async () => {
    const orderId = await createOrder();
    const sessionId = await savedSession(orderId);

    release = holdTabLocks();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitUntil(() => sessionIdShown(el).includes(sessionId) && part(el, 'pay-button') !== null, 'the saved session shown', { timeout: 5_000 });
    expect(el.getAttribute('status')).to.equal('initiated');
    expect((part(el, 'pay-button') as HTMLButtonElement).disabled, 'Pay disabled before the lock').to.equal(true);
    expect(
      events.some((e) => e.type === 'checkout-ready'),
      'checkout-ready waits for the lock',
    ).to.equal(false);

    release();
    release = null;
    expect(await waitForEvent(events, 'checkout-ready')).to.deep.equal({ sessionId, restored: true });
    await payWith(el, CARDS.ok);
    expect((await waitForEvent(events, 'checkout-complete')).sessionId).to.equal(sessionId);
    expect(await chargesOf(sessionId)).to.have.length(1);
  });

  it('a record another tab changed while the lock waited: the leading tab shows it as it is now, before the server answers', async () => {
    const orderId = await createOrder();
    const sessionId = await savedSession(orderId);

    release = holdTabLocks();
    answer = holdSessionReads();
    const el = mount({ 'order-id': orderId });
    await waitUntil(() => sessionIdShown(el).includes(sessionId) && part(el, 'pay-button') !== null, 'the saved session shown', { timeout: 5_000 });
    // Meanwhile another tab's attempt was declined: its record says so.
    const db = await openDB('payment-checkout');
    const record = (await db.getAll('sessions')).find((r: { sessionId: string }) => r.sessionId === sessionId);
    await db.put('sessions', { ...record, status: 'INTERRUPTED', attempt: 1, reason: 'card_declined', updatedAt: Date.now() });
    db.close();

    release();
    release = null;
    await waitUntil(() => part(el, 'retry-button') !== null && part(el, 'pay-button') === null, 'the decline shown', { timeout: 5_000 });
    expect(el.getAttribute('status')).to.equal('interrupted');
  });
});
