/**
 * The widget's words are chunks of their own (`i18n/en.ts`, `i18n/fr.ts`). Before they are here the first render shows
 * the preparing view in the few words the entry carries: never a blank box, never a string key. (A page of its own:
 * the tables must not be loaded yet when the first element renders.)
 */
import { expect } from '@open-wc/testing';
import { STRINGS } from '../../widget/src/i18n/strings.js';
import type { PaymentCheckout } from '../../widget/src/index.js';
import { createOrder, mount, part, unmountAll, waitForPart } from './helpers.js';

const KEY = /\b(status|msg|label|button|placeholder|card)\.\w+/;

/** Every text the shadow root shows from now on (also between renders). */
function recordTexts(el: PaymentCheckout): { texts: string[]; stop: () => void } {
  const texts: string[] = [];
  const record = () => void texts.push(el.shadowRoot!.textContent ?? '');
  record();
  const observer = new MutationObserver(record);
  observer.observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true });
  return { texts, stop: () => observer.disconnect() };
}

describe('<payment-checkout> first render, before its words are loaded', () => {
  afterEach(unmountAll);

  it('English: the preparing view in words at once, then the ready view; no key ever shown', async () => {
    const orderId = await createOrder();
    expect('en' in STRINGS, 'English not loaded yet').to.equal(false);
    const el = mount({ 'order-id': orderId });
    await el.updateComplete;
    const { texts, stop } = recordTexts(el);
    expect(part(el, 'status')?.textContent).to.equal('Preparing checkout…');
    expect(part(el, 'message')?.textContent).to.equal('Preparing your checkout…');
    await waitForPart(el, 'pay-button');
    stop();
    expect(part(el, 'status')?.textContent).to.equal('Ready to pay');
    expect(part<HTMLInputElement>(el, 'card-expiry')?.placeholder).to.equal('MM/YY');
    for (const text of texts) {
      expect(text.trim(), 'never blank').to.not.equal('');
      expect(KEY.test(text), text).to.equal(false);
    }
  });

  it('French: the preparing view in French at once (no blank box while fr.ts loads), then French words', async () => {
    const orderId = await createOrder();
    expect('fr' in STRINGS, 'French not loaded yet').to.equal(false);
    const el = mount({ 'order-id': orderId, locale: 'fr' });
    await el.updateComplete;
    expect(part(el, 'status')?.textContent).to.equal('Préparation du paiement…');
    await waitForPart(el, 'pay-button');
    expect(part(el, 'pay-button')?.textContent).to.match(/^Payer/);
    expect(KEY.test(el.shadowRoot!.textContent ?? '')).to.equal(false);
  });
});
