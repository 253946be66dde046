/** Accessibility (axe in every state, keyboard-only flow, focus), the leave-page warning, and locales. */
import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { CARDS, createOrder, has, mount, part, payWith, unmountAll, waitForEvent, waitForPart, waitForStatus, type Recorded, focusedPart } from './helpers.js';

function leaveWarningShown(): boolean {
  const event = new Event('beforeunload', { cancelable: true });
  window.dispatchEvent(event);
  return event.defaultPrevented;
}

describe('<payment-checkout> accessibility', () => {
  afterEach(unmountAll);

  it('has no axe violations when initiated, interrupted, at max retries and completed', async () => {
    const orderId = await createOrder();
    const events: Recorded = [];
    const el = mount({ 'order-id': orderId }, events);
    await waitForStatus(el, 'initiated');
    await expect(el).to.be.accessible();
    for (const attempt of [1, 2, 3]) {
      if (attempt > 1) {
        (await waitForPart(el, 'retry-button')).click();
        await waitForStatus(el, 'resumed');
        await expect(el).to.be.accessible();
      }
      await payWith(el, CARDS.declined);
      await waitForStatus(el, attempt === 3 ? 'failed_max_retries' : 'interrupted');
      await waitForPart(el, attempt === 3 ? 'cancel-button' : 'retry-button');
      await expect(el).to.be.accessible();
    }
    const paid = mount({ 'order-id': await createOrder() }, events);
    await payWith(paid, CARDS.ok);
    await waitForStatus(paid, 'completed');
    await expect(paid).to.be.accessible();
  });

  it('has no axe violations while mirroring another element, and in French', async () => {
    const orderId = await createOrder();
    const leader = mount({ 'order-id': orderId, locale: 'fr' });
    const mirror = mount({ 'order-id': orderId, locale: 'fr' });
    await waitForStatus(leader, 'initiated');
    await waitForStatus(mirror, 'initiated');
    await waitUntil(() => part(leader, 'attempts') && part(mirror, 'attempts'), 'French rendered (its strings are a chunk of their own)');
    await expect(leader).to.be.accessible();
    await expect(mirror).to.be.accessible();
    expect(part(leader, 'attempts')!.textContent).to.equal('Tentative 1 sur 3');
    expect(leader.shadowRoot!.querySelector('label[for="cc-number"]')!.textContent).to.equal('Numéro de carte');
    expect(part(leader, 'cancel-button')!.textContent!.trim()).to.equal('Annuler');
  });

  it('every input has a label and a card autocomplete hint; the status is a live region', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForStatus(el, 'initiated');
    for (const [partName, hint] of [
      ['card-number', 'cc-number'],
      ['card-expiry', 'cc-exp'],
      ['card-cvc', 'cc-csc'],
    ]) {
      const input = part<HTMLInputElement>(el, partName)!;
      expect(input.labels!.length, partName).to.equal(1);
      expect(input.getAttribute('autocomplete')).to.equal(hint);
    }
    expect(part(el, 'status')!.getAttribute('role')).to.equal('status');
    expect(part(el, 'message')!.getAttribute('aria-live')).to.equal('polite');
  });

  it('fits a column narrower than its inputs side by side (wider than the 400 px one-column break): nothing sticks out', async () => {
    const column = document.createElement('div');
    column.style.width = '340px';
    document.body.append(column);
    try {
      const el = document.createElement('payment-checkout');
      el.setAttribute('order-id', await createOrder());
      column.append(el);
      await waitForPart(el, 'pay-button');
      const right = column.getBoundingClientRect().right;
      const parts = ['form', 'card-expiry', 'card-cvc'].map((p) => Math.round(part(el, p)!.getBoundingClientRect().right));
      expect(parts.map((r) => r <= Math.round(right))).to.deep.equal([true, true, true]);
    } finally {
      column.remove();
    }
  });

  it('pays with the keyboard only, with a visible focus ring', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': await createOrder() }, events);
    await waitForStatus(el, 'initiated');
    await waitForPart(el, 'pay-button');
    (document.activeElement as HTMLElement | null)?.blur();
    await sendKeys({ press: 'Tab' });
    expect(focusedPart(el)).to.equal('card-number');
    expect(getComputedStyle(part(el, 'card-number')!).outlineStyle).to.equal('solid');
    await sendKeys({ type: '4242424242424242' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '12/34' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: '123' });
    await sendKeys({ press: 'Enter' });
    await waitForEvent(events, 'checkout-complete');
  });

  it('ties a card error to its field (aria-invalid, aria-describedby) and moves the focus there, said in words', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': await createOrder() }, events);
    (await waitForPart(el, 'pay-button')).click();
    const error = await waitForEvent(events, 'checkout-error');
    expect(error).to.deep.equal({ code: 'missing_card', message: 'Enter the card number, expiry date and security code.', retryable: false });
    await waitUntil(() => focusedPart(el) === 'card-number', 'focus on the card number');
    const input = part<HTMLInputElement>(el, 'card-number')!;
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    const described = el.shadowRoot!.getElementById(input.getAttribute('aria-describedby')!)!;
    expect(described.textContent).to.equal('Enter the card number.'); // the first empty field, named alone under it
    // Said once, at its field: no message area beside it (no empty paragraph, no gap), and no live region without words.
    expect(has(el, 'message'), 'message part').to.equal(false);
    const regions = [...el.shadowRoot!.querySelectorAll('[aria-live], [role="status"], [role="alert"]')];
    expect(regions.map((r) => (r.textContent ?? '').trim() !== '')).to.deep.equal(regions.map(() => true));
    const fields = el.shadowRoot!.querySelector('.fields')!.getBoundingClientRect();
    const actions = el.shadowRoot!.querySelector('.actions')!.getBoundingClientRect();
    const gap = parseFloat(getComputedStyle(part(el, 'form')!).rowGap);
    expect(Math.round(actions.top - fields.bottom), 'one gap between the fields and the buttons').to.equal(Math.round(gap));
    expect(el.getAttribute('status')).to.equal('initiated');
    await expect(el).to.be.accessible();
  });

  it('asks the leave-page warning while a payment is processing, and only then', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': await createOrder(), timeout: '20000' }, events);
    await waitForStatus(el, 'initiated');
    expect(leaveWarningShown()).to.equal(false);
    await payWith(el, CARDS.slow);
    await waitForStatus(el, 'processing');
    expect(leaveWarningShown()).to.equal(true);
    await waitForEvent(events, 'checkout-complete');
    await waitForStatus(el, 'completed');
    expect(leaveWarningShown()).to.equal(false);
  });
});
