/**
 * The storefront demo against the real server process: a purchase from the product list to the confirmation,
 * a declined card (interrupted, then max retries, then cancel back to the cart), screenshots and axe on every page.
 */
import { describe, expect, it } from 'vitest';
import { CARDS, part, payWith, waitForStatus, widget } from '../e2e/support.js';
import { axeViolations, demoSuite, shoot, shootDark } from './helpers.js';
import { createOrder } from './api.js';

const run = demoSuite();

describe('storefront demo', () => {
  it('buys from the product list through the cart and the widget to a paid confirmation', async () => {
    const { page } = await run.open();
    await page.goto('/');
    await page.locator('.product-card[data-product-id]').first().waitFor();
    expect(await page.locator('.product-card[data-product-id] svg').count()).toBeGreaterThanOrEqual(3);
    await shoot(page, 'storefront');
    await shootDark(page, 'storefront');
    expect(await axeViolations(page)).toEqual([]);

    await page.locator('[data-product-id="prod_mug"] button').click();
    await page.locator('[data-product-id="prod_mug"] button').click();
    await page.locator('[data-product-id="prod_lamp"] button').click();
    expect(await page.locator('.site-header [data-cart-count]').textContent()).toBe('3');

    await page.locator('.site-header a[href="/cart"]').click();
    await page.waitForURL('**/cart');
    await page.locator('.cart-line').nth(1).waitFor();
    expect(await page.locator('.totals .grand dd').textContent()).toMatch(/95[.,]00/);
    await shoot(page, 'cart');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.waitForURL(/\/checkout\/ord_/);
    const orderId = new URL(page.url()).pathname.split('/')[2];
    expect(await widget(page).getAttribute('order-id')).toBe(orderId);
    expect(await widget(page).getAttribute('sw')).toBe('/payment-sw.js');
    await waitForStatus(page, 'initiated');
    await page.locator('.summary-total').waitFor();
    expect(await page.locator('.test-card').count()).toBe(6);
    await shoot(page, 'checkout-initiated');
    await shootDark(page, 'checkout-initiated');
    expect(await axeViolations(page)).toEqual([]);

    await payWith(page, CARDS.ok);
    await page.waitForURL(`**/orders/${orderId}`, { timeout: 20_000 });
    await page.locator('[data-testid="order-status"]', { hasText: 'Paid' }).waitFor();
    expect(await page.locator('h1').textContent()).toMatch(/paid/i);
    expect(await page.locator('[data-testid="order-total"]').textContent()).toMatch(/95[.,]00/);
    // The payment as the server recorded it: reference, date, card brand and last4.
    const read = await (await fetch(`${run.server.url}/api/store/orders/${orderId}`)).json();
    expect(await page.locator('[data-testid="payment-id"]').textContent()).toBe(read.payment.paymentId);
    expect(await page.locator('[data-testid="paid-at"] time').getAttribute('datetime')).toBe(read.payment.paidAt);
    expect(await page.locator('[data-testid="paid-at"]').textContent()).toMatch(new RegExp(String(new Date(read.payment.paidAt).getFullYear())));
    expect(await page.locator('[data-testid="payment-card"]').textContent()).toBe('Visa ending in 4242');
    // The paid order empties the cart it came from.
    expect(await page.locator('.site-header [data-cart-count]').isHidden()).toBe(true);
    await shoot(page, 'confirmation');
    expect(await axeViolations(page)).toEqual([]);

    const order = await (await fetch(`${run.server.url}/api/store/orders/${orderId}`)).json();
    expect(order).toMatchObject({ orderId, amount: 2 * 1800 + 5900, paid: true });

    // Back from the confirmation reaches the cart. The checkout page took its own place in the history: back there, its
    // widget restored the completed session, said checkout-complete again and sent the shopper forward, every time.
    await page.goBack();
    await page.waitForURL('**/cart');
    await page.waitForTimeout(1_500); // what the bounce took
    expect(new URL(page.url()).pathname).toBe('/cart');
  });

  it('a declined card interrupts, three declines reach max retries, and cancel goes back to the cart', async () => {
    const order = await createOrder(run.server.url);
    const { page } = await run.open();
    await page.goto(`/checkout/${order.orderId}?timeout=5000`);
    expect(await widget(page).getAttribute('timeout')).toBe('5000');
    await waitForStatus(page, 'initiated');

    await payWith(page, CARDS.declined);
    await waitForStatus(page, 'interrupted');
    await part(page, 'retry-button').waitFor();
    await shoot(page, 'checkout-interrupted');
    expect(await axeViolations(page)).toEqual([]);

    for (const attempt of [2, 3]) {
      await part(page, 'retry-button').click();
      await page.waitForSelector(`payment-checkout[attempt="${attempt}"]`);
      await payWith(page, CARDS.declined);
      await waitForStatus(page, attempt === 3 ? 'failed_max_retries' : 'interrupted');
    }
    // After the last attempt only Cancel applies: Pay and Retry are gone (or disabled).
    const pay = part(page, 'pay-button');
    expect((await pay.count()) === 0 || (await pay.isDisabled())).toBe(true);
    const retry = part(page, 'retry-button');
    expect((await retry.count()) === 0 || (await retry.isDisabled())).toBe(true);
    await part(page, 'cancel-button').waitFor();
    // The widget offers a new checkout of the order, the page the cart beside it.
    await page.locator('[data-way-on]', { hasText: 'used all its attempts' }).waitFor();
    await shoot(page, 'checkout-max-retries');
    expect(await axeViolations(page)).toEqual([]);

    await part(page, 'cancel-button').click();
    await page.waitForURL('**/cart');
  });

  it('cancel on a fresh checkout goes back to the cart', async () => {
    const order = await createOrder(run.server.url);
    const { page } = await run.open();
    await page.goto(`/checkout/${order.orderId}`);
    await waitForStatus(page, 'initiated');
    await part(page, 'cancel-button').click();
    await page.waitForURL('**/cart');
    await page.locator('.empty-state').waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('the checkout page is self-contained: offline, a reload still shows it from the service worker cache', async () => {
    const order = await createOrder(run.server.url);
    const { context, page } = await run.open();
    await page.goto(`/checkout/${order.orderId}`);
    await waitForStatus(page, 'initiated');
    // The widget registers /payment-sw.js; wait until it controls this page (precache done).
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 20_000 });
    await context.setOffline(true);
    await page.reload();
    await page.locator('h1', { hasText: 'Checkout' }).waitFor();
    expect(await page.locator('[data-order-id]').textContent()).toBe(order.orderId);
    expect(await page.locator('.test-card').count()).toBe(6);
    await page.waitForFunction(() => !!customElements.get('payment-checkout'));
    expect(await page.locator('[data-order-summary]').textContent()).toMatch(/unavailable/);
    await context.setOffline(false);
  });

  it('is usable from the keyboard: Tab to a product, Enter adds it, the cart page follows', async () => {
    const { page } = await run.open();
    await page.goto('/');
    await page.locator('.product-card[data-product-id]').first().waitFor();
    for (let i = 0; i < 12 && !(await page.evaluate(() => !!document.activeElement?.closest('.product-card'))); i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/Add to cart/);
    await page.keyboard.press('Enter');
    expect(await page.locator('.site-header [data-cart-count]').textContent()).toBe('1');
    await page.locator('.site-header a[href="/cart"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/cart');
    await page.locator('.cart-line').waitFor();
  });

  it('threw no uncaught errors in any page', () => {
    expect(run.pageErrors).toEqual([]);
  });
});
