/**
 * Card entry as a shopper types it (real key presses in Chromium): grouping, brand, expiry formatting, a past expiry
 * on its field; the locale from `<html lang>`; the colour scheme; and axe in the states of the table, en and fr,
 * light and dark.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import {
  CARDS,
  createOrder,
  fillCard,
  focusedPart,
  mount,
  part,
  payWith,
  unmountAll,
  waitForEvent,
  waitForPart,
  waitForStatus,
  type Recorded,
} from './helpers.js';
import { brandOf, formatCardNumber, formatExpiry, paymentFromFields } from '../../widget/src/element/card-fields.js';

async function typeInto(input: HTMLInputElement, text: string): Promise<void> {
  input.focus();
  await sendKeys({ type: text });
}

describe('<payment-checkout> card entry', () => {
  afterEach(async () => {
    unmountAll();
    document.documentElement.lang = 'en';
    await emulateMedia({ colorScheme: 'light' });
  });

  it('formats as typed: 4-4-4-4 (Amex 4-6-5), the brand shown, 1234 → 12/34', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForPart(el, 'pay-button');
    const number = part<HTMLInputElement>(el, 'card-number')!;
    await typeInto(number, '4242424242424242');
    expect(number.value).to.equal('4242 4242 4242 4242');
    await waitUntil(() => part(el, 'card-brand')?.textContent === 'Card brand: Visa', 'brand');
    number.select();
    await sendKeys({ type: '378282246310005' });
    expect(number.value).to.equal('3782 822463 10005');
    await waitUntil(() => part(el, 'card-brand')?.textContent === 'Card brand: American Express', 'amex');
    const expiry = part<HTMLInputElement>(el, 'card-expiry')!;
    await typeInto(expiry, '1234');
    expect(expiry.value).to.equal('12/34');
    expect(formatCardNumber('4000-0000 0000 0002')).to.equal('4000 0000 0000 0002');
    expect(formatExpiry('9')).to.equal('09/');
    expect(brandOf('5555')).to.equal('mastercard');
  });

  it('a past expiry is said as such, on its field (aria-invalid, aria-describedby), with the focus there', async () => {
    const events: Recorded = [];
    const el = mount({ 'order-id': await createOrder() }, events);
    await waitForPart(el, 'pay-button');
    part<HTMLInputElement>(el, 'card-number')!.value = CARDS.ok;
    part<HTMLInputElement>(el, 'card-expiry')!.value = '01/20';
    part<HTMLInputElement>(el, 'card-cvc')!.value = '123';
    part(el, 'pay-button')!.click();
    expect(await waitForEvent(events, 'checkout-error')).to.deep.equal({ code: 'expired_card', message: 'The card has expired.', retryable: false });
    await waitUntil(() => focusedPart(el) === 'card-expiry', 'focus on the expiry');
    const expiry = part<HTMLInputElement>(el, 'card-expiry')!;
    expect(expiry.getAttribute('aria-invalid')).to.equal('true');
    expect(el.shadowRoot!.getElementById(expiry.getAttribute('aria-describedby')!)!.textContent).to.equal('The card has expired.');
    expect(part<HTMLInputElement>(el, 'card-number')!.getAttribute('aria-invalid')).to.equal('false');
    expect(paymentFromFields({ number: CARDS.ok, expiry: '13/30', cvc: '123' })).to.deep.equal({ error: 'invalid_expiry' });
  });

  it('a field error goes as soon as its field is edited, and is marked again on the next Pay that meets it', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForPart(el, 'pay-button');
    const cvc = part<HTMLInputElement>(el, 'card-cvc')!;
    fillCard(el, CARDS.ok, '12/34', '12');
    part(el, 'pay-button')!.click();
    await waitUntil(() => cvc.getAttribute('aria-invalid') === 'true', 'cvc marked');
    expect(el.shadowRoot!.getElementById(cvc.getAttribute('aria-describedby')!)!.textContent).to.equal('The security code is not valid.');
    await typeInto(cvc, '3');
    await waitUntil(() => cvc.getAttribute('aria-invalid') === 'false', 'cvc unmarked');
    expect(cvc.hasAttribute('aria-describedby')).to.equal(false);
    expect(el.shadowRoot!.querySelector('.field-error')).to.equal(null);
    expect(part(el, 'message')!.textContent).to.equal('Enter your card details to pay.');
    cvc.value = '';
    await typeInto(cvc, '9');
    part(el, 'pay-button')!.click();
    await waitUntil(() => cvc.getAttribute('aria-invalid') === 'true', 'cvc marked again');
    expect(el.shadowRoot!.getElementById(cvc.getAttribute('aria-describedby')!)!.textContent).to.equal('The security code is not valid.');
  });

  it('a missing field is named alone: the first empty one, with its own words', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForPart(el, 'pay-button');
    fillCard(el, '', '12/34', '123');
    part(el, 'pay-button')!.click();
    const number = part<HTMLInputElement>(el, 'card-number')!;
    await waitUntil(() => number.getAttribute('aria-invalid') === 'true', 'number marked');
    expect(el.shadowRoot!.getElementById(number.getAttribute('aria-describedby')!)!.textContent).to.equal('Enter the card number.');
    fillCard(el, CARDS.ok, '12/34', '');
    part(el, 'pay-button')!.click();
    const cvc = part<HTMLInputElement>(el, 'card-cvc')!;
    await waitUntil(() => cvc.getAttribute('aria-invalid') === 'true', 'cvc marked');
    expect(el.shadowRoot!.getElementById(cvc.getAttribute('aria-describedby')!)!.textContent).to.equal('Enter the security code.');
  });

  it('the security code takes digits only, 3 for Visa and 4 for Amex', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForPart(el, 'pay-button');
    const number = part<HTMLInputElement>(el, 'card-number')!;
    const cvc = part<HTMLInputElement>(el, 'card-cvc')!;
    await typeInto(number, '4242424242424242');
    await typeInto(cvc, '1a2345');
    expect(cvc.value).to.equal('123');
    number.select();
    await sendKeys({ type: '378282246310005' });
    cvc.select();
    await sendKeys({ type: '123456' });
    expect(cvc.value).to.equal('1234');
    expect(paymentFromFields({ number: CARDS.ok, expiry: '12/34', cvc: '1234' })).to.deep.equal({ error: 'invalid_cvc' });
    expect(paymentFromFields({ number: '378282246310005', expiry: '12/34', cvc: '123' })).to.deep.equal({ error: 'invalid_cvc' });
  });

  it('a decline: the focus on "Try another card", which empties the card fields for the next attempt; a processor error keeps them', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForPart(el, 'pay-button');
    fillCard(el, CARDS.declined);
    part(el, 'card-cvc')!.focus();
    await sendKeys({ press: 'Enter' }); // paid from the keyboard: the focus was in the form
    await waitUntil(() => focusedPart(el) === 'retry-button', 'focus on the way on');
    expect(part(el, 'retry-button')!.textContent).to.equal('Try another card');
    part(el, 'retry-button')!.click();
    await waitForStatus(el, 'resumed');
    await waitUntil(() => focusedPart(el) === 'card-number', 'focus on the number');
    for (const name of ['card-number', 'card-expiry', 'card-cvc']) expect(part<HTMLInputElement>(el, name)!.value, name).to.equal('');
    fillCard(el, CARDS.transient);
    part(el, 'pay-button')!.click();
    await waitForPart(el, 'retry-button');
    expect(part(el, 'retry-button')!.textContent).to.equal('Retry');
    part(el, 'retry-button')!.click();
    await waitUntil(() => el.getAttribute('attempt') === '3', 'next attempt');
    expect(part<HTMLInputElement>(el, 'card-number')!.value).to.equal(CARDS.transient);
  });

  it('speaks the page language (<html lang="fr">): French words and the MM/AA placeholder', async () => {
    document.documentElement.lang = 'fr';
    const el = mount({ 'order-id': await createOrder() });
    await waitForStatus(el, 'initiated');
    expect(part(el, 'status')!.textContent).to.equal('Prêt à payer');
    expect(part<HTMLInputElement>(el, 'card-expiry')!.placeholder).to.equal('MM/AA');
  });

  it('follows the dark colour scheme with its own defaults; --checkout-* properties override both', async () => {
    const el = mount({ 'order-id': await createOrder() });
    await waitForStatus(el, 'initiated');
    const background = () => getComputedStyle(part(el, 'form')!).backgroundColor;
    expect(background()).to.equal('rgb(255, 255, 255)');
    await emulateMedia({ colorScheme: 'dark' });
    await waitUntil(() => background() === 'rgb(22, 27, 34)', 'dark background');
    el.style.setProperty('--checkout-background', 'rgb(1, 2, 3)');
    await waitUntil(() => background() === 'rgb(1, 2, 3)', 'the page overrides the dark default');
  });

  it('has no axe violations in the states of the table, en and fr, light and dark', async () => {
    const states: [string, (el: HTMLElement & { pay(): Promise<void> }) => Promise<void>, Record<string, string>][] = [
      ['ready', async (el) => void (await waitForPart(el as never, 'pay-button')), {}],
      [
        'card error',
        async (el) => {
          (await waitForPart(el as never, 'pay-button')).click();
          await waitUntil(() => part(el as never, 'card-number')?.getAttribute('aria-invalid') === 'true', 'card error');
        },
        {},
      ],
      [
        'declined',
        async (el) => {
          await payWith(el as never, CARDS.declined);
          await waitForPart(el as never, 'retry-button');
        },
        {},
      ],
      [
        'timed out',
        async (el) => {
          await payWith(el as never, CARDS.slow);
          await waitForPart(el as never, 'retry-button');
        },
        { timeout: '500' },
      ],
      [
        'completed',
        async (el) => {
          await payWith(el as never, CARDS.ok);
          await waitForStatus(el as never, 'completed');
        },
        {},
      ],
    ];
    for (const scheme of ['light', 'dark'] as const) {
      await emulateMedia({ colorScheme: scheme });
      for (const locale of ['en', 'fr']) {
        for (const [name, reach, attrs] of states) {
          const el = mount({ 'order-id': await createOrder(), locale, ...attrs }) as never as HTMLElement & { pay(): Promise<void> };
          await reach(el);
          try {
            await expect(el).to.be.accessible();
          } catch (err) {
            throw new Error(`${name} ${locale} ${scheme}: ${(err as Error).message}`, { cause: err });
          }
          el.remove();
        }
        const unknown = mount({ 'order-id': 'ord_nosuchorder00000', locale });
        await waitUntil(
          () => part(unknown, 'status')?.textContent !== part(unknown, 'status')?.textContent || unknown.getAttribute('status') === 'idle',
          'mounted',
        );
        await waitUntil(() => /unavailable|indisponible/.test(part(unknown, 'status')?.textContent ?? ''), 'unavailable');
        await expect(unknown).to.be.accessible();
        unknown.remove();
      }
    }
  });
});
