/**
 * The demo checkout page as a merchant page (demo/README.md "Checkout page"), in Chromium against the real server process:
 * a `checkout-complete` forged from the console never sends the shopper to another order or says "thank you"; the
 * widget's final views (`checkout-error {code, retryable: false}`) get their way on. The events are dispatched on the
 * real element, as the widget dispatches them.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { CARDS, part, payWith, waitForStatus, waitForWorker } from '../e2e/support.js';
import { axeViolations, demoSuite, shoot, shootDark } from './helpers.js';
import { createOrder } from './api.js';

const run = demoSuite();

const ITEMS = [
  { productId: 'prod_mug', quantity: 2 },
  { productId: 'prod_lamp', quantity: 1 },
];

/** A shopper on the checkout page of a new order of `ITEMS` that is the cart's open order (as Checkout leaves it). */
async function onCheckout() {
  const order = await createOrder(run.server.url, ITEMS);
  const { page } = await run.open();
  await page.goto('/');
  await page.evaluate(
    ({ items, orderId }) => {
      localStorage.setItem('demo.cart.v1', JSON.stringify(items));
      localStorage.setItem('demo.openOrder.v1', JSON.stringify({ orderId, unconfirmed: false, closed: false }));
    },
    { items: ITEMS, orderId: order.orderId },
  );
  await page.goto(`/checkout/${order.orderId}`);
  await waitForStatus(page, 'initiated');
  return { page, orderId: order.orderId };
}

function dispatch(page: Page, type: string, detail: unknown): Promise<void> {
  return page.evaluate(
    ({ type, detail }) => void document.querySelector('payment-checkout')!.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true })),
    { type, detail },
  );
}

const wayOn = (page: Page) => page.locator('[data-way-on]');

