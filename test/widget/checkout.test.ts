/** The checkout against the real server: statuses, events and their details, decline → retry, max retries, cancel, restore. */
import { expect, waitUntil } from '@open-wc/testing';
import {
  CARDS,
  chargesOf,
  createOrder,
  mount,
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
  focusedPart,
} from './helpers.js';

describe('<payment-checkout> against the server', () => {
  afterEach(unmountAll);

  it('creates a session, renders INITIATED with the attempt and session id, and emits checkout-ready and checkout-status', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await el.updateComplete;
    expect(el.getAttribute('status')).to.equal('idle');
    const ready = await waitForEvent(events, 'checkout-ready');
    expect(ready.restored).to.equal(false);
    expect(ready.sessionId).to.match(/^cs_/);
    await waitForStatus(el, 'initiated');
    expect(el.getAttribute('attempt')).to.equal('1');
    expect(el.getAttribute('max-attempts')).to.equal('3');
    expect(part(el, 'attempts')!.textContent).to.equal('Attempt 1 of 3');
    expect(part(el, 'session-id')!.textContent).to.contain(ready.sessionId as string);
    expect(events.find((e) => e.type === 'checkout-status')!.detail).to.deep.equal({ status: 'initiated', attempt: 1, maxAttempts: 3 });
    expect(has(el, 'pay-button'), 'pay-button').to.equal(true);
    expect(has(el, 'retry-button'), 'retry-button').to.equal(false);
    expect(has(el, 'resume-button'), 'resume-button').to.equal(false);
    expect(has(el, 'cancel-button'), 'cancel-button').to.equal(true);
    expect(part<HTMLInputElement>(el, 'card-number')!.autocomplete).to.equal('cc-number');
    expect(part<HTMLInputElement>(el, 'card-expiry')!.autocomplete).to.equal('cc-exp');
    expect(part<HTMLInputElement>(el, 'card-cvc')!.autocomplete).to.equal('cc-csc');
  });

  it('pays: processing, then completed with checkout-complete {sessionId, orderId, paymentId}; one charge', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitForStatus(el, 'initiated');
    await payWith(el, CARDS.ok);
    const done = await waitForEvent(events, 'checkout-complete');
    await waitForStatus(el, 'completed');
    expect(done.orderId).to.equal(orderId);
    expect(done.sessionId).to.equal((await waitForEvent(events, 'checkout-ready')).sessionId);
    expect(done.paymentId).to.be.a('string').and.not.equal('');
    expect(events.some((e) => e.type === 'checkout-status' && e.detail.status === 'processing')).to.equal(true);
    expect(part(el, 'message')!.textContent).to.contain('Payment complete');
    expect(has(el, 'pay-button'), 'pay-button').to.equal(false);
    expect(has(el, 'cancel-button'), 'cancel-button').to.equal(false);
    const charges = await chargesOf(done.sessionId as string);
    expect(charges.map((c) => c.status)).to.deep.equal(['succeeded']);
  });

  it('IndexedDB holds the session after a payment but never the card number, expiry or CVC', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await payWith(el, CARDS.ok);
    await waitForEvent(events, 'checkout-complete');
    const text = await storedText();
    expect(text).to.contain((await waitForEvent(events, 'checkout-ready')).sessionId as string);
    expect(text).not.to.contain('4242424242424242');
    expect(text).not.to.contain('4242 4242');
    expect(text).not.to.match(/12\/34|"cvc"|"number"/);
    // Nor in the events or attributes.
    expect(JSON.stringify(events)).not.to.contain('4242');
    expect([...el.attributes].map((a) => a.value).join(' ')).not.to.contain('4242');
  });

  it('a decline says why in words, Retry resumes attempt 2, and another card succeeds', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await payWith(el, CARDS.insufficient);
    await waitForStatus(el, 'interrupted');
    const error = await waitForEvent(events, 'checkout-error');
    expect(error).to.deep.equal({ code: 'insufficient_funds', message: 'The card has insufficient funds. Try another card.', retryable: true });
    expect(part(el, 'message')!.textContent).to.contain('insufficient funds');
    expect(part(el, 'status')!.textContent).to.equal('Payment declined');
    expect(has(el, 'pay-button'), 'pay-button').to.equal(false);
    (await waitForPart(el, 'retry-button')).click();
    await waitForStatus(el, 'resumed');
    expect(el.getAttribute('attempt')).to.equal('2');
    expect(part(el, 'attempts')!.textContent).to.equal('Attempt 2 of 3');
    // The next attempt starts in the card number, with what was typed still there to change.
    await waitUntil(() => focusedPart(el) === 'card-number', 'focus on the card number');
    await payWith(el, CARDS.ok);
    await waitForEvent(events, 'checkout-complete');
    const summary = await serverSession((await waitForEvent(events, 'checkout-ready')).sessionId as string);
    expect(summary.status).to.equal('COMPLETED');
    expect(summary.attempts).to.equal(2);
    const statuses = events.filter((e) => e.type === 'checkout-status').map((e) => `${e.detail.status}:${e.detail.attempt}`);
    expect(statuses).to.include.members(['initiated:1', 'processing:1', 'interrupted:1', 'resumed:2', 'processing:2', 'completed:2']);
  });

  it('after the last decline: "Max retries exceeded", a new checkout for the order or Cancel, no Pay/Retry/Resume; Cancel emits checkout-cancel', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    for (const attempt of [1, 2, 3]) {
      if (attempt > 1) {
        (await waitForPart(el, 'retry-button')).click();
        await waitForStatus(el, 'resumed');
        expect(el.getAttribute('attempt')).to.equal(String(attempt));
      }
      await payWith(el, CARDS.declined);
      await waitForStatus(el, attempt === 3 ? 'failed_max_retries' : 'interrupted');
    }
    expect(part(el, 'status')!.textContent).to.equal('Max retries exceeded');
    expect(part(el, 'message')!.textContent).to.contain('start a new checkout for this order');
    expect(events.find((e) => e.type === 'checkout-error' && e.detail.code === 'max_retries_exceeded')?.detail.retryable).to.equal(false);
    expect(has(el, 'restart-button'), 'restart-button').to.equal(true);
    expect(has(el, 'pay-button'), 'pay-button').to.equal(false);
    expect(has(el, 'retry-button'), 'retry-button').to.equal(false);
    expect(has(el, 'resume-button'), 'resume-button').to.equal(false);
    (await waitForPart(el, 'cancel-button')).click();
    const cancel = await waitForEvent(events, 'checkout-cancel');
    expect(cancel).to.deep.equal({ sessionId: (await waitForEvent(events, 'checkout-ready')).sessionId, reason: 'user' });
    expect((await serverSession(cancel.sessionId as string)).status).to.equal('FAILED_MAX_RETRIES');
    expect(await chargesOf(cancel.sessionId as string)).to.have.length(3);
  });

  it('cancel() cancels the session on the server and emits checkout-cancel with the reason', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitForStatus(el, 'initiated');
    await el.cancel('changed_mind');
    await waitForStatus(el, 'cancelled');
    const cancel = await waitForEvent(events, 'checkout-cancel');
    expect(cancel.reason).to.equal('changed_mind');
    expect((await serverSession(cancel.sessionId as string)).status).to.equal('CANCELLED');
    expect(has(el, 'cancel-button'), 'cancel-button').to.equal(false);
    expect(part(el, 'message')!.textContent).to.contain('cancelled');
  });

  it('a re-mount restores the same session, status and attempt from IndexedDB (checkout-ready restored: true)', async () => {
    const orderId = await createOrder();
    const first: Recorded = [];
    let el = mount({ 'order-id': orderId }, first);
    await payWith(el, CARDS.declined);
    await waitForStatus(el, 'interrupted');
    (await waitForPart(el, 'retry-button')).click();
    await waitForStatus(el, 'resumed');
    const sessionId = (await waitForEvent(first, 'checkout-ready')).sessionId;
    el.remove();

    const second: Recorded = [];
    el = mount({ 'order-id': orderId }, second);
    const ready = await waitForEvent(second, 'checkout-ready');
    expect(ready).to.deep.equal({ sessionId, restored: true });
    await waitForStatus(el, 'resumed');
    expect(el.getAttribute('attempt')).to.equal('2');
    await payWith(el, CARDS.ok);
    expect((await waitForEvent(second, 'checkout-complete')).sessionId).to.equal(sessionId);

    el.remove();
    const third: Recorded = [];
    el = mount({ 'order-id': orderId }, third);
    expect((await waitForEvent(third, 'checkout-ready')).restored).to.equal(true);
    await waitForStatus(el, 'completed');
    expect(await chargesOf(sessionId as string)).to.have.length(2); // one decline, one success
  });

  it('uses a session created by a merchant backend (session-id + client-secret)', async () => {
    const orderId = await createOrder();
    const res = await fetch('/api/payments/session/create', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId }),
    });
    const created = await res.json();
    const events: Recorded = [];
    const el = mount({ 'session-id': created.sessionId, 'client-secret': created.clientSecret }, events);
    await waitForStatus(el, 'initiated');
    expect((await waitForEvent(events, 'checkout-ready')).sessionId).to.equal(created.sessionId);
    await payWith(el, CARDS.ok);
    expect((await waitForEvent(events, 'checkout-complete')).orderId).to.equal(orderId);
  });

  it('an interruption that used no attempt shows Resume, which continues in the same attempt', async () => {
    const orderId = await createOrder();
    const created = await (
      await fetch('/api/payments/session/create', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId }) })
    ).json();
    const auth = { authorization: `Bearer ${created.clientSecret}`, 'content-type': 'application/json' };
    await fetch(`/api/payments/session/${created.sessionId}/interrupt`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'user' }) });
    const events: Recorded = [];
    const el = mount({ 'session-id': created.sessionId, 'client-secret': created.clientSecret }, events);
    await waitForStatus(el, 'interrupted');
    expect(has(el, 'retry-button'), 'retry-button').to.equal(false);
    (await waitForPart(el, 'resume-button')).click();
    await waitForStatus(el, 'resumed');
    expect(el.getAttribute('attempt')).to.equal('1');
    expect(has(el, 'resume-button'), 'resume-button').to.equal(false);
    await waitUntil(() => focusedPart(el) === 'card-number', 'focus on the card number for the new attempt');
    await payWith(el, CARDS.ok);
    await waitForEvent(events, 'checkout-complete');
  });

  it('an unknown order is a checkout-error, not an exception', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': 'ord_doesnotexist' }, events);
    const error = await waitForEvent(events, 'checkout-error');
    expect(error.code).to.equal('order_not_found');
    expect(error.retryable).to.equal(false);
    expect(el.getAttribute('status')).to.equal('idle');
    expect(part(el, 'message')!.textContent).to.contain('could not be found');
  });
});