describe('demo checkout page', () => {
  it('a checkout-complete forged from the console goes to this page’s own order, which says it is not paid', async () => {
    const forged = await createOrder(run.server.url);
    const { page, orderId } = await onCheckout();
    await dispatch(page, 'checkout-complete', { sessionId: 'cs_forged', orderId: forged.orderId, paymentId: 'ch_forged' });
    await page.waitForURL(`**/orders/${orderId}`);
    await page.locator('[data-testid="order-status"]').waitFor();
    expect(await page.locator('[data-testid="order-status"]').textContent()).toBe('Unpaid');
    expect(await page.locator('h1').textContent()).toBe('This order is not paid');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/thank you/i);
    expect(text).not.toContain('ch_forged');
    expect(await page.locator('[data-testid="payment-id"]').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Return to checkout' }).getAttribute('href')).toBe(`/checkout/${orderId}`);
    // The cart is not emptied by a page that only claims a payment.
    expect(await page.locator('.site-header [data-cart-count]').textContent()).toBe('3');
    await shoot(page, 'confirmation-unpaid');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('order_already_paid: the way on is this order’s confirmation', async () => {
    const { page, orderId } = await onCheckout();
    await dispatch(page, 'checkout-error', { code: 'order_already_paid', message: 'This order is already paid.', retryable: false });
    await wayOn(page).waitFor();
    expect(await wayOn(page).textContent()).toMatch(/This order is paid/);
    expect(await wayOn(page).getByRole('link', { name: 'See the confirmation' }).getAttribute('href')).toBe(`/orders/${orderId}`);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('paid on another device: this page says it is paid once, without Pay pressed here, with one way to the confirmation', async () => {
    const { page, orderId } = await onCheckout();
    const other = await run.open();
    await other.page.goto(`/checkout/${orderId}`);
    await waitForStatus(other.page, 'initiated');
    await payWith(other.page, CARDS.ok);
    await other.page.waitForURL(`**/orders/${orderId}`);
    await wayOn(page).waitFor(); // the server closed this page's session: the widget's live status brings it
    await page.reload(); // the summary read after the widget's final view, too
    await wayOn(page).waitFor();
    await expect.poll(() => page.locator('[data-order-summary] .summary-total').count()).toBe(1);
    await page.waitForTimeout(500); // the summary's read again on the widget's changes
    expect(await page.getByRole('link', { name: 'See the confirmation' }).count()).toBe(1);
    expect(await page.locator('[data-order-summary] .notice').count()).toBe(0); // the widget's final view and the way on say it
  });

  it('a payment under way is said once: not beside this page’s own payment; on another device by the summary, then by the widget alone', async () => {
    const { page, orderId } = await onCheckout();
    const warn = (p: Page) => p.locator('[data-order-summary] .notice.warn');
    await payWith(page, CARDS.slow);
    await waitForStatus(page, 'processing');
    const other = await run.open();
    await other.page.goto(`/checkout/${orderId}`);
    await waitForStatus(other.page, 'initiated');
    await expect.poll(() => warn(other.page).count(), { timeout: 10_000 }).toBe(1); // the order's read says a payment runs
    // This page's summary is read again on the widget's change to processing: its own payment, which the widget shows.
    await page.reload();
    await waitForStatus(page, 'processing');
    await expect.poll(() => page.locator('[data-order-summary] .summary-total').count()).toBe(1);
    await page.waitForTimeout(500);
    expect(await warn(page).count()).toBe(0);
    await payWith(other.page, CARDS.ok);
    await expect.poll(() => part(other.page, 'message').textContent(), { timeout: 10_000 }).toMatch(/under way in another window/);
    expect(await warn(other.page).count()).toBe(0);
    await shoot(other.page, 'checkout-paying-elsewhere');
    expect(await axeViolations(other.page)).toEqual([]);
  });

  it('a French browser on this English page: the summary’s money is written like the widget’s (the page’s language)', async () => {
    const order = await createOrder(run.server.url, ITEMS);
    const { page } = await run.open({ context: { locale: 'fr-FR' } });
    await page.goto(`/checkout/${order.orderId}`);
    await waitForStatus(page, 'initiated');
    await expect.poll(() => page.locator('[data-order-summary] .summary-total').textContent()).toContain('€95.00');
    expect(await part(page, 'pay-button').textContent()).toBe('Pay €95.00');
  });

  it('max_retries_exceeded (three real declines): the widget offers a new checkout of this order, the page only the cart beside it', async () => {
    const { page, orderId } = await onCheckout();
    const box = (name: string) => part(page, name);
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) {
        await box('retry-button').click();
        await waitForStatus(page, 'resumed');
      }
      await payWith(page, CARDS.declined);
      await waitForStatus(page, attempt < 3 ? 'interrupted' : 'failed_max_retries');
    }
    await wayOn(page).waitFor();
    expect(await wayOn(page).textContent()).toMatch(/used all its attempts/);
    // One way to start again, the widget's: the page adds only the cart.
    expect(await wayOn(page).getByRole('button').count()).toBe(0);
    expect(await wayOn(page).getByRole('link', { name: 'Back to cart' }).getAttribute('href')).toBe('/cart');
    expect(await box('restart-button').count()).toBe(1);
    await shoot(page, 'checkout-way-on-max-retries');
    await shootDark(page, 'checkout-way-on-max-retries');
    expect(await axeViolations(page)).toEqual([]);

    const before = await box('session-id').textContent();
    await box('restart-button').click();
    await waitForStatus(page, 'initiated');
    expect(await wayOn(page).isHidden()).toBe(true);
    expect(new URL(page.url()).pathname).toBe(`/checkout/${orderId}`);
    await expect.poll(() => box('session-id').textContent()).not.toBe(before);
    // The order is the cart's open order again: Checkout from the cart continues it.
    await page.goto('/cart');
    await page.locator('.cart-line').first().waitFor();
    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.waitForURL(`**/checkout/${orderId}`);
  });

  it('session_expired: the same way on; Back to cart, and the cart then starts a new order', async () => {
    const { page, orderId } = await onCheckout();
    await dispatch(page, 'checkout-error', { code: 'session_expired', message: 'The session has expired.', retryable: false });
    await wayOn(page).waitFor();
    expect(await wayOn(page).textContent()).toMatch(/has expired/);
    expect(await wayOn(page).getByRole('button').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await wayOn(page).getByRole('link', { name: 'Back to cart' }).click();
    await page.waitForURL('**/cart');
    await page.locator('.cart-line').first().waitFor();
    await page.getByRole('button', { name: 'Checkout' }).click();
    await page.waitForURL((u) => /^\/checkout\/ord_/.test(u.pathname));
    expect(new URL(page.url()).pathname).not.toBe(`/checkout/${orderId}`);
  });

  it('a retryable error shows no way on (the widget handles it)', async () => {
    const { page } = await onCheckout();
    await dispatch(page, 'checkout-error', { code: 'card_declined', message: 'The card was declined.', retryable: true });
    await page.waitForTimeout(100);
    expect(await wayOn(page).isHidden()).toBe(true);
  });

  it('the server down while the page loads: "Order details are unavailable", filled in by itself once the server answers', async () => {
    await run.withOwnServer(async (own, restart) => {
      const restored = await createOrder(own.url, ITEMS);
      const fresh = await createOrder(own.url, ITEMS);
      const { page, context } = await run.open({ on: own });
      await page.goto(`/checkout/${restored.orderId}`);
      await waitForStatus(page, 'initiated');
      await waitForWorker(page); // the shell comes from its precache while the server is down
      await own.stop();
      // A reload of a checkout the widget restores (its status never changes), and a new order's checkout.
      const other = await context.newPage();
      await Promise.all([page.reload(), other.goto(`${own.url}/checkout/${fresh.orderId}`)]);
      const summary = (p: Page) => p.locator('[data-order-summary]');
      for (const p of [page, other]) await expect.poll(() => summary(p).textContent(), { timeout: 15_000 }).toBe('Order details are unavailable right now.');
      await restart();
      for (const p of [page, other]) await expect.poll(() => summary(p).textContent(), { timeout: 20_000 }).toMatch(/Total\D*95\.00/);
    });
  });

  it('threw no uncaught errors in any page', () => {
    expect(run.pageErrors).toEqual([]);
  });
});
